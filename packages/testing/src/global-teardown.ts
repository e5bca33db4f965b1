import { Redis } from 'ioredis';
import pg from 'pg';

/** Drops this run's database and Redis keys, so runs leave nothing behind. */
export default async function globalTeardown(): Promise<void> {
  const migrationUrl = process.env.DATABASE_MIGRATION_URL;
  const prefix = process.env.REDIS_PREFIX;
  if (process.env.KEEP_TEST_DATABASE !== '1' && migrationUrl?.includes('/verity_test_')) {
    const url = new URL(migrationUrl);
    const database = url.pathname.slice(1);
    url.pathname = '/postgres';
    const client = new pg.Client({ connectionString: url.href });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await client.end();
  }
  if (prefix?.startsWith('verity-test-')) {
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
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
