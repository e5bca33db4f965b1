import { randomBytes } from 'node:crypto';

/** Where the test run finds its servers: the same variables as the app, defaulting to local ones. */
export function serverUrls(env: NodeJS.ProcessEnv = process.env) {
  return {
    postgresOwner: env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    redis: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  };
}

/** A fresh, isolated environment for one test run: its own database, Redis prefix and keys. */
export function testRunEnvironment(
  runId: string,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const { postgresOwner, redis } = serverUrls(env);
  const database = `verity_test_${runId}`;
  const owner = new URL(postgresOwner);
  owner.pathname = `/${database}`;
  const app = new URL(owner.href);
  app.username = 'verity_test_app';
  app.password = 'verity_test_app';
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    // Swagger UI's static files need require(esm), which jest lacks; the document itself is tested
    OPENAPI: 'json',
    // the same for the queue dashboard's static files; its own test runs the API as a real process
    QUEUE_DASHBOARD: 'false',
    DATABASE_MIGRATION_URL: owner.href,
    DATABASE_URL: app.href,
    REDIS_URL: redis,
    REDIS_PREFIX: `verity-test-${runId}`,
    MASTER_KEYS: `test1:${randomBytes(32).toString('base64')}`,
    OPERATOR_API_KEY: randomBytes(32).toString('base64url'),
    PASSWORD_HASH_MEMORY_KIB: '8192',
    PASSWORD_HASH_ITERATIONS: '1',
    VERITY_TEST_RUN: runId,
  };
}
