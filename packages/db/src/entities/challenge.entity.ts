import { Column, Entity, Index } from 'typeorm';
import { AccountOwned } from './account-owned.js';

export type ChallengePurpose = 'sign_in' | 'password_reset' | 'registration' | 'step_up';
export type ChallengeStatus = 'pending' | 'approved' | 'denied' | 'expired' | 'locked';

/** One proof asked of a user: a code sent, a push to approve, a call to answer, a TOTP to type. */
@Entity({ name: 'challenges' })
@Index('IDX_challenges_tenant_account_status', ['tenantId', 'accountId', 'status'])
@Index('IDX_challenges_expires_at', ['expiresAt'])
export class Challenge extends AccountOwned {
  @Column({ name: 'flow_id', type: 'uuid', nullable: true })
  flowId: string | null;

  @Column({ name: 'method_id', type: 'uuid', nullable: true })
  methodId: string | null;

  @Column({ name: 'method_type', type: 'varchar', length: 32 })
  methodType: string;

  @Column({ type: 'varchar', length: 16 })
  purpose: ChallengePurpose;

  /** HMAC-SHA-256 of the code or number to match; the code itself is never stored. */
  @Column({ name: 'code_hash', type: 'bytea', nullable: true })
  codeHash: Buffer | null;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status: ChallengeStatus;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true })
  resolvedAt: Date | null;

  /** Where the sign-in came from, as shown to the person in the app (IP, approximate place, app). */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  context: Record<string, unknown>;
}
