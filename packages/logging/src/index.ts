export {
  NEST_START_UP_CONTEXTS,
  NestPinoLogger,
  REDACT_PATHS,
  createLogger,
  RequestLogController,
  requestId,
  type LoggerOptions,
} from './logging.js';
export {
  addToLogContext,
  bindRequestLogContext,
  currentLogContext,
  logContextOf,
  withLogContext,
  type LogContext,
} from './context.js';
