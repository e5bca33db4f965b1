import { type Config, loadConfig } from '@verity/config';

export const API_CONCERNS = ['runtime', 'database', 'redis', 'secrets', 'api', 'channels'] as const;
export type ApiConfig = Config<(typeof API_CONCERNS)[number]>;

export const CONFIG = Symbol('CONFIG');

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  return loadConfig(API_CONCERNS, env);
}

/** Where this API is reached from outside (the issuer of results, the address Twilio calls back). */
export function publicUrlOf(config: ApiConfig): string {
  return config.PUBLIC_URL ?? `http://${config.API_HOST}:${config.API_PORT}`;
}
