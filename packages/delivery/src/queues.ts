/** The name of BullMQ's custom backoff that honours a provider's Retry-After. */
export const BACKOFF = 'verity';
