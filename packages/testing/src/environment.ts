import { scratchEnvironment } from './scratch.js';

/** A fresh, isolated environment for one test run: its own database, Redis prefix and keys. */
export function testRunEnvironment(
  runId: string,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  return {
    ...scratchEnvironment('test', runId, env),
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    // Swagger UI's static files need require(esm), which jest lacks; the document itself is tested
    OPENAPI: 'json',
    // the same for the queue dashboard's static files; its own test runs the API as a real process
    QUEUE_DASHBOARD: 'false',
    PASSWORD_HASH_MEMORY_KIB: '8192',
    PASSWORD_HASH_ITERATIONS: '1',
    // test files share the run's database, each with its own Redis prefix: a worker sweeping up stuck
    // deliveries would take the other files' (its own test sets this, in a database of its own)
    WORKER_STUCK_AFTER_MS: '3600000',
    VERITY_TEST_RUN: runId,
  };
}
