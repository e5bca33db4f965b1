import { createHmac } from 'node:crypto';
import { startTwilioFake, twilioSignature, type TwilioFake } from './twilio.js';

const accountSid = 'AC' + '1'.repeat(32);
const authToken = 'fake-token';
const auth = 'Basic ' + Buffer.from(`${accountSid}:${authToken}`).toString('base64');

describe('startTwilioFake', () => {
  let fake: TwilioFake;
  const post = (path: string, fields: Record<string, string>, authorization = auth) =>
    fetch(fake.url + path, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });
  const messages = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
  const sms = { To: '+447700900123', From: '+447700900001', Body: 'hello' };

  beforeAll(async () => {
    fake = await startTwilioFake({ accountSid, authToken });
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  it('accepts a message with a queued resource and records the request', async () => {
    const response = await post(messages, sms);
    expect(response.status).toBe(201);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      status: 'queued',
      to: sms.To,
      from: sms.From,
      body: 'hello',
      account_sid: accountSid,
    });
    expect(body.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(fake.requests()).toEqual([expect.objectContaining({ method: 'POST', path: messages, body: sms })]);
    expect(fake.acceptedByTo()).toEqual(new Map([[sms.To, 1]]));
  });

  it('accepts a call', async () => {
    const response = await post(`/2010-04-01/Accounts/${accountSid}/Calls.json`, {
      To: sms.To,
      From: sms.From,
      Url: 'https://example.org/twiml',
    });
    expect(response.status).toBe(201);
    expect(((await response.json()) as { sid: string }).sid).toMatch(/^CA[0-9a-f]{32}$/);
  });

  it('answers 401 in Twilio’s error shape to wrong credentials', async () => {
    const response = await post(
      messages,
      sms,
      'Basic ' + Buffer.from(`${accountSid}:nope`).toString('base64'),
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      code: 20003,
      message: 'Authenticate',
      more_info: 'https://www.twilio.com/docs/errors/20003',
      status: 401,
    });
    expect(fake.acceptedCount(sms.To)).toBe(0);
  });

  it('answers 404 for another account and 400 for a missing field', async () => {
    expect((await post(`/2010-04-01/Accounts/AC${'2'.repeat(32)}/Messages.json`, sms)).status).toBe(404);
    const response = await post(messages, { To: sms.To, From: sms.From });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 21602 });
  });

  it('fails the next requests as told, then succeeds', async () => {
    fake.failNext(2, { status: 503 });
    fake.failNext(1, { status: 429, headers: { 'retry-after': '5' } });
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const response = await post(messages, sms);
      statuses.push([response.status, response.headers.get('retry-after')]);
    }
    expect(statuses).toEqual([
      [503, null],
      [503, null],
      [429, '5'],
      [201, null],
    ]);
    expect(fake.requests()).toHaveLength(4);
    expect(fake.acceptedCount(sms.To)).toBe(1);
  });

  it('leaves a request unanswered when told to hang', async () => {
    fake.hangNext(1);
    await expect(
      fetch(fake.url + messages, { method: 'POST', body: 'To=1', signal: AbortSignal.timeout(200) }),
    ).rejects.toThrow();
    expect(fake.requests()).toHaveLength(1);
  });
});

describe('twilioSignature', () => {
  // The channel tests check it against twilio.getExpectedTwilioSignature; this spells the algorithm out.
  it('is base64 HMAC-SHA1, keyed by the auth token, of the URL then each sorted field name and value', () => {
    const url = 'https://example.com/myapp?foo=1&bar=2';
    const params = { To: '+18005551212', Digits: '1234', CallSid: 'CA1234567890ABCDE' };
    const expected = createHmac('sha1', '12345')
      .update(url + 'CallSidCA1234567890ABCDE' + 'Digits1234' + 'To+18005551212')
      .digest('base64');
    expect(twilioSignature('12345', url, params)).toBe(expected);
  });
});
