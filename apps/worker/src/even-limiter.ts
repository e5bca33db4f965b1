import type { RateLimit } from '@verity/config';

/** The shortest slice a limit is cut into: BullMQ checks its limiter once per slice. */
export const SLICE_MS = 40;

/**
 * A limit of `max` per `duration` as BullMQ's limiter for the same rate in slices of at least SLICE_MS.
 * BullMQ's windows are fixed, so `max` jobs may start at the end of one window and `max` more at the start
 * of the next: twice the rate over any sliding `duration`. In slices, a sliding `duration` holds at most one
 * slice's jobs more than `max` (4 % over a 1 s window); a slice's length is rounded up, never faster.
 */
export function evenLimiter({ max, duration }: RateLimit): RateLimit {
  const perSlice = Math.min(max, Math.ceil((max * SLICE_MS) / duration));
  return { max: perSlice, duration: Math.ceil((perSlice * duration) / max) };
}
