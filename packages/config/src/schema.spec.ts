import { loadConfig } from './load.js';
import { workerSchema } from './schema.js';

const rateLimits = (value: string) => workerSchema.parse({ WORKER_RATE_LIMITS: value }).WORKER_RATE_LIMITS;

describe('WORKER_RATE_LIMITS', () => {
  it('reads queue=max/duration per queue, in ms, s or m', () => {
    expect(rateLimits(' sms=10/1s, voice=1/s,email=100/2m,push=5/250ms')).toEqual({
      sms: { max: 10, duration: 1000 },
      voice: { max: 1, duration: 1000 },
      email: { max: 100, duration: 120_000 },
      push: { max: 5, duration: 250 },
    });
  });

  it('means no limits when unset or empty', () => {
    expect(rateLimits('')).toEqual({});
    expect(workerSchema.parse({}).WORKER_RATE_LIMITS).toEqual({});
  });

  it.each(['sms', 'sms=10', 'sms=10/1h', 'sms=0/1s', 'sms=10/0s', 'SMS=1/s', 'sms=1/s,sms=2/s', 'sms=-1/s'])(
    'refuses %j with a message naming the entry and the expected form',
    (value) => {
      expect(() => loadConfig(['worker'], { WORKER_RATE_LIMITS: value })).toThrow(
        /WORKER_RATE_LIMITS: ".*" is not valid: each entry is queue=max\/duration, such as sms=10\/1s/,
      );
    },
  );
});

describe('WORKER_LOCK_MS', () => {
  it('defaults to BullMQ’s 30 seconds and refuses less than one second', () => {
    expect(workerSchema.parse({}).WORKER_LOCK_MS).toBe(30_000);
    expect(workerSchema.parse({ WORKER_LOCK_MS: '2000' }).WORKER_LOCK_MS).toBe(2000);
    expect(() => loadConfig(['worker'], { WORKER_LOCK_MS: '500' })).toThrow(/WORKER_LOCK_MS/);
  });
});
