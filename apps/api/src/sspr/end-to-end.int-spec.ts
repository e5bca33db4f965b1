import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type TwilioFake, startTwilioFake } from '@verity/testing';
import { solveChallenge } from 'altcha-lib/v1';
import { generateSecret, generateSync } from 'otplib';
import { onboard, startApi, type TestApi } from '../test/api.js';
import { PASSWORD, codeIn, staffMember } from '../test/sign-in.js';

const worker = fileURLToPath(new URL('../../../worker/dist/main.js', import.meta.url));
const twilio = {
  accountSid: `AC${'e'.repeat(32)}`,
  authToken: 'sspr-e2e-twilio-token',
  from: '+447700900001',
};
const NEW_PASSWORD = 'granite lighthouse marmalade orbit';

/**
 * "Forgot my password" as it runs in production: the API, a worker process serving the SMS queue, the real
 * Twilio SDK and the provider's fake. The person's part is played from what the fake received.
 */
describe('password reset through the worker and the Twilio fake', () => {
  let api: TestApi;
  let fake: TwilioFake;
  let sender: ChildProcess;
  let org: Awaited<ReturnType<typeof onboard>>;
  const prefix = `verity-sspr-e2e-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    fake = await startTwilioFake(twilio);
    const CHANNELS = JSON.stringify({
      sms: { provider: 'twilio-sms', config: { ...twilio, apiBaseUrl: fake.url } },
    });
    api = await startApi({ REDIS_PREFIX: prefix, CHANNELS, CAPTCHA_MAX_NUMBER: '2000' });
    org = await onboard(api, 'sspr-e2e');
    sender = spawn(process.execPath, [worker], {
      env: { ...process.env, REDIS_PREFIX: prefix, CHANNELS, WORKER_QUEUES: 'sms', LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      sender.once('exit', (code) => reject(new Error(`the worker exited (${code})`)));
      sender.stdout!.on('data', (chunk) => String(chunk).includes('Verity worker serving') && resolve());
    });
  }, 60_000); // an API and a worker process started on a shared machine
  afterAll(async () => {
    if (sender.exitCode === null) await new Promise((r) => sender.once('exit', r) && sender.kill('SIGTERM'));
    await api.close();
    await fake.close();
  });

  const call = (method: 'GET' | 'POST', url: string, body?: unknown) =>
    api.request({ method, url, key: org.key, ...(body !== undefined ? { body } : {}) });

  async function until<T>(find: () => T | undefined): Promise<T> {
    for (let i = 0; i < 200; i++) {
      const found = find();
      if (found !== undefined) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the provider fake never received it');
  }
  const textsTo = (phone: string) =>
    fake
      .requests()
      .filter((r) => r.body.To === phone)
      .map((r) => r.body.Body as string);

  /** "Forgot my password", then the CAPTCHA solved as the browser's widget would. */
  async function pastCaptcha(username: string) {
    const started = await call('POST', '/v1/password-reset', { username, client: { ip: '81.2.69.160' } });
    expect(started.status).toBe(201);
    const c = started.body.captcha;
    const { number } = (await solveChallenge(c.challenge, c.salt, c.algorithm, 2000).promise)!;
    const solved = await call('POST', `/v1/password-reset/${started.body.flowId}/captcha`, {
      solution: Buffer.from(JSON.stringify({ ...c, number })).toString('base64'),
    });
    expect(solved.status).toBe(200);
    return { flowId: started.body.flowId as string, gate: solved.body };
  }

  it('resets by a text read from the fake and the app’s code, then signs in with the new password; nothing is sent for an unknown username', async () => {
    const phone = `+447400${String(randomInt(1_000_000)).padStart(6, '0')}`;
    const secret = generateSecret();
    const who = await staffMember(api, org.tenantId, {
      methods: [
        { type: 'mobile_text', phone },
        { type: 'authenticator_code', secret },
      ],
    });
    const textMethod = who.methods[0]!;

    // gate 1: "Text my mobile phone", the number typed in full; the code read from what Twilio received
    const { flowId, gate } = await pastCaptcha(who.username);
    expect(gate).toMatchObject({ state: 'verify', gate: { number: 1, of: 2 } });
    const asked = await call('POST', `/v1/password-reset/${flowId}/challenges`, {
      kind: 'mobile_text',
      phone: `0${phone.slice(3)}`,
    });
    expect(asked.status).toBe(201);
    const text = await until(() => textsTo(phone)[0]);
    expect(text).toMatch(/^Use verification code \d{6} to reset your .+ password\./);

    // meanwhile, a reset for a username nobody has, typing the same number: nothing reaches the fake
    const unknown = `nobody.${randomBytes(4).toString('hex')}@${who.username.split('@')[1]}`;
    const decoy = await pastCaptcha(unknown);
    const decoyAsked = await call('POST', `/v1/password-reset/${decoy.flowId}/challenges`, {
      kind: 'mobile_text',
      phone,
    });
    expect(decoyAsked.status).toBe(201);
    expect(decoyAsked.body).toMatchObject({ sentTo: asked.body.sentTo, codeLength: 6 });
    const received = fake.requests().length;
    await new Promise((r) => setTimeout(r, 2000));
    expect(fake.requests()).toHaveLength(received);
    expect(textsTo(phone)).toHaveLength(1);

    const first = await call(
      'POST',
      `/v1/password-reset/${flowId}/challenges/${asked.body.challengeId}/verify`,
      {
        code: codeIn(text),
      },
    );
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ state: 'verify', gate: { number: 2, of: 2 } });

    // gate 2: a code from the authenticator app
    const app = await call('POST', `/v1/password-reset/${flowId}/challenges`, { kind: 'authenticator_code' });
    expect(app.status).toBe(201);
    const second = await call(
      'POST',
      `/v1/password-reset/${flowId}/challenges/${app.body.challengeId}/verify`,
      {
        code: generateSync({ secret }),
      },
    );
    expect(second.body).toMatchObject({ state: 'new_password' });

    const done = await call('POST', `/v1/password-reset/${flowId}/password`, { password: NEW_PASSWORD });
    expect(done.status).toBe(200);
    expect(done.body.state).toBe('complete');

    // the old password no longer signs in; the new one does, with a text through the fake as the second check
    expect((await call('POST', '/v1/sign-in', { username: who.username, password: PASSWORD })).status).toBe(
      401,
    );
    const signIn = await call('POST', '/v1/sign-in', { username: who.username, password: NEW_PASSWORD });
    expect(signIn.status).toBe(200);
    expect(signIn.body.state).toBe('mfa_required');
    const signInText = await call('POST', `/v1/sign-in/${signIn.body.flowId}/challenges`, {
      methodId: textMethod.id,
    });
    expect(signInText.status).toBe(201);
    const signInCode = await until(() => textsTo(phone).find((body) => body.includes('sign-in')));
    const signedIn = await call(
      'POST',
      `/v1/sign-in/${signIn.body.flowId}/challenges/${signInText.body.challengeId}/verify`,
      { code: codeIn(signInCode) },
    );
    expect(signedIn.status).toBe(200);
    expect(signedIn.body).toMatchObject({ state: 'complete', result: expect.any(String) });

    // one code for the reset, and the notice: the phone proved gate 1, but the person has no other channel
    expect(textsTo(phone).filter((body) => /reset your/.test(body))).toHaveLength(1);
    expect(textsTo(phone).filter((body) => /password was reset from/.test(body))).toHaveLength(1);
    expect(textsTo(phone)).toHaveLength(3);
    expect(fake.acceptedCount(phone)).toBe(3);
  }, 30_000); // it waits 2 s on purpose, and goes through a worker process: more than jest's 5 s default under load
});
