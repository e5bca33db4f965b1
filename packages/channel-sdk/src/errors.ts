/**
 * What went wrong, in terms that decide a retry. Rate-limited, unavailable and timeout are worth trying
 * again; the rest will fail the same way every time.
 */
export type ChannelErrorCode =
  | 'rate_limited'
  | 'unavailable'
  | 'timeout'
  | 'invalid_recipient'
  | 'unregistered_device'
  | 'invalid_config'
  | 'rejected';

const RETRYABLE: ReadonlySet<ChannelErrorCode> = new Set(['rate_limited', 'unavailable', 'timeout']);

export class ChannelError extends Error {
  readonly retryable: boolean;

  constructor(
    readonly code: ChannelErrorCode,
    message: string,
    readonly options: { retryAfterMs?: number; providerCode?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ChannelError';
    this.retryable = RETRYABLE.has(code);
  }

  /** The error itself when it is a ChannelError; otherwise one with this code, keeping the cause. */
  static from(cause: unknown, code: ChannelErrorCode, message: string): ChannelError {
    return cause instanceof ChannelError ? cause : new ChannelError(code, message, { cause });
  }

  get retryAfterMs(): number | undefined {
    return this.options.retryAfterMs;
  }
}

/** Reads Retry-After (seconds or an HTTP date) into milliseconds. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The usual reading of an HTTP status from a provider, for channels whose SDK gives only a status. */
export function errorFromStatus(
  status: number,
  message: string,
  retryAfter?: string | null,
  providerCode?: string,
): ChannelError {
  if (status === 429)
    return new ChannelError('rate_limited', message, {
      retryAfterMs: retryAfterMs(retryAfter),
      providerCode,
    });
  if (status === 408) return new ChannelError('timeout', message, { providerCode });
  if (status >= 500)
    return new ChannelError('unavailable', message, { retryAfterMs: retryAfterMs(retryAfter), providerCode });
  if (status === 401 || status === 403) return new ChannelError('invalid_config', message, { providerCode });
  return new ChannelError('rejected', message, { providerCode });
}
