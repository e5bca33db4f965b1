import { Column, Entity, Index } from 'typeorm';
import { AccountOwned } from './account-owned.js';

/** "Don't ask again for N days": a revocable token bound to one account, held by the person's browser. */
@Entity({ name: 'remembered_devices' })
@Index('IDX_remembered_devices_tenant_account', ['tenantId', 'accountId'])
@Index('UQ_remembered_devices_token_hash', ['tokenHash'], { unique: true })
export class RememberedDevice extends AccountOwned {
  /** HMAC of the token; the token itself is never stored. */
  @Column({ name: 'token_hash', type: 'bytea' })
  tokenHash: Buffer;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
