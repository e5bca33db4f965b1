import { dropScratch } from './scratch.js';

/** Drops this run's database and Redis keys, so runs leave nothing behind. */
export default async function globalTeardown(): Promise<void> {
  await dropScratch(process.env, { keepDatabase: process.env.KEEP_TEST_DATABASE === '1' });
}
