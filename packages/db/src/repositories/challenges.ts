import { Challenge, type ChallengePurpose, type ChallengeStatus } from '../entities/index.js';
import type { TenantScope } from '../tenancy.js';
import { isUuid } from '../tenancy.js';

export interface NewChallenge {
  id?: string;
  accountId: string;
  flowId: string | null;
  methodId: string | null;
  methodType: string;
  purpose: ChallengePurpose;
  codeHash: Buffer | null;
  expiresAt: Date;
  context?: Record<string, unknown>;
}

export const challenges = {
  /** A new row: inserted without the look-up `save` would make for a caller-chosen id. */
  async create(scope: TenantScope, data: NewChallenge): Promise<Challenge> {
    const repo = scope.manager.getRepository(Challenge);
    const challenge = repo.create({ ...data, tenantId: scope.tenantId, context: data.context ?? {} });
    await repo.insert(challenge as Parameters<typeof repo.insert>[0]);
    return challenge;
  },

  async findById(scope: TenantScope, id: string): Promise<Challenge | null> {
    if (!isUuid(id)) return null;
    return scope.manager.getRepository(Challenge).findOne({ where: { tenantId: scope.tenantId, id } });
  },

  /** Settles a pending, unexpired challenge once; false when it was already settled or has expired. */
  async settle(
    scope: TenantScope,
    id: string,
    status: Exclude<ChallengeStatus, 'pending'>,
  ): Promise<boolean> {
    const [, affected]: [unknown, number] = await scope.manager.query(
      `UPDATE challenges SET status = $3, resolved_at = now()
        WHERE tenant_id = $1 AND id = $2 AND status = 'pending' AND expires_at > now()`,
      [scope.tenantId, id, status],
    );
    return affected === 1;
  },

  /** Counts one more answer to a pending challenge; the new count, or null when it is no longer pending. */
  async countAttempt(scope: TenantScope, id: string): Promise<number | null> {
    const [rows]: [{ attempts: number }[], number] = await scope.manager.query(
      `UPDATE challenges SET attempts = attempts + 1
        WHERE tenant_id = $1 AND id = $2 AND status = 'pending' AND expires_at > now()
        RETURNING attempts`,
      [scope.tenantId, id],
    );
    return rows[0]?.attempts ?? null;
  },

  /** Pending push challenges for the account's devices, newest first ("check for notifications"). */
  pendingPushes(scope: TenantScope, accountId: string): Promise<Challenge[]> {
    return scope.manager
      .getRepository(Challenge)
      .createQueryBuilder('c')
      .where(
        "c.tenant_id = :tenantId AND c.account_id = :accountId AND c.method_type = 'authenticator_push'",
        {
          tenantId: scope.tenantId,
          accountId,
        },
      )
      .andWhere("c.status = 'pending' AND c.expires_at > now()")
      .orderBy('c.created_at', 'DESC')
      .getMany();
  },
};
