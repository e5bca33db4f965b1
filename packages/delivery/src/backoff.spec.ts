import { ChannelError } from '@verity/channel-sdk';
import { retryDelay } from './backoff.js';

describe(retryDelay.name, () => {
  it('waits what the provider asked for in Retry-After', () => {
    expect(retryDelay(1, new ChannelError('rate_limited', 'x', { retryAfterMs: 7000 }), 1000)).toBe(7000);
  });

  it('grows exponentially with jitter between half and the whole step', () => {
    const error = new ChannelError('unavailable', 'x');
    expect(retryDelay(1, error, 1000, () => 0)).toBe(500);
    expect(retryDelay(1, error, 1000, () => 1)).toBe(1000);
    expect(retryDelay(3, error, 1000, () => 1)).toBe(4000);
    expect(retryDelay(3, error, 1000, () => 0)).toBe(2000);
  });

  it('never waits longer than ten minutes', () => {
    expect(retryDelay(30, new ChannelError('unavailable', 'x'), 1000, () => 1)).toBe(600_000);
    expect(retryDelay(1, new ChannelError('rate_limited', 'x', { retryAfterMs: 3_600_000 }), 1000)).toBe(
      600_000,
    );
  });
});
