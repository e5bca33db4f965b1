import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { Tenant } from './tenant.entity.js';

export type AccountStatus = 'active' | 'disabled';
export type RegistrationState = 'required' | 'snoozed' | 'complete';
export type Role = 'staff' | 'tenant_admin';

/** A member of staff's account in one organisation. */
@Entity({ name: 'accounts' })
@Index('UQ_accounts_tenant_username', ['tenantId', 'username'], { unique: true })
@Index('UQ_accounts_tenant_id', ['tenantId', 'id'], { unique: true })
export class Account {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  /** The sign-in name (UPN), lower case, e.g. "jane.doe@trust.nhs.uk". */
  @Column({ type: 'varchar', length: 254 })
  username: string;

  @Column({ name: 'display_name', type: 'varchar', length: 200 })
  displayName: string;

  /** Where notices about the account go; encrypted with the organisation's data key. */
  @Column({ name: 'contact_email_enc', type: 'bytea', nullable: true })
  contactEmailEnc: Buffer | null;

  @Column({ name: 'password_hash', type: 'text', nullable: true })
  passwordHash: string | null;

  @Column({ type: 'text', array: true, default: () => "'{staff}'" })
  roles: Role[];

  /** Elevated rights (e.g. local administrators): the stricter MFA rules apply. */
  @Column({ type: 'boolean', default: false })
  elevated: boolean;

  /** An Office 365 Hybrid user: office phone verification cannot be used (seed 001). */
  @Column({ type: 'boolean', default: false })
  hybrid: boolean;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status: AccountStatus;

  @Column({ name: 'registration_state', type: 'varchar', length: 16, default: 'required' })
  registrationState: RegistrationState;

  @Column({ name: 'registration_snoozes', type: 'integer', default: 0 })
  registrationSnoozes: number;

  @Column({ name: 'snoozed_until', type: 'timestamptz', nullable: true })
  snoozedUntil: Date | null;

  /** Set when the person reported a sign-in as fraud; cleared by an administrator after review. */
  @Column({ name: 'at_risk_since', type: 'timestamptz', nullable: true })
  atRiskSince: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @ManyToOne(() => Tenant, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: Tenant;
}
