import { IsNull, Not } from 'typeorm';
import { Method } from '../entities/index.js';
import type { TenantScope } from '../tenancy.js';

export const methods = {
  /** Every verified method of the organisation, for readiness reports over the whole population. */
  allVerified(scope: TenantScope): Promise<Method[]> {
    return scope.manager
      .getRepository(Method)
      .find({ where: { tenantId: scope.tenantId, verifiedAt: Not(IsNull()) } });
  },
};
