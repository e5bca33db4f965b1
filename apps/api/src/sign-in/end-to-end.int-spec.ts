import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type FcmFake, type TwilioFake, startFcmFake, startTwilioFake } from '@verity/testing';
import { onboard, startApi, type TestApi } from '../test/api.js';
import { PASSWORD, codeIn, messageOf, staffMember, testDevice, twilioPosts } from '../test/sign-in.js';

const worker = fileURLToPath(new URL('../../../worker/dist/main.js', import.meta.url));
const twilio = { accountSid: `AC${'c'.repeat(32)}`, authToken: 'e2e-twilio-token', from: '+447700900001' };
const PUBLIC_URL = 'https://verity-e2e.example.nhs.uk';

/**
 * The whole path as it runs in production: the API, a worker process serving the SMS, voice and push queues,
 * the real Twilio and Firebase SDKs and the provider fakes. The person's part is played from what the fakes
 * received: the code read from the text, the keypress posted as Twilio posts it, the answer signed by the app.
 */
describe('sign-in through the worker and the provider fakes', () => {
  let api: TestApi;
  let fake: TwilioFake;
  let fcm: FcmFake;
  let sender: ChildProcess;
  let org: Awaited<ReturnType<typeof onboard>>;
  const prefix = `verity-e2e-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    fake = await startTwilioFake(twilio);
    fcm = await startFcmFake({ accessToken: 'e2e-fcm-token' });
    const CHANNELS = JSON.stringify({
      sms: { provider: 'twilio-sms', config: { ...twilio, apiBaseUrl: fake.url } },
      voice: { provider: 'twilio-voice', config: { ...twilio, apiBaseUrl: fake.url } },
      push: {
        provider: 'fcm',
        config: {
          projectId: 'verity-e2e',
          accessToken: 'e2e-fcm-token',
          endpoint: { host: '127.0.0.1', port: fcm.port, caCert: fcm.caCert },
        },
      },
    });
    api = await startApi({ REDIS_PREFIX: prefix, CHANNELS, PUBLIC_URL });
    org = await onboard(api, 'e2e');
    sender = spawn(process.execPath, [worker], {
      env: {
        ...process.env,
        REDIS_PREFIX: prefix,
        CHANNELS,
        WORKER_QUEUES: 'sms,voice,push',
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      sender.once('exit', (code) => reject(new Error(`the worker exited (${code})`)));
      sender.stdout!.on('data', (chunk) => String(chunk).includes('Verity worker serving') && resolve());
    });
  });
  afterAll(async () => {
    if (sender.exitCode === null) await new Promise((r) => sender.once('exit', r) && sender.kill('SIGTERM'));
    await api.close();
    await fake.close();
    await fcm.close();
  });

  async function until<T>(find: () => T | undefined): Promise<T> {
    for (let i = 0; i < 200; i++) {
      const found = find();
      if (found !== undefined) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the provider fake never received it');
  }

  /** The password, then the person's choice of method: the challenge the provider's fake will see. */
  async function signInAndAsk(username: string, methodId: string) {
    const flowId = (
      await api.request({
        method: 'POST',
        url: '/v1/sign-in',
        key: org.key,
        body: { username, password: PASSWORD },
      })
    ).body.flowId as string;
    const asked = await api.request({
      method: 'POST',
      url: `/v1/sign-in/${flowId}/challenges`,
      key: org.key,
      body: { methodId },
    });
    expect(asked.status).toBe(201);
    return { flowId, asked };
  }

  async function untilAsync<T>(find: () => Promise<T | undefined>): Promise<T> {
    for (let i = 0; i < 200; i++) {
      const found = await find();
      if (found !== undefined) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the worker never recorded it');
  }

  it('texts a code that signs the person in', async () => {
    const phone = '+447700900555';
    const { username, methods } = await staffMember(api, org.tenantId, {
      methods: [{ type: 'mobile_text', phone }],
    });
    const { flowId, asked } = await signInAndAsk(username, methods[0]!.id);
    const text = await until(
      () => fake.requests().find((r) => r.body.To === phone)?.body.Body as string | undefined,
    );
    expect(text).toMatch(/^Use verification code \d{6} for .+ sign-in\.$/);
    const done = await api.request({
      method: 'POST',
      url: `/v1/sign-in/${flowId}/challenges/${asked.body.challengeId}/verify`,
      key: org.key,
      body: { code: codeIn(text!) },
    });
    expect(done.status).toBe(200);
    expect(done.body.state).toBe('complete');
    expect(fake.acceptedCount(phone)).toBe(1);
  });

  it('calls the phone; the # Twilio posts from the keypad signs the person in', async () => {
    const phone = '+447700900556';
    const { username, methods } = await staffMember(api, org.tenantId, {
      methods: [{ type: 'mobile_call', phone }],
    });
    const { flowId, asked } = await signInAndAsk(username, methods[0]!.id);
    const placed = await until(() => fake.requests().find((r) => r.body.To === phone)?.body);
    const instructionsUrl = placed.Url as string;
    expect(instructionsUrl).toMatch(new RegExp(`^${PUBLIC_URL}/webhooks/twilio/`));
    // the call's SID, as Twilio answered the worker and the worker recorded it
    const callSid = await untilAsync(
      async () =>
        (await messageOf(api, org.tenantId, asked.body.challengeId)).delivery.providerMessageId ?? undefined,
    );
    const twiml = await twilioPosts(api, twilio.authToken, instructionsUrl, {
      CallSid: callSid,
      AccountSid: twilio.accountSid,
    });
    expect(twiml.text).toContain('press the hash key to approve');
    const action = /<Gather[^>]*action="([^"]+)"/.exec(twiml.text)?.[1]?.replace(/&amp;/g, '&');
    expect(action).toBe(`${instructionsUrl}/keypress`);
    await twilioPosts(api, twilio.authToken, action!, {
      CallSid: callSid,
      AccountSid: twilio.accountSid,
      Digits: '',
    });
    const done = await api.request({ method: 'GET', url: `/v1/sign-in/${flowId}`, key: org.key });
    expect(done.body).toMatchObject({ state: 'complete', result: expect.any(String) });
    expect(fake.acceptedCount(phone)).toBe(1);
  });

  it('wakes the app through FCM with the request (never the number), and the signed answer signs the person in', async () => {
    const { account, username } = await staffMember(api, org.tenantId, { registrationDue: false });
    const device = await testDevice();
    const link = new URL(
      (
        await api.request({
          method: 'POST',
          url: `/v1/accounts/${account.id}/authenticator-activations`,
          key: org.key,
        })
      ).body.link,
    );
    const base = `/v1/devices/${link.searchParams.get('organisation')}/${link.searchParams.get('device')}`;
    const pushToken = `fcm-registration-${randomBytes(8).toString('hex')}`;
    const activated = await api.request({
      method: 'POST',
      url: `${base}/activate`,
      body: {
        activationCode: link.searchParams.get('code'),
        publicKey: device.publicKey,
        pushToken,
        platform: 'android',
      },
    });
    const signIn = await api.request({
      method: 'POST',
      url: '/v1/sign-in',
      key: org.key,
      body: { username, password: PASSWORD, client: { ip: '81.2.69.160', app: 'ESR' } },
    });
    const push = await api.request({
      method: 'POST',
      url: `/v1/sign-in/${signIn.body.flowId}/challenges`,
      key: org.key,
      body: { methodId: signIn.body.defaultMethodId },
    });
    expect(push.body.number).toMatch(/^\d{2}$/);

    const sent = await until(() =>
      fcm.requests().find((r) => (r.body as { message?: { token?: string } }).message?.token === pushToken),
    );
    const message = (
      sent.body as { message: { data: Record<string, string>; android: { priority: string; ttl: string } } }
    ).message;
    expect(message.data).toMatchObject({ challengeId: push.body.challengeId, app: 'ESR' });
    expect(message.data.location).toMatch(/United Kingdom$/);
    expect(JSON.stringify(message)).not.toContain(`"${push.body.number}"`);
    expect(message.android.priority).toBe('high');

    const answered = await api.request({
      method: 'POST',
      url: `${base}/challenges/${message.data.challengeId}/answer`,
      headers: {
        'device-proof': await device.proof(activated.body.deviceId, {
          act: 'answer',
          challengeId: message.data.challengeId,
          decision: 'approve',
          number: push.body.number,
        }),
      },
    });
    expect(answered.body.outcome).toBe('approved');
    const done = await api.request({ method: 'GET', url: `/v1/sign-in/${signIn.body.flowId}`, key: org.key });
    expect(done.body.state).toBe('complete');
  });
});
