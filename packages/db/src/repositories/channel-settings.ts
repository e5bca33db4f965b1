import { ChannelSetting } from '../entities/index.js';
import type { TenantScope } from '../tenancy.js';

export const channelSettings = {
  find(scope: TenantScope, kind: string): Promise<ChannelSetting | null> {
    return scope.manager.getRepository(ChannelSetting).findOne({ where: { tenantId: scope.tenantId, kind } });
  },

  all(scope: TenantScope): Promise<ChannelSetting[]> {
    return scope.manager
      .getRepository(ChannelSetting)
      .find({ where: { tenantId: scope.tenantId }, order: { kind: 'ASC' } });
  },

  async save(scope: TenantScope, kind: string, provider: string, configEnc: Buffer): Promise<void> {
    await scope.manager
      .getRepository(ChannelSetting)
      .upsert({ tenantId: scope.tenantId, kind, provider, configEnc, updatedAt: new Date() }, [
        'tenantId',
        'kind',
      ]);
  },

  async remove(scope: TenantScope, kind: string): Promise<boolean> {
    const result = await scope.manager
      .getRepository(ChannelSetting)
      .delete({ tenantId: scope.tenantId, kind });
    return (result.affected ?? 0) > 0;
  },
};
