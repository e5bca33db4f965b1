import { Column, Entity, Index } from 'typeorm';
import { AccountOwned } from './account-owned.js';

export type SessionRevokedReason =
  'signed_out' | 'revoked_by_user' | 'revoked_by_admin' | 'account_disabled' | 'password_reset';

/**
 * A signed-in member of staff at a relying application (the portal): made once from a finished sign-in, held
 * as a random token by the application, ended by sign-out, by revocation, or by its idle or absolute limit.
 */
@Entity({ name: 'sessions' })
@Index('IDX_sessions_tenant_account', ['tenantId', 'accountId'])
@Index('UQ_sessions_token_hash', ['tokenHash'], { unique: true })
@Index('UQ_sessions_flow_id', ['flowId'], { unique: true })
export class Session extends AccountOwned {
  /** The finished sign-in it was made from: one session per sign-in result. */
  @Column({ name: 'flow_id', type: 'uuid' })
  flowId: string;

  /** HMAC of the token with the organisation's code key; the token itself is never stored. */
  @Column({ name: 'token_hash', type: 'bytea' })
  tokenHash: Buffer;

  /** The assurance level of the sign-in: aal1 or aal2. */
  @Column({ type: 'text' })
  acr: string;

  /** RFC 8176 method references of the sign-in, e.g. {pwd,otp,mfa}. */
  @Column({ type: 'text', array: true })
  amr: string[];

  /** The account had elevated rights when the session began: the stricter limits apply. */
  @Column({ type: 'boolean' })
  elevated: boolean;

  /** The inactivity limit of this session, fixed when it began. */
  @Column({ name: 'idle_seconds', type: 'integer' })
  idleSeconds: number;

  /** The person's last authentication (for a later step-up). */
  @Column({ name: 'authenticated_at', type: 'timestamptz' })
  authenticatedAt: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz' })
  lastSeenAt: Date;

  /** The absolute limit, from the authentication; a session is never extended beyond it. */
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'revoked_reason', type: 'text', nullable: true })
  revokedReason: SessionRevokedReason | null;

  /** The person's browser as the relying application saw it when the session began. */
  @Column({ type: 'text', nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'text', nullable: true })
  userAgent: string | null;
}
