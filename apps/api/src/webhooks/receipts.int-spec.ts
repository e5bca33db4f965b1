import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Content } from '@verity/channel-sdk';
import { Tenancy } from '@verity/db';
import { Outbox } from '@verity/delivery';
import {
  type SendGridFake,
  type TwilioFake,
  sendGridWebhookSigner,
  startSendGridFake,
  startTwilioFake,
} from '@verity/testing';
import { onboard, startApi, type TestApi } from '../test/api.js';

const worker = fileURLToPath(new URL('../../../worker/dist/main.js', import.meta.url));
const twilio = {
  accountSid: `AC${'e'.repeat(32)}`,
  authToken: 'receipts-twilio-token',
  from: '+447700900001',
};
const PUBLIC_URL = 'https://verity-receipts.example.nhs.uk';

/**
 * Delivery receipts end to end: the worker process sends through the real Twilio and SendGrid SDKs to the
 * fakes, asking for the provider's status callback; the fakes post the signed callbacks the providers would;
 * the organisation's delivery list moves from sent to delivered or failed.
 */
describe('delivery receipts from the providers', () => {
  let api: TestApi;
  let apiBase: string;
  let twilioFake: TwilioFake;
  let sendGrid: SendGridFake;
  let sender: ChildProcess;
  let org: Awaited<ReturnType<typeof onboard>>;
  let slug: string;
  const signer = sendGridWebhookSigner();
  const prefix = `verity-receipts-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    twilioFake = await startTwilioFake(twilio);
    sendGrid = await startSendGridFake({ apiKey: 'SG.receipts' });
    const CHANNELS = JSON.stringify({
      sms: { provider: 'twilio-sms', config: { ...twilio, apiBaseUrl: twilioFake.url } },
      voice: { provider: 'twilio-voice', config: { ...twilio, apiBaseUrl: twilioFake.url } },
      email: {
        provider: 'sendgrid',
        config: {
          apiKey: 'SG.receipts',
          from: { email: 'no-reply@example.nhs.uk' },
          apiBaseUrl: sendGrid.url,
          eventWebhookPublicKey: signer.publicKey,
        },
      },
    });
    api = await startApi({ REDIS_PREFIX: prefix, CHANNELS, PUBLIC_URL });
    apiBase = await api.app.getUrl();
    org = await onboard(api, 'receipts');
    slug = (await api.request({ method: 'GET', url: '/v1/organisation', key: org.key })).body.slug;
    sender = spawn(process.execPath, [worker], {
      env: {
        ...process.env,
        REDIS_PREFIX: prefix,
        CHANNELS,
        PUBLIC_URL,
        WORKER_QUEUES: 'sms,voice,email',
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      sender.once('exit', (code) => reject(new Error(`the worker exited (${code})`)));
      sender.stdout!.on('data', (chunk) => String(chunk).includes('Verity worker serving') && resolve());
    });
  }, 60_000);
  afterAll(async () => {
    if (sender && sender.exitCode === null)
      await new Promise((r) => sender.once('exit', r) && sender.kill('SIGTERM'));
    await api?.close();
    await twilioFake?.close();
    await sendGrid?.close();
  });

  /** A message through the outbox, as the API sends one; the worker takes it from there. */
  async function deliver(to: string, content: Content, id = randomUUID()): Promise<string> {
    const outbox = api.app.get(Outbox);
    const { delivery } = await api.app
      .get(Tenancy)
      .run(org.tenantId, (scope) =>
        outbox.create(scope, { id, to, content, idempotencyKey: `receipt-${id}` }),
      );
    await outbox.dispatch(delivery, 'receipts');
    return delivery.id;
  }

  /** The delivery as the organisation's service desk sees it, once it has reached `status`. */
  async function listed(id: string, status: string) {
    for (let i = 0; i < 400; i++) {
      const res = await api.request({ method: 'GET', url: '/v1/deliveries?limit=500', key: org.key });
      const row = (res.body.deliveries as { id: string; status: string }[]).find((d) => d.id === id);
      if (row?.status === status) return row as Record<string, unknown>;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`delivery ${id} never became ${status}`);
  }

  it('a text asks Twilio for its receipt, and the delivered callback marks it delivered', async () => {
    const id = await deliver('+447700900501', { kind: 'sms', body: 'Your Verity code is 401923' });
    await listed(id, 'sent');
    const text = twilioFake.accepted().find((r) => r.to === '+447700900501')!;
    expect(text.statusCallback).toBe(`${PUBLIC_URL}/webhooks/twilio/${slug}/sms/status`);

    expect(await twilioFake.sendStatus(text.sid, 'sent', { via: apiBase })).toBe(204);
    await listed(id, 'sent');
    expect(await twilioFake.sendStatus(text.sid, 'delivered', { via: apiBase })).toBe(204);
    expect(await listed(id, 'delivered')).toMatchObject({ channel: 'sms', providerMessageId: text.sid });
  }, 30_000);

  it('a text the carrier could not deliver is marked failed with Twilio’s error code', async () => {
    const id = await deliver('+447700900502', { kind: 'sms', body: 'Your Verity code is 774120' });
    await listed(id, 'sent');
    const text = twilioFake.accepted().find((r) => r.to === '+447700900502')!;
    expect(await twilioFake.sendStatus(text.sid, 'undelivered', { via: apiBase, errorCode: '30003' })).toBe(
      204,
    );
    expect(await listed(id, 'failed')).toMatchObject({ errorCode: '30003' });
  }, 30_000);

  it('a call asks for the status of its end; an unanswered call is marked failed', async () => {
    const id = randomUUID();
    await deliver(
      '+447700900503',
      { kind: 'voice', instructionsUrl: `${PUBLIC_URL}/webhooks/twilio/${slug}/voice/${id}` },
      id,
    );
    await listed(id, 'sent');
    const call = twilioFake.accepted().find((r) => r.to === '+447700900503')!;
    expect(call).toMatchObject({
      kind: 'call',
      statusCallback: `${PUBLIC_URL}/webhooks/twilio/${slug}/voice/status`,
      statusCallbackEvents: ['completed'],
    });
    expect(await twilioFake.sendStatus(call.sid, 'no-answer', { via: apiBase })).toBe(204);
    expect(await listed(id, 'failed')).toMatchObject({ channel: 'voice', errorCode: 'no-answer' });
  }, 30_000);

  it('an email carries its delivery id to SendGrid, whose signed events mark it delivered or failed', async () => {
    const events = `${apiBase}/webhooks/sendgrid/${slug}/events`;
    const delivered = await deliver('ann@example.nhs.uk', {
      kind: 'email',
      subject: 'Your code',
      text: 'Your Verity code is 630251',
    });
    const bounced = await deliver('bob@example.nhs.uk', {
      kind: 'email',
      subject: 'Your code',
      text: 'Your Verity code is 918273',
    });
    await listed(delivered, 'sent');
    await listed(bounced, 'sent');
    const mail = (to: string) => sendGrid.accepted().find((m) => m.to === to)!;
    expect(mail('ann@example.nhs.uk').customArgs).toMatchObject({ delivery_id: delivered });
    expect(mail('bob@example.nhs.uk').customArgs).toMatchObject({ delivery_id: bounced });

    expect(await sendGrid.sendEvent(mail('ann@example.nhs.uk').messageId, 'delivered', events, signer)).toBe(
      204,
    );
    expect(await sendGrid.sendEvent(mail('bob@example.nhs.uk').messageId, 'bounce', events, signer)).toBe(
      204,
    );
    await listed(delivered, 'delivered');
    expect(await listed(bounced, 'failed')).toMatchObject({ errorCode: 'bounce' });
  }, 30_000);
});
