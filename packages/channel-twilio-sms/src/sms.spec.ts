import { twilioSmsChannel, twilioSmsConfigSchema } from './index.js';
import { parseSmsStatus } from './sms.js';

const sid = 'SM' + 'b'.repeat(32);
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe('parseSmsStatus', () => {
  it.each([
    ['queued', 'sent'],
    ['sending', 'sent'],
    ['sent', 'sent'],
    ['delivered', 'delivered'],
    ['undelivered', 'failed'],
    ['failed', 'failed'],
  ])('reads %s as %s, with an event id per SID and status', (twilioStatus, status) => {
    expect(parseSmsStatus(form({ MessageSid: sid, MessageStatus: twilioStatus }))).toEqual([
      { providerMessageId: sid, status, eventId: `${sid}:${twilioStatus}` },
    ]);
  });

  it('keeps the ErrorCode of a failure', () => {
    expect(
      parseSmsStatus(form({ MessageSid: sid, MessageStatus: 'failed', ErrorCode: '30006' }))[0],
    ).toMatchObject({
      errorCode: '30006',
    });
  });

  it('ignores a callback without a SID or with a status it does not know', () => {
    expect(parseSmsStatus(form({ MessageStatus: 'delivered' }))).toEqual([]);
    expect(parseSmsStatus(form({ MessageSid: sid, MessageStatus: 'receiving' }))).toEqual([]);
  });
});

describe('twilioSmsConfigSchema', () => {
  const valid = { accountSid: 'AC' + '0'.repeat(32), authToken: 'token', from: '+447700900001' };

  it('accepts an organisation’s settings, with an optional fake API and timeout', () => {
    expect(twilioSmsConfigSchema.parse(valid)).toEqual(valid);
    expect(
      twilioSmsConfigSchema.safeParse({ ...valid, apiBaseUrl: 'http://127.0.0.1:4010', timeoutMs: 5000 })
        .success,
    ).toBe(true);
    expect(twilioSmsChannel).toMatchObject({ provider: 'twilio-sms', kind: 'sms' });
  });

  it.each([
    ['an account SID of the wrong shape', { accountSid: 'ACfake' }],
    ['a sender that is not E.164', { from: '07700900001' }],
    ['an empty auth token', { authToken: '' }],
    ['an API URL that is not http(s)', { apiBaseUrl: 'ftp://example.com' }],
    ['an unknown setting', { region: 'ie1' }],
  ])('refuses %s', (_name, change) => {
    expect(twilioSmsConfigSchema.safeParse({ ...valid, ...change }).success).toBe(false);
  });
});
