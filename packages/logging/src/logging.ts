import { randomUUID } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { type DestinationStream, type Logger, pino } from 'pino';
import { build as prettyStream } from 'pino-pretty';
import { currentLogContext, logContextOf } from './context.js';

/** Paths pino replaces with "[redacted]": credentials in headers and anything secret in a body. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-twilio-signature"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.newPassword',
  '*.temporaryPassword',
  '*.code',
  '*.secret',
  '*.key',
  '*.token',
  '*.answer',
];

export interface LoggerOptions {
  /** The process, shown on each line ("api", "worker", "portal"). */
  name?: string;
  /** Where lines go; standard output when absent. */
  destination?: DestinationStream;
}

/**
 * The process's logger: JSON lines, one object each, outside development; in development (`NODE_ENV`, whose
 * default it is) one readable line per entry, e.g. `[12:35:01] INFO (api): GET /v1/sign-in 200 12ms`.
 */
export function createLogger(
  config: { LOG_LEVEL: string; NODE_ENV?: string },
  { name, destination }: LoggerOptions = {},
): Logger {
  const options = {
    name,
    level: config.LOG_LEVEL,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    // the organisation and correlation id of the request or job being served (LogContext)
    mixin: () => ({ ...currentLogContext() }),
    serializers: {
      req: (req: { id: string; method: string; url: string; headers: Record<string, unknown> }) => ({
        id: req.id,
        method: req.method,
        url: pathOf(req.url),
        headers: { 'user-agent': req.headers['user-agent'], authorization: req.headers.authorization },
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  };
  if (config.NODE_ENV !== 'development') return pino(options, destination);
  return pino(
    options,
    prettyStream({
      destination: destination ?? 1,
      sync: destination === undefined,
      colorize: destination === undefined && process.stdout.isTTY === true,
      translateTime: 'SYS:HH:MM:ss',
      // what each request line and a Nest context already say in words
      ignore: 'pid,hostname,context,requestId,correlationId,tenantId,req,res,responseTime',
      messageFormat: '{if context}{context}: {end}{msg}',
      singleLine: true,
    }),
  );
}

/** The path only: query strings can carry tokens. */
function pathOf(url: string): string {
  return String(url).split('?')[0]!;
}

/**
 * Fastify's request logging as one line per request — method, path, status and time — where Fastify writes two
 * ("incoming request", "request completed"); the JSON keeps the request's id and details.
 */
export class RequestLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return;
    const line = `${request.method} ${pathOf(request.url)} ${reply.statusCode} ${Math.round(reply.elapsedTime)}ms`;
    const details = {
      ...logContextOf(request),
      req: request,
      res: reply,
      responseTime: reply.elapsedTime,
    };
    if (error) reply.log.error({ ...details, err: error }, line);
    else reply.log.info(details, line);
  }
}

/** Uses the caller's x-request-id when it is a plain token, so a request can be followed across services. */
export function requestId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
}

/** Nest's start-up chatter (every module loaded, every route mapped): debug, not info. */
export const NEST_START_UP_CONTEXTS = new Set([
  'NestFactory',
  'NestApplication',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
]);

export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) {
    if (context !== undefined && NEST_START_UP_CONTEXTS.has(context))
      this.logger.debug({ context }, String(message));
    else this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error(
      { context, err: message instanceof Error ? message : undefined, trace },
      String(message),
    );
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}
