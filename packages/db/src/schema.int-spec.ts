import { createDataSource } from './data-source.js';
import { tenantTables } from './entities/index.js';
import { databaseWarnings } from './migrate.js';

describe('the migrated schema', () => {
  const ds = createDataSource({ url: process.env.DATABASE_MIGRATION_URL!, poolSize: 2 });
  beforeAll(() => ds.initialize());
  afterAll(() => ds.destroy());

  it('agrees with the entities: synchronize would change nothing', async () => {
    const pending = await ds.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it("reads this server's autovacuum setting for the start-up warning", async () => {
    const [setting] = (await ds.query('SHOW autovacuum')) as { autovacuum: string }[];
    expect(setting?.autovacuum).toMatch(/^(on|off)$/);
    expect(await databaseWarnings(ds.query.bind(ds))).toHaveLength(setting?.autovacuum === 'on' ? 0 : 1);
  });

  it('has no pending migration', async () => {
    expect(await ds.showMigrations()).toBe(false);
  });

  it('forces row-level security on every tenant table', async () => {
    const rows: { relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }[] = await ds.query(
      `SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY($1)`,
      [[...tenantTables, 'tenants']],
    );
    expect(rows).toHaveLength(tenantTables.length + 1);
    for (const row of rows) expect(row).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
  });

  it('puts a tenant_id on every table but the organisations themselves', async () => {
    const tables: { table_name: string }[] = await ds.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
         AND table_name NOT IN ('migrations', 'tenants')
         AND table_name NOT IN (SELECT table_name FROM information_schema.columns WHERE column_name = 'tenant_id')`,
    );
    expect(tables).toEqual([]);
  });
});
