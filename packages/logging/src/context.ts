import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** What every log line written while serving one request or running one job says about it. */
export interface LogContext {
  /** The request's id (its `x-request-id`) or the job envelope's `correlationId`. */
  correlationId?: string;
  /** The organisation, once it is known (an organisation's key checked, a job's envelope read). */
  tenantId?: string;
}

const storage = new AsyncLocalStorage<LogContext>();
const requestContexts = new WeakMap<FastifyRequest, LogContext>();

/** Runs `work` in this context: every log line written inside it, across awaits, carries its fields. */
export function withLogContext<T>(context: LogContext, work: () => T): T {
  return storage.run(context, work);
}

/** Adds to the current request's or job's context (e.g. its organisation); nothing outside one. */
export function addToLogContext(fields: LogContext): void {
  const context = storage.getStore();
  if (context) Object.assign(context, fields);
}

export function currentLogContext(): LogContext | undefined {
  return storage.getStore();
}

/** The context of a request served by `bindRequestLogContext`. */
export function logContextOf(request: FastifyRequest): LogContext | undefined {
  return requestContexts.get(request);
}

/**
 * Gives each request of this Fastify instance its own context, with its id as correlation id, from its first hook
 * to its handler (Fastify reads the body in the request's async context).
 */
export function bindRequestLogContext(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    const context: LogContext = { correlationId: request.id };
    requestContexts.set(request, context);
    storage.run(context, done);
  });
}
