import { randomBytes, randomInt } from 'node:crypto';
import { type Delivery, DeliveryLedger, Tenancy, rememberedDevices } from '@verity/db';
import { contentContext, recipientContext } from '@verity/delivery';
import { SECURITY_QUESTIONS, normaliseAnswer } from '@verity/policy';
import { PasswordHasher, TenantCipher } from '@verity/secrets';
import { solveChallenge } from 'altcha-lib/v1';
import { generateSecret, generateSync } from 'otplib';
import type { MethodDetails } from '../methods/method-details.js';
import { onboard, startApi, type TestApi } from '../test/api.js';
import { PASSWORD, appOf, codeIn, messageOf, staffMember, twilioPosts } from '../test/sign-in.js';

const NEW_PASSWORD = 'granite lighthouse marmalade orbit';
const PUBLIC_URL = 'https://verity-sspr.example.nhs.uk';
const AUTH_TOKEN = 'twilio-auth-token-for-reset-gates';
const twilio = { accountSid: `AC${'d'.repeat(32)}`, authToken: AUTH_TOKEN, from: '+447700900001' };

const newMobile = () => `+447400${String(randomInt(1_000_000)).padStart(6, '0')}`;
const national = (e164: string) => `0${e164.slice(3)}`;
/** A code that is not this one (the next number, six digits). */
const otherThan = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

type Org = Awaited<ReturnType<typeof onboard>>;
type App = Awaited<ReturnType<typeof appOf>>;

/**
 * Each kind of check a password reset may ask for, and its limits, against the real API: a push with number
 * matching, a call answered on the keypad, an email, security questions; the lock on a factor shared with
 * sign-in; an account with elevated rights; the daily throttle per username.
 */
describe('password reset: each check as a gate, and the limits', () => {
  let api: TestApi;
  /** The default policy (two checks; email allowed). */
  let org: Org;
  /** Security questions allowed and eligible for reset. */
  let quiz: Org;

  beforeAll(async () => {
    api = await startApi({
      CAPTCHA_MAX_NUMBER: '2000',
      PUBLIC_URL,
      CHANNELS: JSON.stringify({ voice: { provider: 'twilio-voice', config: twilio } }),
    });
    org = await onboard(api, 'gates');
    quiz = await onboard(api, 'gates-quiz');
    await changePolicy(quiz, (p) => ({
      ...p,
      allowedMethods: [...(p.allowedMethods as string[]), 'security_questions'],
      sspr: { ...p.sspr, eligibleMethods: [...(p.sspr.eligibleMethods as string[]), 'security_questions'] },
    }));
  });
  afterAll(() => api.close());

  const call = (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, key = org.key) =>
    api.request({ method, url, key, ...(body !== undefined ? { body } : {}) });
  const sql = <T = Record<string, unknown>>(tenantId: string, query: string, params: unknown[] = []) =>
    api.app.get(Tenancy).run(tenantId, (scope) => scope.manager.query(query, params)) as Promise<T[]>;

  async function changePolicy(
    of: Org,
    change: (policy: Record<string, any>) => Record<string, unknown>,
  ): Promise<void> {
    const current = await call('GET', '/v1/organisation/policy', undefined, of.key);
    const saved = await call(
      'PUT',
      '/v1/organisation/policy',
      { expectedVersion: current.body.version, policy: change(current.body.policy) },
      of.key,
    );
    expect(saved.status).toBe(200);
  }

  /** "Forgot my password", then the CAPTCHA solved as the browser's widget would. */
  async function pastCaptcha(username: string, of: Org = org) {
    const started = await call(
      'POST',
      '/v1/password-reset',
      { username, client: { ip: '81.2.69.160' } },
      of.key,
    );
    expect(started.status).toBe(201);
    const c = started.body.captcha;
    const { number } = (await solveChallenge(c.challenge, c.salt, c.algorithm, 2000).promise)!;
    const solved = await call(
      'POST',
      `/v1/password-reset/${started.body.flowId}/captcha`,
      { solution: Buffer.from(JSON.stringify({ ...c, number })).toString('base64') },
      of.key,
    );
    expect(solved.status).toBe(200);
    return { flowId: started.body.flowId as string, gate: solved.body };
  }
  const ask = (flowId: string, body: Record<string, unknown>, of: Org = org) =>
    call('POST', `/v1/password-reset/${flowId}/challenges`, body, of.key);
  const answer = (flowId: string, challengeId: string, body: Record<string, unknown>, of: Org = org) =>
    call('POST', `/v1/password-reset/${flowId}/challenges/${challengeId}/verify`, body, of.key);
  const poll = (flowId: string, of: Org = org) =>
    call('GET', `/v1/password-reset/${flowId}`, undefined, of.key);

  async function textGate(flowId: string, phone: string, of: Org = org) {
    const asked = await ask(flowId, { kind: 'mobile_text', phone: national(phone) }, of);
    expect(asked.status).toBe(201);
    const { content } = await messageOf(api, of.tenantId, asked.body.challengeId);
    return answer(flowId, asked.body.challengeId, { code: codeIn(content.body) }, of);
  }
  async function appCodeGate(flowId: string, secret: string, of: Org = org) {
    const asked = await ask(flowId, { kind: 'authenticator_code' }, of);
    expect(asked.status).toBe(201);
    return answer(flowId, asked.body.challengeId, { code: generateSync({ secret }) }, of);
  }

  /** The app's pending requests, as "check for notifications" asks for them. */
  const pendingOn = async (app: App) =>
    api.request({
      method: 'GET',
      url: `${app.base}/challenges`,
      headers: { 'device-proof': await app.device.proof(app.deviceId, { act: 'list' }) },
    });
  const approveOn = async (app: App, challengeId: string, number: string) =>
    api.request({
      method: 'POST',
      url: `${app.base}/challenges/${challengeId}/answer`,
      headers: {
        'device-proof': await app.device.proof(app.deviceId, {
          act: 'answer',
          challengeId,
          decision: 'approve',
          number,
        }),
      },
    });

  /** Deliveries whose idempotency key is like the pattern, with recipient and content decrypted. */
  async function deliveriesLike(tenantId: string, pattern: string) {
    const cipher = api.app.get(TenantCipher);
    const ids = await sql<{ id: string }>(
      tenantId,
      `SELECT id FROM deliveries WHERE idempotency_key LIKE $1 ORDER BY created_at`,
      [pattern],
    );
    return Promise.all(
      ids.map(async ({ id }) => {
        const delivery = (await api.app
          .get(Tenancy)
          .run(tenantId, (scope) =>
            scope.manager.getRepository('Delivery').findOneByOrFail({ id }),
          )) as Delivery;
        return {
          delivery,
          to: await cipher.decryptText(
            tenantId,
            recipientContext(delivery.idempotencyKey),
            delivery.recipientEnc,
          ),
          content: JSON.parse(
            await cipher.decryptText(tenantId, contentContext(delivery.idempotencyKey), delivery.contentEnc),
          ),
        };
      }),
    );
  }
  const deliveriesOf = async (tenantId: string, challengeId: string) =>
    (
      await sql<{ n: number }>(
        tenantId,
        `SELECT count(*)::int AS n FROM deliveries WHERE challenge_id = $1`,
        [challengeId],
      )
    )[0]!.n;
  const allDeliveries = async (tenantId: string) =>
    (await sql<{ n: number }>(tenantId, `SELECT count(*)::int AS n FROM deliveries`))[0]!.n;

  /** A security questions method: each answer kept as the hash of the normalised answer. */
  async function questionsMethod(answers: Record<string, string>): Promise<MethodDetails> {
    const hasher = api.app.get(PasswordHasher);
    return {
      type: 'security_questions',
      answers: await Promise.all(
        Object.entries(answers).map(async ([questionId, a]) => ({
          questionId,
          hash: await hasher.hash(normaliseAnswer(a)),
        })),
      ),
    };
  }

  const unknownIn = (username: string) =>
    `nobody.${randomBytes(4).toString('hex')}@${username.split('@')[1]}`;

  describe('1. a push with number matching', () => {
    /** A person whose app is activated (push and codes on one device) and who has a mobile. */
    async function withAppAndPhone() {
      const phone = newMobile();
      const member = await staffMember(api, org.tenantId, { methods: [{ type: 'mobile_text', phone }] });
      const app = await appOf(api, org.key, member.account.id);
      return { ...member, phone, app };
    }

    it('shows the number, lists the request on the device without it, and the right number passes gate 1', async () => {
      const who = await withAppAndPhone();
      const { flowId, gate } = await pastCaptcha(who.username);
      expect(gate.options.map((o: { kind: string }) => o.kind)).toContain('authenticator_push');
      const push = await ask(flowId, { kind: 'authenticator_push' });
      expect(push.status).toBe(201);
      expect(push.body).toMatchObject({
        kind: 'authenticator_push',
        number: expect.stringMatching(/^\d{2}$/),
      });

      const pending = await pendingOn(who.app);
      expect(pending.status).toBe(200);
      expect(pending.body.challenges).toEqual([
        expect.objectContaining({
          challengeId: push.body.challengeId,
          app: 'Password reset',
          location: expect.stringMatching(/United Kingdom$/),
          numberDigits: 2,
        }),
      ]);
      expect(pending.text).not.toContain(`"${push.body.number}"`);

      // not answered yet: polling says so
      expect((await poll(flowId)).body).toMatchObject({
        state: 'verify',
        challenge: { id: push.body.challengeId, status: 'pending' },
      });
      const approved = await approveOn(who.app, push.body.challengeId, push.body.number);
      expect(approved.body).toMatchObject({ outcome: 'approved' });
      const moved = await poll(flowId);
      expect(moved.status).toBe(200);
      expect(moved.body).toMatchObject({ state: 'verify', gate: { number: 2, of: 2 } });
      // the request is no longer pending on the device
      expect((await pendingOn(who.app)).body.challenges).toEqual([]);
      // gate 2 on another device: the phone
      expect((await textGate(flowId, who.phone)).body.state).toBe('new_password');
    });

    it('voids the request when the number typed on the device is wrong', async () => {
      const who = await withAppAndPhone();
      const { flowId } = await pastCaptcha(who.username);
      const push = await ask(flowId, { kind: 'authenticator_push' });
      const wrong = String((Number(push.body.number) + 1) % 100).padStart(2, '0');
      expect((await approveOn(who.app, push.body.challengeId, wrong)).body.outcome).toBe('wrong_number');
      // the right number no longer helps
      expect((await approveOn(who.app, push.body.challengeId, push.body.number)).status).toBe(410);
      const status = await poll(flowId);
      expect(status.body).toMatchObject({
        state: 'verify',
        challenge: { id: push.body.challengeId, status: 'denied' },
      });
      // still on gate 1: the password cannot be set
      expect(
        (await call('POST', `/v1/password-reset/${flowId}/password`, { password: NEW_PASSWORD })).status,
      ).toBe(409);
    });
  });

  describe('2. a call answered on the keypad', () => {
    async function called() {
      const phone = newMobile();
      const secret = generateSecret();
      const member = await staffMember(api, org.tenantId, {
        methods: [
          { type: 'authenticator_code', secret },
          { type: 'mobile_call', phone },
        ],
      });
      const { flowId } = await pastCaptcha(member.username);
      const asked = await ask(flowId, { kind: 'mobile_call', phone: national(phone) });
      expect(asked.status).toBe(201);
      expect(asked.body).toMatchObject({
        kind: 'mobile_call',
        calling: expect.stringMatching(/^\+44 •+\d\d$/),
      });
      const { delivery, content } = await messageOf(api, org.tenantId, asked.body.challengeId);
      expect(delivery.channel).toBe('voice');
      // placed as the worker would: a Call SID recorded
      const callSid = `CA${randomBytes(16).toString('hex')}`;
      const ledger = new DeliveryLedger(api.app.get(Tenancy));
      await ledger.claim(org.tenantId, delivery.id, 'twilio-voice');
      await ledger.markSent(org.tenantId, delivery.id, callSid);
      return {
        ...member,
        secret,
        flowId,
        challengeId: asked.body.challengeId as string,
        callSid,
        instructionsUrl: content.instructionsUrl as string,
      };
    }
    const posts = (url: string, params: Record<string, string>) => twilioPosts(api, AUTH_TOKEN, url, params);

    it('passes gate 1 when the person presses #, seen by polling', async () => {
      const who = await called();
      expect(who.instructionsUrl).toMatch(new RegExp(`^${PUBLIC_URL}/webhooks/twilio/[a-z0-9-]+/voice/`));
      const twiml = await posts(who.instructionsUrl, { CallSid: who.callSid, AccountSid: twilio.accountSid });
      expect(twiml.status).toBe(200);
      expect(twiml.text).toContain('press the hash key');
      expect((await poll(who.flowId)).body).toMatchObject({
        state: 'verify',
        challenge: { id: who.challengeId, status: 'pending' },
      });
      await posts(`${who.instructionsUrl}/keypress`, {
        CallSid: who.callSid,
        AccountSid: twilio.accountSid,
        Digits: '',
      });
      const moved = await poll(who.flowId);
      expect(moved.body).toMatchObject({ state: 'verify', gate: { number: 2, of: 2 } });
      expect((await appCodeGate(who.flowId, who.secret)).body.state).toBe('new_password');
    });

    it('with 0 then #: denies the check, marks the account at risk, alerts the administrators and blocks sign-in', async () => {
      const who = await called();
      await posts(`${who.instructionsUrl}/keypress`, {
        CallSid: who.callSid,
        AccountSid: twilio.accountSid,
        Digits: '0',
      });
      const status = await poll(who.flowId);
      expect(status.body).toMatchObject({
        state: 'verify',
        challenge: { id: who.challengeId, status: 'denied' },
      });
      expect(status.body.gate).toBeUndefined();

      const [row] = await sql<{ at_risk_since: Date | null }>(
        org.tenantId,
        `SELECT at_risk_since FROM accounts WHERE id = $1`,
        [who.account.id],
      );
      expect(row!.at_risk_since).not.toBeNull();
      const reported = await sql<{ action: string }>(
        org.tenantId,
        `SELECT action FROM audit_events WHERE target_id = $1`,
        [who.challengeId],
      );
      expect(reported.map((r) => r.action)).toContain('fraud.reported');
      const alerts = await deliveriesLike(org.tenantId, `notice:fraud:${who.account.id}:%`);
      expect(alerts).toHaveLength(1); // the organisation's one administrator
      expect(alerts[0]!.to).toMatch(/^la\.personal@/);

      const signIn = await call('POST', '/v1/sign-in', { username: who.username, password: PASSWORD });
      expect(signIn.body).toMatchObject({ state: 'blocked', reasons: [{ code: 'FRAUD_REPORTED' }] });

      // nor can a new reset reach the phone until an administrator has reviewed the report
      const again = await pastCaptcha(who.username);
      const asked = await ask(again.flowId, { kind: 'authenticator_code' });
      expect(asked.status).toBe(201);
      const passed = await call(
        'POST',
        `/v1/password-reset/${again.flowId}/challenges/${asked.body.challengeId}/verify`,
        {
          code: generateSync({ secret: who.secret }),
        },
      );
      expect(passed.status).toBe(400);
      expect(passed.body.code).toBe('wrong-code');
    });

    it('greets a reset call as a password reset, not a sign-in', async () => {
      const who = await called();
      const twiml = await posts(who.instructionsUrl, { CallSid: who.callSid, AccountSid: twilio.accountSid });
      expect(twiml.text).toContain('checking a request to reset your password');
      expect(twiml.text).not.toContain('sign');
    });
  });

  describe('3. an email as a gate, never with security questions alone', () => {
    it('passes gate 1 with the code read from the email sent to the registered address', async () => {
      const phone = newMobile();
      const email = `sam.${randomBytes(3).toString('hex')}@home.example.org`;
      const who = await staffMember(api, org.tenantId, {
        methods: [
          { type: 'mobile_text', phone },
          { type: 'email', email },
        ],
      });
      const { flowId, gate } = await pastCaptcha(who.username);
      expect(gate.options).toContainEqual(expect.objectContaining({ kind: 'email', needs: 'email' }));
      // the address typed in full; case does not matter
      const asked = await ask(flowId, { kind: 'email', email: email.toUpperCase() });
      expect(asked.status).toBe(201);
      expect(asked.body).toMatchObject({ kind: 'email', codeLength: 6, sentTo: expect.any(String) });
      expect(asked.body.sentTo).not.toBe(email);
      const { delivery, content } = await messageOf(api, org.tenantId, asked.body.challengeId);
      expect(delivery.channel).toBe('email');
      expect(content).toMatchObject({ kind: 'email', subject: expect.stringMatching(/^Reset your /) });
      const to = await api.app
        .get(TenantCipher)
        .decryptText(org.tenantId, recipientContext(delivery.idempotencyKey), delivery.recipientEnc);
      expect(to).toBe(email);

      const wrong = await answer(flowId, asked.body.challengeId, { code: otherThan(codeIn(content.text)) });
      expect(wrong.status).toBe(400);
      expect(wrong.body.code).toBe('wrong-code');
      const passed = await answer(flowId, asked.body.challengeId, { code: codeIn(content.text) });
      expect(passed.status).toBe(200);
      expect(passed.body).toMatchObject({ state: 'verify', gate: { number: 2, of: 2 } });
      expect((await textGate(flowId, phone)).body.state).toBe('new_password');
    });

    it('refuses an app code already used at sign-in as used, not wrong: nothing counted, the next code passes', async () => {
      const phone = newMobile();
      const secret = generateSecret();
      const who = await staffMember(api, org.tenantId, {
        methods: [
          { type: 'authenticator_code', secret },
          { type: 'mobile_text', phone },
        ],
      });
      const code = generateSync({ secret });
      const timeStep = Math.floor(Date.now() / 30_000);
      await sql(org.tenantId, `UPDATE methods SET last_time_step = $2 WHERE id = $1`, [
        who.methods[0]!.id,
        timeStep,
      ]);
      const { flowId } = await pastCaptcha(who.username);
      const asked = await ask(flowId, { kind: 'authenticator_code' });
      const reused = await answer(flowId, asked.body.challengeId, { code });
      expect(reused.status).toBe(409);
      expect(reused.body).toMatchObject({
        code: 'code-already-used',
        detail:
          'That code has already been used. Wait for the next code in your authenticator app and enter it.',
      });
      const [method] = await sql(org.tenantId, `SELECT failed_attempts FROM methods WHERE id = $1`, [
        who.methods[0]!.id,
      ]);
      expect(method).toEqual({ failed_attempts: 0 });
      // as if the next 30 seconds had come: the app's next code passes the same check
      await sql(org.tenantId, `UPDATE methods SET last_time_step = $2 WHERE id = $1`, [
        who.methods[0]!.id,
        timeStep - 2,
      ]);
      const next = await answer(flowId, asked.body.challengeId, { code: generateSync({ secret }) });
      expect(next.status).toBe(200);
      expect(next.body).toMatchObject({ state: 'verify', gate: { number: 2, of: 2 } });
    });

    it('tells the person at their registered email address when the reset used the phone and the app', async () => {
      const phone = newMobile();
      const secret = generateSecret();
      const email = `sam.${randomBytes(3).toString('hex')}@home.example.org`;
      const who = await staffMember(api, org.tenantId, {
        methods: [
          { type: 'authenticator_code', secret },
          { type: 'mobile_text', phone },
          { type: 'email', email },
        ],
      });
      const { flowId } = await pastCaptcha(who.username);
      expect((await textGate(flowId, phone)).body.gate).toEqual({ number: 2, of: 2 });
      expect((await appCodeGate(flowId, secret)).body.state).toBe('new_password');
      const done = await call('POST', `/v1/password-reset/${flowId}/password`, { password: NEW_PASSWORD });
      expect(done.status).toBe(200);
      const told = await deliveriesLike(org.tenantId, `notice:password-reset:${who.account.id}:%`);
      expect(told.map((t) => [t.delivery.channel, t.to])).toEqual([['email', email]]);
    });

    it('lets nobody reset with only an email and security questions: the same answers as anyone, nothing sent', async () => {
      const email = `sam.${randomBytes(3).toString('hex')}@home.example.org`;
      // the right answer to every question, so that whichever are asked the person knows them
      const every = Object.fromEntries(SECURITY_QUESTIONS.map((q) => [q.id, 'Leeds']));
      const weakOnly = await staffMember(api, quiz.tenantId, {
        methods: [{ type: 'email', email }, await questionsMethod(every)],
      });
      const unknown = unknownIn(weakOnly.username);
      const shape = (body: Record<string, unknown>) =>
        JSON.stringify(body, (k, v) =>
          ['flowId', 'expiresAt', 'challengeId', 'captcha', 'questions'].includes(k) ? typeof v : v,
        );
      const before = await allDeliveries(quiz.tenantId);
      const seen: string[][] = [];
      for (const username of [weakOnly.username, unknown]) {
        const { flowId, gate } = await pastCaptcha(username, quiz);
        const mailed = await ask(flowId, { kind: 'email', email }, quiz);
        expect(mailed.status).toBe(201);
        expect(await deliveriesOf(quiz.tenantId, mailed.body.challengeId)).toBe(0);
        const asked = await ask(flowId, { kind: 'security_questions' }, quiz);
        expect(asked.status).toBe(201);
        const right = await answer(
          flowId,
          asked.body.challengeId,
          {
            answers: (asked.body.questions as { id: string }[]).map((q) => ({
              questionId: q.id,
              answer: 'leeds',
            })),
          },
          quiz,
        );
        expect(right.status).toBe(400);
        expect(right.body.code).toBe('wrong-code');
        seen.push([
          shape(gate),
          `${mailed.status} ${shape(mailed.body)}`,
          `${asked.status} ${shape(asked.body)}`,
          `${right.status} ${shape(right.body)}`,
        ]);
      }
      expect(seen[0]).toEqual(seen[1]);
      expect(await allDeliveries(quiz.tenantId)).toBe(before);
      const [started] = await sql<{ outcome: string; details: { reasons?: string[] } }>(
        quiz.tenantId,
        `SELECT outcome, details FROM audit_events WHERE action = 'password_reset.started' AND target_id = $1`,
        [weakOnly.account.id],
      );
      expect(started).toMatchObject({ outcome: 'denied' });
      expect(started!.details.reasons).toContain('SSPR_NEEDS_STRONG_METHOD');
    });

    it('after an email at gate 1, refuses the right answers to the questions at gate 2 and wants the app', async () => {
      const email = `sam.${randomBytes(3).toString('hex')}@home.example.org`;
      const secret = generateSecret();
      const mine = { 'first-pet': 'Fluffy', 'first-school': 'St Mary’s', 'childhood-street': 'Park Lane' };
      const who = await staffMember(api, quiz.tenantId, {
        methods: [
          { type: 'authenticator_code', secret },
          { type: 'email', email },
          await questionsMethod(mine),
        ],
      });
      const { flowId } = await pastCaptcha(who.username, quiz);
      const mailed = await ask(flowId, { kind: 'email', email }, quiz);
      const { content } = await messageOf(api, quiz.tenantId, mailed.body.challengeId);
      const first = await answer(flowId, mailed.body.challengeId, { code: codeIn(content.text) }, quiz);
      expect(first.body).toMatchObject({ state: 'verify', gate: { number: 2, of: 2 } });

      const asked = await ask(flowId, { kind: 'security_questions' }, quiz);
      expect(asked.status).toBe(201);
      expect((asked.body.questions as { id: string }[]).map((q) => q.id)).toEqual(Object.keys(mine));
      const refused = await answer(
        flowId,
        asked.body.challengeId,
        { answers: Object.entries(mine).map(([questionId, a]) => ({ questionId, answer: a })) },
        quiz,
      );
      expect(refused.status).toBe(400);
      expect(refused.body.code).toBe('wrong-code');
      expect((await poll(flowId, quiz)).body.state).toBe('verify');
      expect((await appCodeGate(flowId, secret, quiz)).body.state).toBe('new_password');
    });
  });

  describe('4. security questions as a gate', () => {
    it('asks the person’s own questions, refuses a wrong answer, passes the right ones', async () => {
      const phone = newMobile();
      // not the first questions of the list: the person's own choice
      const mine = {
        'famous-person': 'Ada Lovelace',
        'school-sport': 'Netball',
        'childhood-hero': 'Grace Hopper',
      };
      const who = await staffMember(api, quiz.tenantId, {
        methods: [{ type: 'mobile_text', phone }, await questionsMethod(mine)],
      });
      const { flowId, gate } = await pastCaptcha(who.username, quiz);
      const offered = gate.options.find((o: { kind: string }) => o.kind === 'security_questions');
      expect(offered).toMatchObject({ needs: 'answers' });
      expect(offered.questions).toEqual(
        Object.keys(mine).map((id) => ({ id, text: SECURITY_QUESTIONS.find((q) => q.id === id)!.text })),
      );
      const asked = await ask(flowId, { kind: 'security_questions' }, quiz);
      expect(asked.status).toBe(201);
      expect(asked.body.questions).toEqual(offered.questions);

      const answers = Object.entries(mine).map(([questionId, a]) => ({ questionId, answer: a }));
      const oneWrong = answers.map((a, i) => (i === 1 ? { ...a, answer: 'Hockey' } : a));
      const wrong = await answer(flowId, asked.body.challengeId, { answers: oneWrong }, quiz);
      expect(wrong.status).toBe(400);
      expect(wrong.body.code).toBe('wrong-code');
      const missing = await answer(flowId, asked.body.challengeId, { answers: answers.slice(0, 2) }, quiz);
      expect(missing.status).toBe(400);
      // typed differently, normalised the same
      const typed = answers.map((a) => ({ ...a, answer: `  ${a.answer.toUpperCase()} ` }));
      const passed = await answer(flowId, asked.body.challengeId, { answers: typed }, quiz);
      expect(passed.status).toBe(200);
      expect(passed.body).toMatchObject({ state: 'verify', gate: { number: 2, of: 2 } });
      expect((await textGate(flowId, phone, quiz)).body.state).toBe('new_password');
    });

    it('offers an unknown username the same questions on every attempt', async () => {
      const unknown = `nobody.${randomBytes(4).toString('hex')}@example.nhs.uk`;
      const offered: unknown[] = [];
      const asked: unknown[] = [];
      for (let i = 0; i < 3; i++) {
        const { flowId, gate } = await pastCaptcha(i === 1 ? unknown.toUpperCase() : unknown, quiz);
        offered.push(gate.options.find((o: { kind: string }) => o.kind === 'security_questions').questions);
        asked.push((await ask(flowId, { kind: 'security_questions' }, quiz)).body.questions);
      }
      expect(offered[0]).toHaveLength(3);
      expect(offered[1]).toEqual(offered[0]);
      expect(offered[2]).toEqual(offered[0]);
      expect(asked).toEqual(offered);
    });
  });

  describe('5. the lock on a factor', () => {
    it('locks the text method after 10 wrong codes across checks; the right code is then refused, and sign-in is locked too', async () => {
      const phone = newMobile();
      const secret = generateSecret();
      const who = await staffMember(api, org.tenantId, {
        methods: [
          { type: 'authenticator_code', secret },
          { type: 'mobile_text', phone },
        ],
      });
      const textMethod = who.methods.find((m) => m.type === 'mobile_text')!;
      const { flowId } = await pastCaptcha(who.username);
      const check = async () => {
        const asked = await ask(flowId, { kind: 'mobile_text', phone: national(phone) });
        expect(asked.status).toBe(201);
        const { content } = await messageOf(api, org.tenantId, asked.body.challengeId);
        return { challengeId: asked.body.challengeId as string, code: codeIn(content.body) };
      };

      // check 1: five wrong codes void it; the right one is then too late
      const first = await check();
      for (let i = 1; i <= 5; i++) {
        const wrong = await answer(flowId, first.challengeId, { code: otherThan(first.code) });
        expect(wrong.status).toBe(400);
        expect(wrong.body.code).toBe('wrong-code');
        if (i === 5) expect(wrong.body.detail).toContain('Ask for another check');
      }
      const late = await answer(flowId, first.challengeId, { code: first.code });
      expect(late.status).toBe(410);
      expect(late.body.code).toBe('challenge-over');

      // check 2, asked for: four more wrong (nine in all)
      const second = await check();
      for (let i = 1; i <= 4; i++) {
        const wrong = await answer(flowId, second.challengeId, { code: otherThan(second.code) });
        expect(wrong.status).toBe(400);
      }
      // check 3: the tenth wrong code locks the factor (policy lockout.failedAttempts, 10 by default)
      const third = await check();
      const tenth = await answer(flowId, third.challengeId, { code: otherThan(third.code) });
      expect(tenth.status).toBe(423);
      expect(tenth.body.code).toBe('factor-locked');
      const right = await answer(flowId, third.challengeId, { code: third.code });
      expect(right.status).toBe(423);
      expect(right.body.code).toBe('factor-locked');
      expect(right.headers['retry-after']).toBeDefined();
      const [method] = await sql<{ failed_attempts: number; locked_until: Date | null }>(
        org.tenantId,
        `SELECT failed_attempts, locked_until FROM methods WHERE id = $1`,
        [textMethod.id],
      );
      expect(method!.failed_attempts).toBe(10);
      expect(method!.locked_until!.getTime()).toBeGreaterThan(Date.now());
      // nor can another check be sent to it
      const again = await ask(flowId, { kind: 'mobile_text', phone: national(phone) });
      expect(again.status).toBe(423);
      expect(again.body.code).toBe('factor-locked');

      // the same lock at sign-in
      const signIn = await call('POST', '/v1/sign-in', { username: who.username, password: PASSWORD });
      expect(signIn.body.state).toBe('mfa_required');
      const asked = await call('POST', `/v1/sign-in/${signIn.body.flowId}/challenges`, {
        methodId: textMethod.id,
      });
      expect(asked.status).toBe(423);
      expect(asked.body.code).toBe('factor-locked');

      // only that factor: the app still passes a reset's check
      expect((await appCodeGate(flowId, secret)).body).toMatchObject({
        state: 'verify',
        gate: { number: 2 },
      });
    });
  });

  describe('6. an account with elevated rights', () => {
    let elevated: Org;

    beforeAll(async () => {
      elevated = await onboard(api, 'gates-elevated');
      await changePolicy(elevated, (p) => ({
        ...p,
        sspr: {
          ...p.sspr,
          methodsToReset: 1,
          methodsToRegister: 1,
          // email can never be the only check
          eligibleMethods: (p.sspr.eligibleMethods as string[]).filter((m) => m !== 'email'),
        },
      }));
    });

    it('resets with one push, tells the other administrators, ends the sessions and remembered devices, and audits it', async () => {
      const member = await staffMember(api, elevated.tenantId, { elevated: true, registrationDue: false });
      const app = await appOf(api, elevated.key, member.account.id);

      // a portal session of the person, signed in with the app, and a remembered device
      const flow = await call(
        'POST',
        '/v1/sign-in',
        { username: member.username, password: PASSWORD },
        elevated.key,
      );
      expect(flow.body.state).toBe('mfa_required');
      const signInPush = await call(
        'POST',
        `/v1/sign-in/${flow.body.flowId}/challenges`,
        { methodId: flow.body.defaultMethodId },
        elevated.key,
      );
      expect(signInPush.status).toBe(201);
      await approveOn(app, signInPush.body.challengeId, signInPush.body.number);
      const signedIn = await call('GET', `/v1/sign-in/${flow.body.flowId}`, undefined, elevated.key);
      const made = await call('POST', '/v1/sessions', { result: signedIn.body.result }, elevated.key);
      expect(made.status).toBe(201);
      await api.app.get(Tenancy).run(elevated.tenantId, (scope) =>
        rememberedDevices.create(scope, {
          accountId: member.account.id,
          tokenHash: randomBytes(32),
          expiresAt: new Date(Date.now() + 86_400_000),
        }),
      );

      const { flowId, gate } = await pastCaptcha(member.username, elevated);
      expect(gate).toMatchObject({ state: 'verify', gate: { number: 1, of: 1 } });
      expect(gate.options.map((o: { kind: string }) => o.kind)).not.toContain('email');
      const push = await ask(flowId, { kind: 'authenticator_push' }, elevated);
      expect(push.status).toBe(201);
      // elevated rights: the longer number (push.elevatedNumberMatchingDigits, 6 by default)
      expect(push.body.number).toMatch(/^\d{6}$/);
      expect((await approveOn(app, push.body.challengeId, push.body.number)).body.outcome).toBe('approved');
      const ready = await poll(flowId, elevated);
      expect(ready.body).toMatchObject({ state: 'new_password' });
      const done = await call(
        'POST',
        `/v1/password-reset/${flowId}/password`,
        { password: NEW_PASSWORD },
        elevated.key,
      );
      expect(done.status).toBe(200);
      expect(done.body.state).toBe('complete');

      // every other administrator (here the onboarded one, la@…) is told by email
      const told = await deliveriesLike(elevated.tenantId, `notice:admin-reset:${elevated.adminId}:%`);
      expect(told).toHaveLength(1);
      expect(told[0]!.delivery.channel).toBe('email');
      expect(told[0]!.to).toMatch(/^la\.personal@/);
      expect(told[0]!.content).toMatchObject({
        kind: 'email',
        subject: `Password reset: ${member.username}`,
        text: expect.stringContaining('elevated rights'),
      });

      // the session and the remembered device are over
      const session = await api.request({
        method: 'GET',
        url: '/v1/session',
        key: elevated.key,
        headers: { 'verity-session': made.body.token },
      });
      expect(session.status).toBe(401);
      const remembered = await sql<{ revoked_at: Date | null }>(
        elevated.tenantId,
        `SELECT revoked_at FROM remembered_devices WHERE account_id = $1`,
        [member.account.id],
      );
      expect(remembered).toHaveLength(1);
      expect(remembered[0]!.revoked_at).not.toBeNull();

      const [completed] = await sql<{ outcome: string; details: Record<string, unknown> }>(
        elevated.tenantId,
        `SELECT outcome, details FROM audit_events WHERE action = 'password_reset.completed' AND details->>'flowId' = $1`,
        [flowId],
      );
      expect(completed).toMatchObject({
        outcome: 'success',
        details: { elevated: true, sessionsEnded: 1, rememberedDevicesRevoked: 1 },
      });
      const fresh = await call(
        'POST',
        '/v1/sign-in',
        { username: member.username, password: NEW_PASSWORD },
        elevated.key,
      );
      expect(fresh.body.state).toBe('mfa_required');
    });
  });

  describe('7. the daily throttle per username', () => {
    it('refuses the 6th reset of a username in a day (sspr.attemptsPerDay, 5 by default), unknown usernames alike', async () => {
      const known = await staffMember(api, org.tenantId, {
        methods: [
          { type: 'authenticator_code', secret: generateSecret() },
          { type: 'mobile_text', phone: newMobile() },
        ],
      });
      const unknown = unknownIn(known.username);
      const refusals: { status: number; body: unknown; retryAfter: unknown }[] = [];
      for (const username of [known.username, unknown]) {
        for (let i = 1; i <= 5; i++)
          expect((await call('POST', '/v1/password-reset', { username })).status).toBe(201);
        const sixth = await call('POST', '/v1/password-reset', { username });
        expect(sixth.status).toBe(429);
        expect(sixth.body.code).toBe('too-many-attempts');
        refusals.push({ status: sixth.status, body: sixth.body, retryAfter: sixth.headers['retry-after'] });
        // the same username typed differently counts the same
        expect(
          (await call('POST', '/v1/password-reset', { username: ` ${username.toUpperCase()}` })).status,
        ).toBe(429);
      }
      expect(refusals[1]).toEqual(refusals[0]);
      // per username: someone else can still start
      const other = unknownIn(known.username);
      expect((await call('POST', '/v1/password-reset', { username: other })).status).toBe(201);
    });
  });
});
