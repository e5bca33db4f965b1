import { LessThan } from 'typeorm';
import { Challenge, Flow } from '../entities/index.js';
import type { TenantScope } from '../tenancy.js';

export const housekeeping = {
  /** Deletes the organisation's challenges and flows that expired before `before`. */
  async purgeExpired(scope: TenantScope, before: Date): Promise<{ challenges: number; flows: number }> {
    const challenges = await scope.manager
      .getRepository(Challenge)
      .delete({ tenantId: scope.tenantId, expiresAt: LessThan(before) });
    const flows = await scope.manager
      .getRepository(Flow)
      .delete({ tenantId: scope.tenantId, expiresAt: LessThan(before) });
    return { challenges: challenges.affected ?? 0, flows: flows.affected ?? 0 };
  },
};
