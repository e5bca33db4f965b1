import { randomBytes, randomUUID } from 'node:crypto';
import { createDataSource } from '../data-source.js';
import { ApiKeyScopes1763900000015 } from './1763900000015-ApiKeyScopes.js';

describe('migration 015: the scopes of keys issued before scopes were checked', () => {
  const ds = createDataSource({ url: process.env.DATABASE_MIGRATION_URL!, poolSize: 2 });
  beforeAll(() => ds.initialize());
  afterAll(() => ds.destroy());

  it('gives a key without scopes every scope, maps the old names, and leaves new ones as they are', async () => {
    const tenantId = randomUUID();
    const slug = `scopes-${randomBytes(4).toString('hex')}`;
    const keys = { empty: [], legacy: ['accounts:read', 'audit:read', 'unknown'], current: ['policy'] };
    const ids: Record<string, string> = {};
    const runner = ds.createQueryRunner();
    await runner.startTransaction();
    try {
      await runner.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
      await runner.query(
        `INSERT INTO tenants (id, slug, name, email_domains, policy) VALUES ($1, $2, $2, '{}', '{}')`,
        [tenantId, slug],
      );
      for (const [name, scopes] of Object.entries(keys)) {
        const [row] = (await runner.query(
          `INSERT INTO api_keys (tenant_id, name, prefix, secret_hash, scopes) VALUES ($1, $2, $3, '\\x00', $4) RETURNING id`,
          [tenantId, name, randomBytes(8).toString('hex'), scopes],
        )) as { id: string }[];
        ids[name] = row!.id;
      }
      await runner.query(`SELECT set_config('app.tenant_id', '', true)`);
      await new ApiKeyScopes1763900000015().up(runner);
      await runner.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
      const rows = (await runner.query(`SELECT id, scopes FROM api_keys WHERE tenant_id = $1`, [
        tenantId,
      ])) as {
        id: string;
        scopes: string[];
      }[];
      const scopesOf = (name: string) => rows.find((r) => r.id === ids[name])?.scopes;
      expect(scopesOf('empty')).toEqual([
        'sign-in',
        'security-info',
        'password-reset',
        'devices',
        'people',
        'policy',
        'channels',
        'directory',
        'audit',
        'sandbox',
        'forwarded-address',
      ]);
      expect(scopesOf('legacy')).toEqual(['audit', 'people']);
      expect(scopesOf('current')).toEqual(['policy']);
      const [forced] = (await runner.query(
        `SELECT relforcerowsecurity FROM pg_class WHERE relname = 'api_keys'`,
      )) as {
        relforcerowsecurity: boolean;
      }[];
      expect(forced?.relforcerowsecurity).toBe(true);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });
});
