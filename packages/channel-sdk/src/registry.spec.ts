import { z } from 'zod';
import { defineChannel } from './channel.js';
import { ChannelError, errorFromStatus, retryAfterMs } from './errors.js';
import { ChannelConfigError, ChannelRegistry } from './registry.js';

const echo = defineChannel({
  provider: 'echo',
  kind: 'sms',
  configSchema: z.object({ from: z.string().regex(/^\+\d{8,15}$/, 'must be an E.164 number') }).strict(),
  create: (config) => ({
    kind: 'sms',
    provider: 'echo',
    send: async () => ({ providerMessageId: `echo-${config.from}` }),
  }),
});

describe(ChannelRegistry.name, () => {
  it('builds a channel from valid settings', async () => {
    const channel = new ChannelRegistry([echo]).create('echo', { from: '+447700900001' });
    expect(await channel.send({} as never)).toEqual({ providerMessageId: 'echo-+447700900001' });
  });

  it('names each bad setting', () => {
    const error = (() => {
      try {
        new ChannelRegistry([echo]).create('echo', { from: '07700', extra: 1 });
      } catch (e) {
        return e as ChannelConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ChannelConfigError);
    expect(error?.problems.join('\n')).toMatch(/from: must be an E.164 number/);
  });

  it('refuses an unknown channel and two channels of one name', () => {
    expect(() => new ChannelRegistry([echo]).create('fax', {})).toThrow(/no channel named fax/);
    expect(() => new ChannelRegistry([echo, echo])).toThrow(/two channels are named echo/);
  });
});

describe(ChannelError.name, () => {
  it('retries only what may succeed later', () => {
    expect(errorFromStatus(429, 'x', '3')).toMatchObject({
      code: 'rate_limited',
      retryable: true,
      retryAfterMs: 3000,
    });
    expect(errorFromStatus(503, 'x')).toMatchObject({ code: 'unavailable', retryable: true });
    expect(errorFromStatus(401, 'x')).toMatchObject({ code: 'invalid_config', retryable: false });
    expect(errorFromStatus(400, 'x')).toMatchObject({ code: 'rejected', retryable: false });
  });

  it('reads Retry-After in seconds or as a date', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2030, 0, 1))).toBe(
      10_000,
    );
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});
