/** Socket errors of a dependency that is down, unreachable or went away mid-request. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** PostgreSQL's SQLSTATEs of a server that is going, gone or not yet there. */
const POSTGRES_DOWN = new Set(['57P01', '57P02', '57P03', '53300']);

/** What node-postgres (and its pool) and ioredis say when a connection cannot be had or was lost. */
const MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error and is not queryable/i,
  /Client was closed and is not queryable/i,
  /Stream isn't writeable and enableOfflineQueue options is false/i,
  /Connection is closed\./i,
];

/**
 * Whether an error means PostgreSQL or Redis cannot be reached (refused, reset, timed out, shutting down, a pool
 * that could not connect in time), as opposed to a fault of the request or of the code. Looks through the
 * wrappers (TypeORM's `driverError`, `cause`, `AggregateError`'s errors).
 */
export function isDependencyDown(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const e = error as {
    code?: unknown;
    name?: unknown;
    message?: unknown;
    driverError?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  const code = typeof e.code === 'string' ? e.code : '';
  if (NETWORK_CODES.has(code) || POSTGRES_DOWN.has(code) || code.startsWith('08')) return true;
  if (e.name === 'MaxRetriesPerRequestError') return true;
  if (typeof e.message === 'string' && MESSAGES.some((m) => m.test(e.message as string))) return true;
  const inner = [e.driverError, e.cause, ...(Array.isArray(e.errors) ? e.errors : [])];
  return inner.some((i) => i !== error && isDependencyDown(i, depth + 1));
}
