import type { DataKeyStore, WrappedDataKey } from '@verity/secrets';
import { DataKey } from '../entities/index.js';
import type { Tenancy } from '../tenancy.js';

/** Wrapped data keys in Postgres, each read and written inside its organisation's scope. */
export class DataKeyRepository implements DataKeyStore {
  constructor(private readonly tenancy: Tenancy) {}

  load(tenantId: string): Promise<WrappedDataKey[]> {
    return this.tenancy.run(tenantId, async ({ manager }) => {
      const rows = await manager
        .getRepository(DataKey)
        .find({ where: { tenantId }, order: { version: 'DESC' } });
      return rows.map(({ version, masterKeyId, wrapped }) => ({ version, masterKeyId, wrapped }));
    });
  }

  save(tenantId: string, key: WrappedDataKey): Promise<void> {
    return this.tenancy.run(tenantId, async ({ manager }) => {
      await manager.getRepository(DataKey).insert({ tenantId, ...key });
    });
  }

  replace(tenantId: string, key: WrappedDataKey): Promise<void> {
    return this.tenancy.run(tenantId, async ({ manager }) => {
      await manager
        .getRepository(DataKey)
        .update({ tenantId, version: key.version }, { masterKeyId: key.masterKeyId, wrapped: key.wrapped });
    });
  }
}
