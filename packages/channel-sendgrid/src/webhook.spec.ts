import type { CallbackRequest, Channel } from '@verity/channel-sdk';
import { sendGridWebhookSigner } from '@verity/testing';
import { sendGridChannel } from './index.js';

const URL = 'https://verity.example.nhs.uk/webhooks/sendgrid/tnt_1';

const events = [
  {
    email: 'alice@example.nhs.uk',
    timestamp: 1_700_000_000,
    event: 'processed',
    sg_event_id: 'ev-1',
    sg_message_id: 'msgA.filterdrecv-1.2',
    delivery_id: 'dlv_1',
  },
  {
    email: 'alice@example.nhs.uk',
    timestamp: 1_700_000_001,
    event: 'deferred',
    sg_event_id: 'ev-2',
    sg_message_id: 'msgA.filterdrecv-1.2',
  },
  {
    email: 'alice@example.nhs.uk',
    timestamp: 1_700_000_002,
    event: 'delivered',
    sg_event_id: 'ev-3',
    sg_message_id: 'msgA.filterdrecv-1.2',
  },
  {
    email: 'bob@example.nhs.uk',
    timestamp: 1_700_000_003,
    event: 'bounce',
    sg_event_id: 'ev-4',
    sg_message_id: 'msgB.filterdrecv-3.4',
  },
  {
    email: 'carol@example.nhs.uk',
    timestamp: 1_700_000_004,
    event: 'dropped',
    sg_event_id: 'ev-5',
    sg_message_id: 'msgC',
  },
];
const rawBody = JSON.stringify(events);

function channelWith(publicKey: string): Channel {
  return sendGridChannel.create(
    sendGridChannel.configSchema.parse({
      apiKey: 'SG.fake-test-key',
      from: { email: 'mfa@leedsth.nhs.uk' },
      eventWebhookPublicKey: publicKey,
    }),
  );
}

describe('sendgrid event webhook', () => {
  const signer = sendGridWebhookSigner();
  const channel = channelWith(signer.publicKey);
  const signed = (body = rawBody, timestamp?: number): CallbackRequest => ({
    url: URL,
    headers: { 'content-type': 'application/json', ...signer.sign(body, timestamp) },
    rawBody: body,
  });

  it('accepts a payload signed with the organisation key', () => {
    expect(channel.verifyCallback?.(signed())).toBe(true);
  });

  it('refuses a payload with one byte changed', () => {
    const request = signed();
    expect(
      channel.verifyCallback?.({ ...request, rawBody: request.rawBody.replace('bounce', 'bouncE') }),
    ).toBe(false);
  });

  it('refuses a payload signed with another key', () => {
    const other = sendGridWebhookSigner();
    expect(channel.verifyCallback?.({ url: URL, headers: other.sign(rawBody), rawBody })).toBe(false);
    expect(channelWith(other.publicKey).verifyCallback?.(signed())).toBe(false);
  });

  it('refuses a timestamp 6 minutes old or in the future, accepts one 4 minutes old', () => {
    const now = Math.floor(Date.now() / 1000);
    expect(channel.verifyCallback?.(signed(rawBody, now - 6 * 60))).toBe(false);
    expect(channel.verifyCallback?.(signed(rawBody, now + 6 * 60))).toBe(false);
    expect(channel.verifyCallback?.(signed(rawBody, now - 4 * 60))).toBe(true);
  });

  it('refuses a request missing either header, or with a signature that is not one', () => {
    const request = signed();
    const { 'x-twilio-email-event-webhook-signature': signature, ...noSignature } = request.headers;
    const { 'x-twilio-email-event-webhook-timestamp': _timestamp, ...noTimestamp } = request.headers;
    expect(signature).toBeDefined();
    expect(channel.verifyCallback?.({ ...request, headers: noSignature })).toBe(false);
    expect(channel.verifyCallback?.({ ...request, headers: noTimestamp })).toBe(false);
    expect(
      channel.verifyCallback?.({
        ...request,
        headers: { ...request.headers, 'x-twilio-email-event-webhook-signature': 'bm90IGEgc2lnbmF0dXJl' },
      }),
    ).toBe(false);
  });

  it('refuses every single-bit change of a genuine signature, in its DER encoding', () => {
    const request = signed();
    const genuine = Buffer.from(request.headers['x-twilio-email-event-webhook-signature']!, 'base64');
    const accepted: string[] = [];
    for (let bit = 0; bit < genuine.length * 8; bit++) {
      const flipped = Buffer.from(genuine);
      flipped[bit >> 3]! ^= 0x80 >> (bit & 7);
      const headers = {
        ...request.headers,
        'x-twilio-email-event-webhook-signature': flipped.toString('base64'),
      };
      if (channel.verifyCallback?.({ ...request, headers })) accepted.push(`byte ${bit >> 3} bit ${bit & 7}`);
    }
    expect(accepted).toEqual([]);
    expect(channel.verifyCallback?.(request)).toBe(true);
  });

  it('refuses a genuine signature in a longer, non-canonical DER encoding', () => {
    const request = signed();
    const genuine = Buffer.from(request.headers['x-twilio-email-event-webhook-signature']!, 'base64');
    // the same SEQUENCE with its length in long form (0x81 len): valid BER, not DER
    const longForm = Buffer.concat([Buffer.from([0x30, 0x81, genuine[1]!]), genuine.subarray(2)]);
    // trailing bytes after the SEQUENCE
    const trailing = Buffer.concat([genuine, Buffer.from([0x00])]);
    for (const variant of [longForm, trailing]) {
      const headers = {
        ...request.headers,
        'x-twilio-email-event-webhook-signature': variant.toString('base64'),
      };
      expect(channel.verifyCallback?.({ ...request, headers })).toBe(false);
    }
  });

  it('refuses a verification key that is not an EC P-256 key when the settings are saved', () => {
    const settings = (eventWebhookPublicKey: string) =>
      sendGridChannel.configSchema.safeParse({
        apiKey: 'SG.fake-test-key',
        from: { email: 'mfa@leedsth.nhs.uk' },
        eventWebhookPublicKey,
      });
    expect(settings(signer.publicKey).success).toBe(true);
    expect(settings('bm90IGEga2V5').error?.issues[0]).toMatchObject({
      path: ['eventWebhookPublicKey'],
      message: expect.stringMatching(/P-256/),
    });
  });

  it('refuses everything when no verification key is configured', () => {
    const unkeyed = sendGridChannel.create(
      sendGridChannel.configSchema.parse({
        apiKey: 'SG.fake-test-key',
        from: { email: 'mfa@leedsth.nhs.uk' },
      }),
    );
    expect(unkeyed.verifyCallback?.(signed())).toBe(false);
  });

  it('parses one update per event, keyed by the delivery id it carries, X-Message-Id and event id', () => {
    expect(channel.parseStatusCallback?.(signed())).toEqual([
      { providerMessageId: 'msgA', deliveryId: 'dlv_1', status: 'sent', eventId: 'ev-1' },
      { providerMessageId: 'msgA', status: 'sent', eventId: 'ev-2' },
      { providerMessageId: 'msgA', status: 'delivered', eventId: 'ev-3' },
      { providerMessageId: 'msgB', status: 'failed', eventId: 'ev-4', errorCode: 'bounce' },
      { providerMessageId: 'msgC', status: 'failed', eventId: 'ev-5', errorCode: 'dropped' },
    ]);
  });

  it('skips engagement events it does not track', () => {
    const body = JSON.stringify([{ event: 'open', sg_event_id: 'ev-9', sg_message_id: 'msgA.x' }]);
    expect(channel.parseStatusCallback?.(signed(body))).toEqual([]);
  });
});
