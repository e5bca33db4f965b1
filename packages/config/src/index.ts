export { loadConfig, redactConfig, ConfigError, type Config } from './load.js';
export { schemas, secretNames, type Concern, type RateLimit } from './schema.js';
