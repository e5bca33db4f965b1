import { Challenge, type ChallengeStatus } from '../entities/index.js';
import type { TenantScope } from '../tenancy.js';
import { isUuid } from '../tenancy.js';

export const challenges = {
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
};
