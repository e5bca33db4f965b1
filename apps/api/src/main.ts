import { ConfigError } from '@verity/config';
import { createApp } from './app.factory.js';
import { loadApiConfig } from './config.js';
import { preloadPasswordChecks } from './sspr/new-password.js';

try {
  const config = loadApiConfig();
  const app = await createApp(config);
  // about a second of building the breached-password filter and zxcvbn's dictionaries, before any request
  // waits on it
  preloadPasswordChecks();
  await app.listen(config.API_PORT, config.API_HOST);
  const url = await app.getUrl();
  console.log(`Verity API listening on ${url} (OpenAPI: ${url}/docs, health: ${url}/health/ready)`);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
