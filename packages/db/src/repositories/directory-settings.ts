import { DirectorySetting } from '../entities/index.js';
import type { TenantScope } from '../tenancy.js';

export const directorySettings = {
  find(scope: TenantScope): Promise<DirectorySetting | null> {
    return scope.manager.getRepository(DirectorySetting).findOne({ where: { tenantId: scope.tenantId } });
  },

  async save(scope: TenantScope, kind: string, settingsEnc: Buffer): Promise<void> {
    await scope.manager
      .getRepository(DirectorySetting)
      .upsert({ tenantId: scope.tenantId, kind, settingsEnc, updatedAt: new Date() }, ['tenantId']);
  },

  async remove(scope: TenantScope): Promise<boolean> {
    const result = await scope.manager.getRepository(DirectorySetting).delete({ tenantId: scope.tenantId });
    return (result.affected ?? 0) > 0;
  },
};
