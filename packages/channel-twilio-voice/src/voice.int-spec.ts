import twilio from 'twilio';
import type { Channel, OutboundMessage, VoiceContent } from '@verity/channel-sdk';
import { describeChannelContract } from '@verity/channel-sdk/contract';
import { signedTwilioCallback, startTwilioFake, type TwilioFake } from '@verity/testing';
import { twilioVoiceChannel } from './index.js';

const accountSid = 'AC' + 'fedcba9876543210'.repeat(2);
const authToken = 'test-auth-token-voice';
const from = '+447700900002';

const message: OutboundMessage<VoiceContent> = {
  deliveryId: 'delivery-2',
  tenantId: 'tenant-1',
  idempotencyKey: 'delivery-2',
  to: '+447700900456',
  content: {
    kind: 'voice',
    instructionsUrl: 'https://verity.example.nhs.uk/webhooks/twilio/voice/twiml?delivery=d2',
  },
  statusCallbackUrl: 'https://verity.example.nhs.uk/webhooks/twilio/voice/status',
};

let contractFake: TwilioFake;
describeChannelContract(
  'twilio-voice',
  async () => {
    contractFake = await startTwilioFake({ accountSid, authToken });
    return {
      channel: twilioVoiceChannel.create({ accountSid, authToken, from, apiBaseUrl: contractFake.url }),
      fake: contractFake,
      message,
      permanentFailure: { status: 400, body: { code: 21211, message: 'Invalid To', status: 400 } },
      permanentCode: 'invalid_recipient',
    };
  },
  () => contractFake.close(),
);

describe('twilio-voice through the twilio SDK against the fake', () => {
  let fake: TwilioFake;
  let channel: Channel;

  beforeAll(async () => {
    fake = await startTwilioFake({ accountSid, authToken });
    channel = twilioVoiceChannel.create({
      accountSid,
      authToken,
      from,
      apiBaseUrl: fake.url,
      timeoutMs: 300,
    });
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  it('posts the form Twilio expects to the account’s Calls.json with Basic auth', async () => {
    const { providerMessageId } = await channel.send(message);

    expect(providerMessageId).toMatch(/^CA[0-9a-f]{32}$/);
    const [request] = fake.requests();
    expect(request).toMatchObject({
      method: 'POST',
      path: `/2010-04-01/Accounts/${accountSid}/Calls.json`,
      body: {
        To: message.to,
        From: from,
        Url: message.content.instructionsUrl,
        Method: 'POST',
        StatusCallback: message.statusCallbackUrl,
        StatusCallbackMethod: 'POST',
        StatusCallbackEvent: 'completed',
        Timeout: '30',
      },
    });
    expect(request?.headers.authorization).toBe(
      'Basic ' + Buffer.from(`${accountSid}:${authToken}`).toString('base64'),
    );
    expect(fake.acceptedCount(message.to)).toBe(1);
  });

  it('maps 429 with Retry-After, 503 and a wrong token', async () => {
    fake.failNext(1, { status: 429, headers: { 'retry-after': '2' } });
    await expect(channel.send(message)).rejects.toMatchObject({ code: 'rate_limited', retryAfterMs: 2000 });
    fake.failNext(1, { status: 503 });
    await expect(channel.send(message)).rejects.toMatchObject({ code: 'unavailable', retryable: true });
    const wrong = twilioVoiceChannel.create({ accountSid, authToken: 'wrong', from, apiBaseUrl: fake.url });
    await expect(wrong.send(message)).rejects.toMatchObject({ code: 'invalid_config', retryable: false });
    expect(fake.acceptedCount(message.to)).toBe(0);
  });

  it('reports a provider that never answers as a retryable timeout', async () => {
    fake.hangNext(1);
    await expect(channel.send(message)).rejects.toMatchObject({ code: 'timeout', retryable: true });
  });
});

describe('twilio-voice Gather callbacks', () => {
  const channel = twilioVoiceChannel.create({ accountSid, authToken, from });
  const url = 'https://verity.example.nhs.uk/webhooks/twilio/voice/gather?delivery=d2&tenant=t1';
  const params = {
    AccountSid: accountSid,
    CallSid: 'CA' + 'd'.repeat(32),
    Digits: '0',
    From: from,
    To: message.to,
  };

  it('accepts a keypress Twilio signed and reads its digits', () => {
    const request = {
      url,
      headers: { 'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, url, params) },
      rawBody: new URLSearchParams(params).toString(),
    };
    expect(channel.verifyCallback?.(request)).toBe(true);
    expect(channel.parseKeypress?.(request)).toEqual({ providerMessageId: params.CallSid, digits: '0' });
  });

  it('refuses changed digits, another URL or no signature', () => {
    const signed = signedTwilioCallback(authToken, url, params);
    const changed = { ...signed, rawBody: new URLSearchParams({ ...params, Digits: '' }).toString() };
    expect(channel.verifyCallback?.(changed)).toBe(false);
    expect(channel.verifyCallback?.({ ...signed, url: url.replace('d2', 'd3') })).toBe(false);
    expect(channel.verifyCallback?.({ ...signed, headers: {} })).toBe(false);
  });
});
