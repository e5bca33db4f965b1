import twilio from 'twilio';
import { ChannelError } from '@verity/channel-sdk';
import { toChannelError, twilioError } from './twilio.js';

describe('twilioError', () => {
  it.each([
    [400, 21211, undefined, 'invalid_recipient', false],
    [400, 21614, undefined, 'invalid_recipient', false],
    [400, 21610, undefined, 'invalid_recipient', false],
    [400, 21408, undefined, 'invalid_recipient', false],
    [400, 21212, undefined, 'invalid_config', false],
    [401, 20003, undefined, 'invalid_config', false],
    [403, 20003, undefined, 'invalid_config', false],
    [400, 21602, undefined, 'rejected', false],
    [429, 20429, '3', 'rate_limited', true],
    [500, 20500, undefined, 'unavailable', true],
    [503, undefined, undefined, 'unavailable', true],
  ])('reads HTTP %i with Twilio code %s as %s', (status, code, retryAfter, expected, retryable) => {
    expect(twilioError(status, code, retryAfter)).toMatchObject({ code: expected, retryable });
  });

  it('keeps Retry-After in milliseconds and Twilio’s code apart from the message', () => {
    const error = twilioError(429, 20429, '7');
    expect(error.retryAfterMs).toBe(7000);
    expect(error.options.providerCode).toBe('20429');
    expect(error.message).toBe('Twilio answered HTTP 429 (error 20429)');
  });
});

describe('toChannelError', () => {
  it('reads the SDK’s RestException without its message, which can echo the number', () => {
    const exception = new twilio.RestException({
      statusCode: 400,
      body: {
        code: 21211,
        message: "The 'To' number +447700900123 is not a valid phone number.",
        status: 400,
      },
    });
    const error = toChannelError(exception);
    expect(error).toMatchObject({ code: 'invalid_recipient', retryable: false });
    expect(error.message).not.toContain('+447700900123');
    expect(error.cause).toBeUndefined();
  });

  it.each([
    ['ECONNABORTED', 'timeout'],
    ['ETIMEDOUT', 'timeout'],
    ['ECONNRESET', 'unavailable'],
    ['ECONNREFUSED', 'unavailable'],
    ['ENOTFOUND', 'unavailable'],
  ])('reads the network error %s as %s, retryable', (code, expected) => {
    const axiosError = Object.assign(new Error('timeout of 10ms exceeded'), { code, isAxiosError: true });
    expect(toChannelError(axiosError)).toMatchObject({ code: expected, retryable: true });
  });

  it('passes a ChannelError through', () => {
    const error = new ChannelError('rate_limited', 'x');
    expect(toChannelError(error)).toBe(error);
  });
});
