import { RememberedDevice } from '../entities/index.js';
import type { TenantScope } from '../tenancy.js';

export const rememberedDevices = {
  create(scope: TenantScope, data: { accountId: string; tokenHash: Buffer; expiresAt: Date }) {
    const repo = scope.manager.getRepository(RememberedDevice);
    return repo.save(repo.create({ ...data, tenantId: scope.tenantId }));
  },

  /** When the account's still valid token with this hash was issued; null otherwise. */
  async issuedAt(scope: TenantScope, accountId: string, tokenHash: Buffer): Promise<Date | null> {
    const rows: { created_at: Date }[] = await scope.manager.query(
      `SELECT created_at FROM remembered_devices
        WHERE tenant_id = $1 AND account_id = $2 AND token_hash = $3 AND revoked_at IS NULL AND expires_at > now()`,
      [scope.tenantId, accountId, tokenHash],
    );
    return rows[0]?.created_at ?? null;
  },

  async revokeAll(scope: TenantScope, accountId: string): Promise<number> {
    const [, affected]: [unknown, number] = await scope.manager.query(
      `UPDATE remembered_devices SET revoked_at = now()
        WHERE tenant_id = $1 AND account_id = $2 AND revoked_at IS NULL`,
      [scope.tenantId, accountId],
    );
    return affected;
  },
};
