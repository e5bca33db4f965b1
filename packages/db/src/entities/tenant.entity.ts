import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type TenantStatus = 'active' | 'suspended';

/** An NHS organisation using Verity (shown to people as "organisation"). */
@Entity({ name: 'tenants' })
export class Tenant {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 63, unique: true })
  slug: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  /** Domains of staff usernames, used to route a user to their organisation (e.g. "nhs.net" is shared, so absent). */
  @Column({ name: 'email_domains', type: 'text', array: true, default: () => "'{}'" })
  emailDomains: string[];

  /** The organisation policy document; its schema is owned by @verity/policy (trusted networks live in it). */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  policy: Record<string, unknown>;

  /** Incremented on every saved change of the policy document. */
  @Column({ name: 'policy_version', type: 'integer', default: 1 })
  policyVersion: number;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status: TenantStatus;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
