import { type Config, loadConfig } from '@verity/config';

export const WORKER_CONCERNS = ['runtime', 'database', 'redis', 'secrets', 'worker', 'channels'] as const;
export type WorkerConfig = Config<(typeof WORKER_CONCERNS)[number]>;
export const CONFIG = Symbol('CONFIG');

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return loadConfig(WORKER_CONCERNS, env);
}
