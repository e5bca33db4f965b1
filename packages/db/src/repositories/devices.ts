import { AuthenticatorDevice } from '../entities/index.js';
import type { TenantScope } from '../tenancy.js';

export const devices = {
  /** The push service no longer knows this device (app removed, token expired): stop sending to it. */
  async deactivate(scope: TenantScope, id: string): Promise<void> {
    await scope.manager
      .getRepository(AuthenticatorDevice)
      .update({ tenantId: scope.tenantId, id }, { status: 'inactive' });
  },
};
