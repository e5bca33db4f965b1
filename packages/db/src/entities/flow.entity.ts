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

export type FlowKind = 'sign_in' | 'password_reset' | 'registration';

/** A server-side state machine for a sign-in, a password reset or a registration wizard. */
@Entity({ name: 'flows' })
@Index('IDX_flows_tenant_account', ['tenantId', 'accountId'])
@Index('IDX_flows_expires_at', ['expiresAt'])
export class Flow {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  /** Null while the user is not identified, or when the username matched no account. */
  @Column({ name: 'account_id', type: 'uuid', nullable: true })
  accountId: string | null;

  @Column({ type: 'varchar', length: 16 })
  kind: FlowKind;

  @Column({ type: 'varchar', length: 32 })
  state: string;

  /** Bumped on every transition, so a replayed or reordered step is refused. */
  @Column({ type: 'integer', default: 0 })
  step: number;

  /** Non-secret facts of the flow (gates passed, methods chosen). */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  data: Record<string, unknown>;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @ManyToOne(() => Tenant, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: Tenant;
}
