import { generateKeyPairSync } from 'node:crypto';
import { loadConfig, redactConfig } from './load.js';
import { apiSchema, workerSchema } from './schema.js';

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

describe('SIGNING_KEY_PREVIOUS', () => {
  const ec = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pkcs8 = () => ec().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const spki = () => ec().publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const previous = (value: string) => apiSchema.shape.SIGNING_KEY_PREVIOUS.parse(value);

  it('reads PEM keys one after another, private or public, with or without blank lines between them', () => {
    const [one, two, three] = [pkcs8(), spki(), pkcs8()];
    expect(previous(`${one}\n${two}${three}`)).toEqual([one, two, three].map((k) => k.trim()));
    expect(apiSchema.shape.SIGNING_KEY_PREVIOUS.parse(undefined)).toBeUndefined();
  });

  it.each([
    ['text between the keys', () => `${pkcs8()},${pkcs8()}`],
    ['no key at all', () => 'not a key'],
    [
      'a damaged key',
      () =>
        pkcs8()
          .split('\n')
          .filter((_, i) => i !== 2)
          .join('\n'),
    ],
    [
      'an RSA key',
      () =>
        generateKeyPairSync('rsa', { modulusLength: 1024 })
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString(),
    ],
    [
      'a key on another curve',
      () =>
        generateKeyPairSync('ec', { namedCurve: 'P-384' })
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString(),
    ],
  ])('refuses %s', (_name, value) => {
    expect(() =>
      loadConfig(['api'], { OPERATOR_API_KEY: 'x'.repeat(32), SIGNING_KEY_PREVIOUS: value() }),
    ).toThrow(/SIGNING_KEY_PREVIOUS: /);
  });

  it('is a secret', () => {
    expect(redactConfig({ SIGNING_KEY_PREVIOUS: [pkcs8()] })).toEqual({ SIGNING_KEY_PREVIOUS: '[secret]' });
  });
});

describe('TRUST_PROXY', () => {
  const trust = (value?: string) =>
    apiSchema.shape.TRUST_PROXY.parse(value) as ReturnType<typeof apiSchema.shape.TRUST_PROXY.parse>;

  it('believes nobody by default, and reads true and false as before', () => {
    expect(trust(undefined)).toBe(false);
    expect(trust('false')).toBe(false);
    expect(trust('true')).toBe(true);
  });

  it('reads a list of proxy addresses and CIDR ranges', () => {
    expect(trust('10.0.0.0/8, 192.0.2.7,2001:db8::/32,loopback')).toEqual([
      '10.0.0.0/8',
      '192.0.2.7',
      '2001:db8::/32',
      'loopback',
    ]);
  });

  it.each(['10.0.0.0/33', 'proxy.example', '10.0.0.1/8/1', '::1/129', '10.0.0.0/x'])(
    'refuses %j naming it',
    (value) => {
      expect(() => loadConfig(['api'], { OPERATOR_API_KEY: 'x'.repeat(32), TRUST_PROXY: value })).toThrow(
        new RegExp(`TRUST_PROXY.*not ${value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`),
      );
    },
  );
});
