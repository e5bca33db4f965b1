import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { createDataSource } from './data-source.js';
import { migrate } from './migrate.js';
import { tenants } from './repositories/index.js';
import { Tenancy } from './tenancy.js';

// Connected as the runtime role, nothing it can set (app.operator, a malformed app.tenant_id, any variable a
// policy reads) shows it another organisation's rows. Two organisations are given a row in every table that holds
// organisation data, found in pg_catalog so a new table is covered without editing this test. Those filler rows
// would trouble the other tests' sweeps across organisations, so this test has a database of its own.

interface OrganisationTable {
  table: string;
  /** The column naming the row's organisation: `id` for `tenants` itself. */
  column: string;
}

const VALUES = ['on', 'true', '1', 'yes', '*', 'all', '', 'not-a-uuid'];

function client(url: string) {
  return new pg.Client({ connectionString: url });
}

async function organisationTables(owner: pg.Client): Promise<OrganisationTable[]> {
  const { rows } = await owner.query<{ table: string; has_tenant_id: boolean }>(
    `SELECT c.relname AS table,
            EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id'
                      AND NOT a.attisdropped) AS has_tenant_id
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
        AND (c.relrowsecurity OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                                           AND a.attname = 'tenant_id' AND NOT a.attisdropped))
      ORDER BY c.relname`,
  );
  return rows.map((r) => ({ table: r.table, column: r.has_tenant_id ? 'tenant_id' : 'id' }));
}

/** Every custom variable a policy reads, directly or through a function in the schema. */
async function variablesPoliciesRead(owner: pg.Client): Promise<string[]> {
  const { rows } = await owner.query<{ source: string }>(
    `SELECT coalesce(qual, '') || ' ' || coalesce(with_check, '') AS source FROM pg_policies WHERE schemaname = 'public'
     UNION ALL
     SELECT p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'`,
  );
  const names = new Set(['app.operator', 'app.tenant_id']);
  for (const { source } of rows)
    for (const match of source.matchAll(/current_setting\(\s*'([^']+)'/g)) names.add(match[1]!);
  return [...names].filter((name) => name.includes('.'));
}

/** A value of the column's type for a filler row; the organisation's own ids where the row needs them. */
function filler(column: { name: string; type: string }, tenantId: string, accountId: string): unknown {
  if (column.name === 'tenant_id') return tenantId;
  if (column.name === 'account_id') return accountId;
  switch (column.type) {
    case 'uuid':
      return randomUUID();
    case 'bytea':
      return randomBytes(8);
    case 'integer':
    case 'bigint':
    case 'smallint':
      return 1;
    case 'boolean':
      return false;
    case 'timestamp with time zone':
    case 'timestamp without time zone':
      return new Date(Date.now() + 86_400_000);
    case 'ARRAY':
      return [];
    case 'jsonb':
    case 'json':
      return {};
    default:
      return `x${randomBytes(4).toString('hex')}`;
  }
}

/** One row of the organisation in the table, with every column that has no default filled in. */
async function insertRow(owner: pg.Client, table: string, tenantId: string, accountId: string) {
  const { rows: columns } = await owner.query<{ name: string; type: string }>(
    `SELECT column_name AS name, data_type AS type FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name = $1 AND is_nullable = 'NO' AND column_default IS NULL`,
    [table],
  );
  const names = columns.map((c) => `"${c.name}"`).join(', ');
  const placeholders = columns.map((_, i) => `$${i + 1}`).join(', ');
  await owner.query(
    `INSERT INTO "${table}" (${names}) VALUES (${placeholders})`,
    columns.map((c) => filler(c, tenantId, accountId)),
  );
}

/** The run's URL for a database of this test's own. */
function ownDatabase(url: string): string {
  const own = new URL(url);
  own.pathname = `${own.pathname}_isolation`;
  return own.href;
}

async function dropDatabase(url: string): Promise<void> {
  const server = new URL(url);
  const database = server.pathname.slice(1);
  server.pathname = '/postgres';
  const admin = client(server.href);
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await admin.end();
}

describe('the runtime role cannot widen what it sees', () => {
  const ownerUrl = ownDatabase(process.env.DATABASE_MIGRATION_URL!);
  const runtimeUrl = ownDatabase(process.env.DATABASE_URL!);
  const owner = client(ownerUrl);
  const runtime = client(runtimeUrl);
  const ds = createDataSource({ url: runtimeUrl, poolSize: 2 });
  const tenancy = new Tenancy(ds);
  let tables: OrganisationTable[];
  let a: string;
  let b: string;

  async function organisation(base: string): Promise<{ tenantId: string; accountId: string }> {
    const slug = `${base}-${randomBytes(4).toString('hex')}`;
    const { rows } = await owner.query<{ id: string }>(
      `INSERT INTO tenants (slug, name, email_domains) VALUES ($1, $1, ARRAY[$2]) RETURNING id`,
      [slug, `${slug}.nhs.uk`],
    );
    const tenantId = rows[0]!.id;
    const accountId = randomUUID();
    await owner.query(
      `INSERT INTO accounts (id, tenant_id, username, display_name) VALUES ($1, $2, $3, 'Someone')`,
      [accountId, tenantId, `someone@${slug}.nhs.uk`],
    );
    for (const { table } of tables)
      if (table !== 'tenants' && table !== 'accounts') await insertRow(owner, table, tenantId, accountId);
    return { tenantId, accountId };
  }

  /** The organisations whose rows a read of each table returns; a refused read returns none. */
  async function visible(settings: [string, string][]): Promise<Map<string, Set<string>>> {
    const seen = new Map<string, Set<string>>();
    await runtime.query('BEGIN');
    try {
      for (const [name, value] of settings)
        await runtime.query(`SELECT set_config($1, $2, true)`, [name, value]);
      for (const { table, column } of tables) {
        await runtime.query('SAVEPOINT read');
        try {
          const { rows } = await runtime.query<{ id: string }>(
            `SELECT DISTINCT "${column}"::text AS id FROM "${table}"`,
          );
          seen.set(table, new Set(rows.map((r) => r.id)));
        } catch {
          seen.set(table, new Set());
        }
        await runtime.query('ROLLBACK TO SAVEPOINT read');
      }
    } finally {
      await runtime.query('ROLLBACK');
    }
    return seen;
  }

  beforeAll(async () => {
    await migrate({ migrationUrl: ownerUrl, appUrl: runtimeUrl });
    await Promise.all([owner.connect(), runtime.connect(), ds.initialize()]);
    tables = await organisationTables(owner);
    a = (await organisation('alpha')).tenantId;
    b = (await organisation('beta')).tenantId;
  });
  afterAll(async () => {
    await Promise.all([owner.end(), runtime.end(), ds.destroy()]);
    await dropDatabase(ownerUrl);
  });

  it('covers every table that holds organisation data, each with rows of both organisations', async () => {
    expect(tables.map((t) => t.table)).toEqual(expect.arrayContaining(['tenants', 'accounts', 'api_keys']));
    for (const { table, column } of tables) {
      const { rows } = await owner.query(
        `SELECT DISTINCT "${column}"::text AS id FROM "${table}" WHERE "${column}" = ANY($1)`,
        [[a, b]],
      );
      expect({ table, organisations: rows.length }).toEqual({ table, organisations: 2 });
    }
  });

  it("sees its own organisation's rows in every table, and only those, in its scope", async () => {
    const seen = await visible([['app.tenant_id', a]]);
    for (const { table } of tables)
      expect({ table, seen: [...seen.get(table)!] }).toEqual({ table, seen: [a] });
  });

  it('sees no other organisation whatever variable it sets, in a scope or without one', async () => {
    const variables = await variablesPoliciesRead(owner);
    expect(variables).toEqual(expect.arrayContaining(['app.operator', 'app.tenant_id']));
    const tenantIdValues = [...VALUES, `${a},${b}`, `{${a},${b}}`, a.toUpperCase(), ` ${a} `];
    for (const name of variables) {
      for (const value of name === 'app.tenant_id' ? tenantIdValues : VALUES) {
        for (const scope of [[['app.tenant_id', a]] as [string, string][], []]) {
          const seen = await visible([...scope, [name, value]]);
          for (const { table } of tables) {
            const others = [...seen.get(table)!].filter((id) => id !== a);
            expect({ table, name, value, others }).toEqual({ table, name, value, others: [] });
          }
        }
      }
    }
  });

  it('cannot create an organisation except through the operator function', async () => {
    await runtime.query('BEGIN');
    try {
      await runtime.query(`SELECT set_config('app.operator', 'on', true)`);
      await expect(
        runtime.query(`INSERT INTO tenants (slug, name) VALUES ('mallory', 'Mallory NHS Trust')`),
      ).rejects.toThrow(/permission denied|row-level security/);
    } finally {
      await runtime.query('ROLLBACK');
    }
  });

  it('lists every organisation to the operator, without their policies', async () => {
    const all = await tenancy.asOperator((scope) => tenants.list(scope));
    expect(all.map((t) => t.id)).toEqual(expect.arrayContaining([a, b]));
    for (const entry of all) expect(entry).not.toHaveProperty('policy');
    expect((await tenancy.asOperator((scope) => tenants.findById(scope, b)))?.id).toBe(b);
  });
});
