export { REDACT_PATHS, createLogger, requestId, NestPinoLogger } from './logging.js';
