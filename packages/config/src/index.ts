export { loadConfig, redactConfig, ConfigError, type Config } from './load.js';
export { schemas, secretNames, type Concern } from './schema.js';
