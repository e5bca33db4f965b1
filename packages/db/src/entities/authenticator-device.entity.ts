import { Column, Entity, Index } from 'typeorm';
import { AccountOwned } from './account-owned.js';

export type DeviceStatus = 'pending' | 'active' | 'inactive';

/** An installed authenticator app that receives push challenges and signs its answers. */
@Entity({ name: 'authenticator_devices' })
@Index('IDX_authenticator_devices_tenant_account', ['tenantId', 'accountId'])
export class AuthenticatorDevice extends AccountOwned {
  @Column({ type: 'varchar', length: 100 })
  name: string;

  /** The device's public key (JWK) that verifies its signed answers. */
  @Column({ name: 'public_key', type: 'jsonb', nullable: true })
  publicKey: Record<string, unknown> | null;

  @Column({ name: 'push_token_enc', type: 'bytea', nullable: true })
  pushTokenEnc: Buffer | null;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status: DeviceStatus;

  @Column({ name: 'activated_at', type: 'timestamptz', nullable: true })
  activatedAt: Date | null;

  @Column({ name: 'last_seen_at', type: 'timestamptz', nullable: true })
  lastSeenAt: Date | null;

  /** HMAC of the one-time activation code in the registration QR link; cleared once used. */
  @Column({ name: 'activation_hash', type: 'bytea', nullable: true })
  activationHash: Buffer | null;

  @Column({ name: 'activation_expires_at', type: 'timestamptz', nullable: true })
  activationExpiresAt: Date | null;

  /** The enrolment (a `registration` flow) it was set up in: its methods wait for a test notification. */
  @Column({ name: 'enrolment_id', type: 'uuid', nullable: true })
  enrolmentId: string | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  platform: 'android' | 'ios' | 'web' | null;
}
