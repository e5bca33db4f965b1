import { randomBytes } from 'node:crypto';
import { migrate } from '@verity/db';
import { testRunEnvironment } from './environment.js';

/** Creates and migrates this run's own database; every test worker inherits the environment. */
export default async function globalSetup(): Promise<void> {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const env = testRunEnvironment(runId);
  Object.assign(process.env, env);
  try {
    await migrate({ migrationUrl: env.DATABASE_MIGRATION_URL!, appUrl: env.DATABASE_URL! });
  } catch (error) {
    throw new Error(
      `Integration tests need PostgreSQL (tried ${env.DATABASE_MIGRATION_URL}). Start it, or run "npm test", which starts it.\n${String(error)}`,
      { cause: error },
    );
  }
}
