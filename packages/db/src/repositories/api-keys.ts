import { createHash, randomBytes } from 'node:crypto';
import { constantTimeEqual, hashCode } from '@verity/secrets';
import { ApiKey } from '../entities/index.js';
import type { Tenancy, TenantScope } from '../tenancy.js';

const KEY_FORMAT = /^vty_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

export interface IssuedApiKey {
  id: string;
  /** Shown once; only an HMAC of its secret part is stored. */
  key: string;
}

type Principal = { tenantId: string; keyId: string; scopes: string[] };

/** How long a process trusts a key it has just checked: a revoked key stops working within this. */
export const API_KEY_RECHECK_MS = 10_000;
/** `last_used_at` is written at most this often per key, so busy keys do not queue on one row. */
const LAST_USED_EVERY_MS = 60_000;

export class ApiKeyRepository {
  private readonly checked = new Map<string, { principal: Principal; until: number }>();
  private readonly lastUsedWritten = new Map<string, number>();

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

  /**
   * The organisation and key a presented key belongs to, or null; same work for unknown and wrong keys. A key
   * found good is trusted by this process for API_KEY_RECHECK_MS without asking the database again.
   */
  async authenticate(presented: string): Promise<Principal | null> {
    const match = KEY_FORMAT.exec(presented);
    if (!match) return null;
    const fingerprint = createHash('sha256').update(presented).digest('base64');
    const cached = this.checked.get(fingerprint);
    if (cached && cached.until > Date.now()) return cached.principal;
    this.checked.delete(fingerprint);
    const principal = await this.lookUp(match[1]!, match[2]!);
    if (principal) {
      if (this.checked.size > 10_000) this.checked.clear();
      this.checked.set(fingerprint, { principal, until: Date.now() + API_KEY_RECHECK_MS });
    }
    return principal;
  }

  private async lookUp(prefix: string, secret: string): Promise<Principal | null> {
    const tenantId = await this.tenancy.tenantForApiKey(prefix);
    if (!tenantId) {
      hashCode(randomBytes(32), secret);
      return null;
    }
    const key = await this.codeKey(tenantId);
    return this.tenancy.run(tenantId, async ({ manager }) => {
      const row = await manager.getRepository(ApiKey).findOne({ where: { tenantId, prefix } });
      if (!row || row.revokedAt || !constantTimeEqual(hashCode(key, secret), row.secretHash)) return null;
      if (Date.now() - (this.lastUsedWritten.get(row.id) ?? 0) > LAST_USED_EVERY_MS) {
        this.lastUsedWritten.set(row.id, Date.now());
        await manager.getRepository(ApiKey).update({ id: row.id, tenantId }, { lastUsedAt: new Date() });
      }
      return { tenantId, keyId: row.id, scopes: row.scopes };
    });
  }
}
