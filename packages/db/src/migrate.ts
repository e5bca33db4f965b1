import pg from 'pg';
import type { DataSource } from 'typeorm';
import { type DataSourceOptions, createDataSource } from './data-source.js';
import { RUNTIME_ROLE } from './migrations/rls.js';

export interface MigrateOptions {
  /** The owner's connection. */
  migrationUrl: string;
  /** The application's connection; its role is created (or joined to the runtime role) when missing. */
  appUrl: string;
  log?: (line: string) => void;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Creates the database if it is missing, runs pending migrations, and makes the application's role safe. */
export async function migrate({ migrationUrl, appUrl, log = () => {} }: MigrateOptions): Promise<string[]> {
  await ensureDatabase(migrationUrl, log);
  const ds = createDataSource({ url: migrationUrl, poolSize: 2, applicationName: 'verity-migrate' });
  await ds.initialize();
  try {
    const ran = await ds.runMigrations({ transaction: 'each' });
    for (const m of ran) log(`migrated: ${m.name}`);
    await ensureAppRole(ds.query.bind(ds), appUrl, new URL(migrationUrl).pathname.slice(1), log);
    return ran.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}

async function ensureDatabase(migrationUrl: string, log: (line: string) => void): Promise<void> {
  const url = new URL(migrationUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!IDENTIFIER.test(name))
    throw new Error(`database name "${name}" must be a plain lower-case identifier`);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.href });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) {
      await client.query(`CREATE DATABASE "${name}"`);
      log(`created database ${name}`);
    }
  } finally {
    await client.end();
  }
}

type Query = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

async function ensureAppRole(query: Query, appUrl: string, database: string, log: (line: string) => void) {
  const url = new URL(appUrl);
  const role = decodeURIComponent(url.username);
  if (!IDENTIFIER.test(role))
    throw new Error(`DATABASE_URL must name a plain lower-case role, not "${role}"`);
  const password = decodeURIComponent(url.password);
  const [existing] = await query('SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1', [role]);
  if (!existing) {
    const withPassword = password ? ` PASSWORD '${password.replace(/'/g, "''")}'` : '';
    await query(`CREATE ROLE "${role}" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE${withPassword}`);
    log(`created role ${role}`);
  } else if (existing.rolsuper || existing.rolbypassrls) {
    throw new Error(
      `the application role "${role}" can bypass row-level security; give the API a role without SUPERUSER or BYPASSRLS`,
    );
  }
  await query(`GRANT ${RUNTIME_ROLE} TO "${role}"`);
  await query(`GRANT CONNECT ON DATABASE "${database}" TO "${role}"`);
}

/** Refuses to run the application on a connection that could read every organisation. */
export async function assertRuntimeRole(query: Query): Promise<void> {
  const [row] = await query('SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user');
  if (!row || row.rolsuper || row.rolbypassrls) {
    throw new Error(
      'DATABASE_URL connects as a role that bypasses row-level security; use the application role',
    );
  }
}

/**
 * What in the server's settings will hurt the application, in words for its log. Autovacuum keeps the
 * statistics current: without it, a long-lived connection keeps the plans it made while a table was small, and
 * a lookup by primary key can become a scan of the organisation's rows.
 */
export async function databaseWarnings(query: Query): Promise<string[]> {
  const [row] = await query(`SELECT current_setting('autovacuum') AS autovacuum`);
  return row?.autovacuum === 'on'
    ? []
    : [
        'PostgreSQL has autovacuum off: sign-in slows down as tables grow. Turn it on (the default) or ANALYZE the tables regularly.',
      ];
}

/**
 * The API's and worker's data source, open: refused on a role that bypasses row-level security, and each
 * server setting that will hurt the application passed to `warn` once.
 */
export async function openRuntimeDataSource(
  options: DataSourceOptions,
  warn: (message: string) => void,
): Promise<DataSource> {
  const ds = createDataSource(options);
  await ds.initialize();
  const query = ds.query.bind(ds);
  await assertRuntimeRole(query);
  for (const warning of await databaseWarnings(query)) warn(warning);
  return ds;
}
