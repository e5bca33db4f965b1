import { randomBytes } from 'node:crypto';
import { constantTimeEqual, hashCode } from '@verity/secrets';
import { ApiKey } from '../entities/index.js';
import type { Tenancy, TenantScope } from '../tenancy.js';

const KEY_FORMAT = /^vty_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

export interface IssuedApiKey {
  id: string;
  /** Shown once; only an HMAC of its secret part is stored. */
  key: string;
}

export class ApiKeyRepository {
  constructor(
    private readonly tenancy: Tenancy,
    private readonly codeKey: (tenantId: string) => Promise<Buffer>,
  ) {}

  async issue(scope: TenantScope, name: string, scopes: string[]): Promise<IssuedApiKey> {
    const prefix = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const secretHash = hashCode(await this.codeKey(scope.tenantId), secret);
    const repo = scope.manager.getRepository(ApiKey);
    const row = await repo.save(repo.create({ tenantId: scope.tenantId, name, prefix, secretHash, scopes }));
    return { id: row.id, key: `vty_${prefix}_${secret}` };
  }

  /** The organisation and key a presented key belongs to, or null; same work for unknown and wrong keys. */
  async authenticate(
    presented: string,
  ): Promise<{ tenantId: string; keyId: string; scopes: string[] } | null> {
    const match = KEY_FORMAT.exec(presented);
    if (!match) return null;
    const [, prefix, secret] = match as unknown as [string, string, string];
    const tenantId = await this.tenancy.tenantForApiKey(prefix);
    if (!tenantId) {
      hashCode(randomBytes(32), secret);
      return null;
    }
    const key = await this.codeKey(tenantId);
    return this.tenancy.run(tenantId, async ({ manager }) => {
      const row = await manager.getRepository(ApiKey).findOne({ where: { tenantId, prefix } });
      if (!row || row.revokedAt || !constantTimeEqual(hashCode(key, secret), row.secretHash)) return null;
      await manager.getRepository(ApiKey).update({ id: row.id, tenantId }, { lastUsedAt: new Date() });
      return { tenantId, keyId: row.id, scopes: row.scopes };
    });
  }
}
