import { Column, Entity, Index } from 'typeorm';
import { AccountOwned } from './account-owned.js';

/** A registered security info method (type from the catalogue in @verity/policy). */
@Entity({ name: 'methods' })
@Index('IDX_methods_tenant_account', ['tenantId', 'accountId'])
@Index('UQ_methods_one_default', ['tenantId', 'accountId'], { unique: true, where: '"is_default"' })
export class Method extends AccountOwned {
  @Column({ type: 'varchar', length: 32 })
  type: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  label: string | null;

  /** Phone number, email address, TOTP seed, credential: encrypted JSON. */
  @Column({ name: 'details_enc', type: 'bytea' })
  detailsEnc: Buffer;

  /** HMAC of the physical device (phone number, app install, key), so rules can tell devices apart without decrypting. */
  @Column({ name: 'device_ref', type: 'bytea' })
  deviceRef: Buffer;

  @Column({ name: 'is_default', type: 'boolean', default: false })
  isDefault: boolean;

  @Column({ name: 'verified_at', type: 'timestamptz', nullable: true })
  verifiedAt: Date | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  /** Wrong answers in a row; at the policy's limit the factor locks. Kept here so it survives restarts. */
  @Column({ name: 'failed_attempts', type: 'integer', default: 0 })
  failedAttempts: number;

  /** Locked until then (or until an administrator unlocks it). */
  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil: Date | null;

  /** The newest TOTP time step accepted: a code of that step or earlier is refused (single use). */
  @Column({ name: 'last_time_step', type: 'bigint', nullable: true })
  lastTimeStep: string | null;
}
