import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';

/** Where the test run finds its servers: the same variables as the app, defaulting to local ones. */
export function serverUrls(env: NodeJS.ProcessEnv = process.env) {
  return {
    postgresOwner: env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    redis: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  };
}

export type ScratchKind = 'test' | 'bench';

/** A throw-away database (owner and application role URLs), Redis prefix and keys for one test run or benchmark. */
export function scratchEnvironment(
  kind: ScratchKind,
  runId: string,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const { postgresOwner, redis } = serverUrls(env);
  const owner = new URL(postgresOwner);
  owner.pathname = `/verity_${kind}_${runId}`;
  const app = new URL(owner.href);
  app.username = 'verity_test_app';
  app.password = 'verity_test_app';
  return {
    DATABASE_MIGRATION_URL: owner.href,
    DATABASE_URL: app.href,
    REDIS_URL: redis,
    REDIS_PREFIX: `verity-${kind}-${runId}`,
    MASTER_KEYS: `${kind}1:${randomBytes(32).toString('base64')}`,
    OPERATOR_API_KEY: randomBytes(32).toString('base64url'),
  };
}

/** Drops what `scratchEnvironment` named, and nothing else: other databases and prefixes are refused. */
export async function dropScratch(
  env: { DATABASE_MIGRATION_URL?: string; REDIS_URL?: string; REDIS_PREFIX?: string },
  options: { keepDatabase?: boolean } = {},
): Promise<void> {
  const migrationUrl = env.DATABASE_MIGRATION_URL;
  if (!options.keepDatabase && migrationUrl && /\/verity_(test|bench)_[a-z0-9]+$/.test(migrationUrl)) {
    const url = new URL(migrationUrl);
    const database = url.pathname.slice(1);
    url.pathname = '/postgres';
    const client = new pg.Client({ connectionString: url.href });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await client.end();
  }
  const prefix = env.REDIS_PREFIX;
  if (prefix && /^verity-(test|bench)-/.test(prefix)) {
    const redis = new Redis(env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
    });
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
  }
}
