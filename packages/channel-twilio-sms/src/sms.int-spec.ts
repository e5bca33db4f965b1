import twilio from 'twilio';
import { ChannelError, type Channel, type OutboundMessage, type SmsContent } from '@verity/channel-sdk';
import { describeChannelContract } from '@verity/channel-sdk/contract';
import { signedTwilioCallback, startTwilioFake, twilioSignature, type TwilioFake } from '@verity/testing';
import { twilioSmsChannel } from './index.js';

const accountSid = 'AC' + '0123456789abcdef'.repeat(2);
const authToken = 'test-auth-token-sms';
const from = '+447700900001';

const message: OutboundMessage<SmsContent> = {
  deliveryId: 'delivery-1',
  tenantId: 'tenant-1',
  idempotencyKey: 'delivery-1',
  to: '+447700900123',
  content: { kind: 'sms', body: 'Your Verity code is 482913' },
  statusCallbackUrl: 'https://verity.example.nhs.uk/webhooks/twilio/sms/status',
};

let contractFake: TwilioFake;
describeChannelContract(
  'twilio-sms',
  async () => {
    contractFake = await startTwilioFake({ accountSid, authToken });
    return {
      channel: twilioSmsChannel.create({ accountSid, authToken, from, apiBaseUrl: contractFake.url }),
      fake: contractFake,
      message,
      permanentFailure: {
        status: 400,
        body: { code: 21211, message: "The 'To' number is not a valid phone number.", status: 400 },
      },
      permanentCode: 'invalid_recipient',
    };
  },
  () => contractFake.close(),
);

describe('twilio-sms through the twilio SDK against the fake', () => {
  let fake: TwilioFake;
  let channel: Channel;

  beforeAll(async () => {
    fake = await startTwilioFake({ accountSid, authToken });
    channel = twilioSmsChannel.create({ accountSid, authToken, from, apiBaseUrl: fake.url, timeoutMs: 300 });
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  it('posts the form Twilio expects to the account’s Messages.json with Basic auth', async () => {
    const { providerMessageId } = await channel.send(message);

    expect(providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
    const [request] = fake.requests();
    expect(request).toMatchObject({
      method: 'POST',
      path: `/2010-04-01/Accounts/${accountSid}/Messages.json`,
      body: {
        To: message.to,
        From: from,
        Body: message.content.body,
        StatusCallback: message.statusCallbackUrl,
      },
    });
    expect(request?.headers.authorization).toBe(
      'Basic ' + Buffer.from(`${accountSid}:${authToken}`).toString('base64'),
    );
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(fake.acceptedCount(message.to)).toBe(1);
  });

  it('leaves StatusCallback out when the message has none', async () => {
    await channel.send({ ...message, statusCallbackUrl: undefined });
    expect(fake.requests()[0]?.body).not.toHaveProperty('StatusCallback');
  });

  it('reports a wrong auth token as invalid_config, without the token or content', async () => {
    const wrong = twilioSmsChannel.create({
      accountSid,
      authToken: 'not-the-token',
      from,
      apiBaseUrl: fake.url,
    });
    const error = (await wrong.send(message).catch((e: unknown) => e)) as ChannelError;
    expect(error).toMatchObject({
      code: 'invalid_config',
      retryable: false,
      options: { providerCode: '20003' },
    });
    expect(error.message).not.toMatch(/not-the-token|482913|\+447700900123/);
  });

  it('keeps Retry-After from a 429', async () => {
    fake.failNext(1, { status: 429, headers: { 'Retry-After': '12' } });
    await expect(channel.send(message)).rejects.toMatchObject({ code: 'rate_limited', retryAfterMs: 12_000 });
  });

  it('reports 503 as unavailable, then sends on the next attempt', async () => {
    fake.failNext(1, { status: 503 });
    await expect(channel.send(message)).rejects.toMatchObject({ code: 'unavailable', retryable: true });
    await expect(channel.send(message)).resolves.toEqual({ providerMessageId: expect.stringMatching(/^SM/) });
    expect(fake.acceptedCount(message.to)).toBe(1);
  });

  it('reports STOP and non-mobile numbers as invalid_recipient', async () => {
    for (const code of [21610, 21614]) {
      fake.failNext(1, { status: 400, body: { code, message: 'x', status: 400 } });
      await expect(channel.send(message)).rejects.toMatchObject({
        code: 'invalid_recipient',
        retryable: false,
      });
    }
  });

  it('reports a provider that never answers as a retryable timeout', async () => {
    fake.hangNext(1);
    const error = (await channel.send(message).catch((e: unknown) => e)) as ChannelError;
    expect(error).toBeInstanceOf(ChannelError);
    expect(error).toMatchObject({ code: 'timeout', retryable: true });
  });

  it('reports a provider that cannot be reached as unavailable', async () => {
    const closed = await startTwilioFake({ accountSid, authToken });
    await closed.close();
    const offline = twilioSmsChannel.create({ accountSid, authToken, from, apiBaseUrl: closed.url });
    await expect(offline.send(message)).rejects.toMatchObject({ code: 'unavailable', retryable: true });
  });
});

describe('twilio-sms status callbacks', () => {
  const channel = twilioSmsChannel.create({ accountSid, authToken, from });
  const url = 'https://verity.example.nhs.uk/webhooks/twilio/sms/status?tenant=t1';
  const params = {
    AccountSid: accountSid,
    MessageSid: 'SM' + 'a'.repeat(32),
    MessageStatus: 'undelivered',
    ErrorCode: '30003',
    To: message.to,
  };

  it('signs the way the twilio SDK does', () => {
    expect(twilioSignature(authToken, url, params)).toBe(
      twilio.getExpectedTwilioSignature(authToken, url, params),
    );
  });

  it('accepts a callback Twilio signed', () => {
    const signature = twilio.getExpectedTwilioSignature(authToken, url, params);
    const request = {
      url,
      headers: { 'X-Twilio-Signature': signature },
      rawBody: new URLSearchParams(params).toString(),
    };
    expect(channel.verifyCallback?.(request)).toBe(true);
    expect(channel.verifyCallback?.(signedTwilioCallback(authToken, url, params))).toBe(true);
  });

  it('refuses a changed field, another URL, another token or no signature', () => {
    const signed = signedTwilioCallback(authToken, url, params);
    const changed = {
      ...signed,
      rawBody: new URLSearchParams({ ...params, MessageStatus: 'delivered' }).toString(),
    };
    expect(channel.verifyCallback?.(changed)).toBe(false);
    expect(channel.verifyCallback?.({ ...signed, url: url.replace('t1', 't2') })).toBe(false);
    expect(channel.verifyCallback?.(signedTwilioCallback('another-token', url, params))).toBe(false);
    expect(channel.verifyCallback?.({ ...signed, headers: {} })).toBe(false);
    expect(channel.verifyCallback?.({ ...signed, url: 'not a url' })).toBe(false);
  });

  it('parses a verified callback', () => {
    expect(channel.parseStatusCallback?.(signedTwilioCallback(authToken, url, params))).toEqual([
      {
        providerMessageId: params.MessageSid,
        status: 'failed',
        eventId: `${params.MessageSid}:undelivered`,
        errorCode: '30003',
      },
    ]);
  });
});
