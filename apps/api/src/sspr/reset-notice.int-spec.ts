import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { solveChallenge } from 'altcha-lib/v1';
import { generateSecret, generateSync } from 'otplib';
import { onboard, startApi, type TestApi } from '../test/api.js';
import { codeIn, staffMember } from '../test/sign-in.js';

const worker = fileURLToPath(new URL('../../../worker/dist/main.js', import.meta.url));
const NEW_PASSWORD = 'granite lighthouse marmalade orbit';

interface InboxMessage {
  channel: 'sms' | 'email';
  status: string;
  to: string;
  content: { kind: string; body?: string; subject?: string; text?: string };
}

/**
 * "Your password was reset", as a new member of staff would look for it: the API, a worker process serving the
 * text and email queues through the sandbox channel, and the developer inbox (`GET /v1/sandbox/messages`).
 * Every code is read from the inbox too.
 */
describe('the notice of a password reset, through the worker to the inbox', () => {
  let api: TestApi;
  let sender: ChildProcess;
  let org: Awaited<ReturnType<typeof onboard>>;
  const prefix = `verity-reset-notice-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    api = await startApi({ REDIS_PREFIX: prefix, CAPTCHA_MAX_NUMBER: '2000' });
    org = await onboard(api, 'reset-notice');
    sender = spawn(process.execPath, [worker], {
      env: { ...process.env, REDIS_PREFIX: prefix, WORKER_QUEUES: 'sms,email', LOG_LEVEL: 'silent' },
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
  });

  const call = (method: 'GET' | 'POST', url: string, body?: unknown) =>
    api.request({ method, url, key: org.key, ...(body !== undefined ? { body } : {}) });

  const inbox = async (): Promise<InboxMessage[]> =>
    (await call('GET', '/v1/sandbox/messages?limit=200')).body.messages;
  const wording = (m: InboxMessage) => m.content.body ?? m.content.text ?? '';

  /** The inbox's messages to `to` that `match`, once `count` of them have been sent by the worker. */
  async function sentTo(to: string, match: RegExp, count = 1): Promise<InboxMessage[]> {
    let found: InboxMessage[] = [];
    for (let i = 0; i < 200; i++) {
      found = (await inbox()).filter((m) => m.to === to && match.test(wording(m)));
      if (found.filter((m) => m.status === 'sent').length >= count) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`nothing matching ${match} was sent to ${to}: ${JSON.stringify(found)}`);
  }

  async function pastCaptcha(username: string) {
    const started = await call('POST', '/v1/password-reset', { username, client: { ip: '81.2.69.160' } });
    expect(started.status).toBe(201);
    const c = started.body.captcha;
    const { number } = (await solveChallenge(c.challenge, c.salt, c.algorithm, 2000).promise)!;
    const solved = await call('POST', `/v1/password-reset/${started.body.flowId}/captcha`, {
      solution: Buffer.from(JSON.stringify({ ...c, number })).toString('base64'),
    });
    expect(solved.status).toBe(200);
    return started.body.flowId as string;
  }
  const answer = (flowId: string, challengeId: string, code: string) =>
    call('POST', `/v1/password-reset/${flowId}/challenges/${challengeId}/verify`, { code });

  async function textGate(flowId: string, phone: string) {
    const asked = await call('POST', `/v1/password-reset/${flowId}/challenges`, {
      kind: 'mobile_text',
      phone: `0${phone.slice(3)}`,
    });
    expect(asked.status).toBe(201);
    const [text] = await sentTo(phone, /to reset your/);
    return answer(flowId, asked.body.challengeId, codeIn(wording(text!)));
  }
  async function emailGate(flowId: string, email: string) {
    const asked = await call('POST', `/v1/password-reset/${flowId}/challenges`, { kind: 'email', email });
    expect(asked.status).toBe(201);
    const [message] = await sentTo(email, /\b\d{6}\b/);
    return answer(flowId, asked.body.challengeId, codeIn(wording(message!)));
  }

  const newMobile = () => `+447400${String(randomInt(1_000_000)).padStart(6, '0')}`;
  const newEmail = () => `sam.${randomBytes(3).toString('hex')}@home.example.org`;
  const NOTICE = /password was reset/;

  it('tells someone who has only the text and the email the reset used, on both', async () => {
    const phone = newMobile();
    const email = newEmail();
    const who = await staffMember(api, org.tenantId, {
      methods: [
        { type: 'mobile_text', phone },
        { type: 'email', email },
      ],
    });
    const flowId = await pastCaptcha(who.username);
    expect((await textGate(flowId, phone)).body).toMatchObject({ gate: { number: 2, of: 2 } });
    expect((await emailGate(flowId, email)).body).toMatchObject({ state: 'new_password' });
    const done = await call('POST', `/v1/password-reset/${flowId}/password`, { password: NEW_PASSWORD });
    expect(done.status).toBe(200);

    const [text] = await sentTo(phone, NOTICE);
    const [mail] = await sentTo(email, NOTICE);
    expect(text).toMatchObject({ channel: 'sms', status: 'sent' });
    expect(wording(text!)).toMatch(
      /^Your .+ password was reset from .+\. If this was not you, contact your local helpdesk now\.$/,
    );
    expect(mail).toMatchObject({
      channel: 'email',
      status: 'sent',
      content: { subject: expect.stringMatching(/^Your .+ password was reset$/) },
    });
    // once each
    expect((await inbox()).filter((m) => NOTICE.test(wording(m)))).toHaveLength(2);
  }, 30_000);

  it('tells someone on the channel the reset did not use, and not on those it used', async () => {
    const phone = newMobile();
    const email = newEmail();
    const secret = generateSecret();
    const who = await staffMember(api, org.tenantId, {
      methods: [
        { type: 'mobile_text', phone },
        { type: 'authenticator_code', secret },
        { type: 'email', email },
      ],
    });
    const flowId = await pastCaptcha(who.username);
    expect((await textGate(flowId, phone)).status).toBe(200);
    const app = await call('POST', `/v1/password-reset/${flowId}/challenges`, { kind: 'authenticator_code' });
    const passed = await answer(flowId, app.body.challengeId, generateSync({ secret }));
    expect(passed.body).toMatchObject({ state: 'new_password' });
    expect(
      (await call('POST', `/v1/password-reset/${flowId}/password`, { password: NEW_PASSWORD })).status,
    ).toBe(200);

    expect(await sentTo(email, NOTICE)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 500));
    expect((await inbox()).filter((m) => m.to === phone && NOTICE.test(wording(m)))).toEqual([]);
  }, 30_000);
});
