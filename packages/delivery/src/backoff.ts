import { ChannelError } from '@verity/channel-sdk';

const MAX_DELAY_MS = 10 * 60_000;

/**
 * The wait before attempt `attemptsMade + 1`: the provider's Retry-After when it gave one, otherwise
 * exponential from `baseMs` with full jitter between half and the whole step.
 */
export function retryDelay(
  attemptsMade: number,
  error: unknown,
  baseMs: number,
  random = Math.random,
): number {
  if (error instanceof ChannelError && error.retryAfterMs !== undefined)
    return Math.min(error.retryAfterMs, MAX_DELAY_MS);
  const step = Math.min(baseMs * 2 ** Math.max(0, attemptsMade - 1), MAX_DELAY_MS);
  return Math.round(step / 2 + (random() * step) / 2);
}
