import { evenLimiter } from './even-limiter.js';

describe('evenLimiter', () => {
  it.each([
    [
      { max: 100, duration: 1000 },
      { max: 4, duration: 40 },
    ],
    [
      { max: 50, duration: 1000 },
      { max: 2, duration: 40 },
    ],
    [
      { max: 10, duration: 1000 },
      { max: 1, duration: 100 },
    ],
    [
      { max: 7, duration: 1000 },
      { max: 1, duration: 143 },
    ],
    [
      { max: 1, duration: 1000 },
      { max: 1, duration: 1000 },
    ],
    [
      { max: 1000, duration: 1000 },
      { max: 40, duration: 40 },
    ],
    [
      { max: 100, duration: 60_000 },
      { max: 1, duration: 600 },
    ],
    [
      { max: 5, duration: 10 },
      { max: 5, duration: 10 },
    ],
  ])('cuts %j into %j', (limit, expected) => {
    expect(evenLimiter(limit)).toEqual(expected);
  });

  it('is never faster than the limit, and a sliding window holds at most one slice more', () => {
    for (const max of [1, 3, 7, 10, 33, 50, 99, 100, 250, 1000, 4321])
      for (const duration of [10, 250, 1000, 60_000]) {
        const slice = evenLimiter({ max, duration });
        expect(slice.max / slice.duration).toBeLessThanOrEqual(max / duration);
        // the slices that can start within any half-open window of `duration`
        const slicesInWindow = Math.ceil(duration / slice.duration);
        expect(slicesInWindow * slice.max).toBeLessThanOrEqual(max + slice.max);
        if (duration >= 1000) expect(slice.max).toBeLessThanOrEqual(Math.max(1, 0.04 * max + 1));
      }
  });
});
