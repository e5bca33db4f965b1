import { randomBytes, randomInt } from 'node:crypto';
import { Tenancy } from '@verity/db';
import { solveChallenge } from 'altcha-lib/v1';
import { generateSecret, generateSync } from 'otplib';
import { onboard, startApi, type TestApi } from '../test/api.js';
import { PASSWORD, codeIn, messageOf, staffMember } from '../test/sign-in.js';

const NEW_PASSWORD = 'granite lighthouse marmalade orbit';
const newMobile = () => `+447400${String(randomInt(1_000_000)).padStart(6, '0')}`;
const national = (e164: string) => `0${e164.slice(3)}`;

describe('self-service password reset: "Forgot my password"', () => {
  let api: TestApi;
  let org: Awaited<ReturnType<typeof onboard>>;
  let other: Awaited<ReturnType<typeof onboard>>;

  beforeAll(async () => {
    api = await startApi({ CAPTCHA_MAX_NUMBER: '2000' });
    org = await onboard(api, 'sspr');
    other = await onboard(api, 'sspr-other');
  });
  afterAll(() => api.close());

  const call = (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, key = org.key) =>
    api.request({ method, url, key, ...(body !== undefined ? { body } : {}) });
  const sql = <T = Record<string, unknown>>(tenantId: string, query: string, params: unknown[] = []) =>
    api.app.get(Tenancy).run(tenantId, (scope) => scope.manager.query(query, params)) as Promise<T[]>;

  /** A member of staff with a phone (text) and an authenticator app: two devices, enough for a reset. */
  async function person(options: { elevated?: boolean; contactEmail?: string } = {}) {
    const phone = newMobile();
    const secret = generateSecret();
    const member = await staffMember(api, org.tenantId, {
      methods: [
        { type: 'authenticator_code', secret },
        { type: 'mobile_text', phone },
        { type: 'mobile_call', phone },
      ],
      ...options,
    });
    return { ...member, phone, secret };
  }

  /** "Forgot my password", then the CAPTCHA solved as the browser's widget would. */
  async function begin(username: string, key = org.key) {
    const started = await call(
      'POST',
      '/v1/password-reset',
      { username, client: { ip: '81.2.69.160' } },
      key,
    );
    expect(started.status).toBe(201);
    return started;
  }
  async function solve(challenge: { challenge: string; salt: string; algorithm: string; signature: string }) {
    const solution = await solveChallenge(challenge.challenge, challenge.salt, challenge.algorithm, 2000)
      .promise;
    return Buffer.from(JSON.stringify({ ...challenge, number: solution!.number })).toString('base64');
  }
  async function pastCaptcha(username: string) {
    const started = await begin(username);
    const solved = await call('POST', `/v1/password-reset/${started.body.flowId}/captcha`, {
      solution: await solve(started.body.captcha),
    });
    expect(solved.status).toBe(200);
    return { flowId: started.body.flowId as string, gate: solved.body };
  }
  const ask = (flowId: string, body: Record<string, unknown>) =>
    call('POST', `/v1/password-reset/${flowId}/challenges`, body);
  const answer = (flowId: string, challengeId: string, body: Record<string, unknown>) =>
    call('POST', `/v1/password-reset/${flowId}/challenges/${challengeId}/verify`, body);

  async function textGate(flowId: string, phone: string, tenantId = org.tenantId) {
    const asked = await ask(flowId, { kind: 'mobile_text', phone: national(phone) });
    expect(asked.status).toBe(201);
    const { content } = await messageOf(api, tenantId, asked.body.challengeId);
    return answer(flowId, asked.body.challengeId, { code: codeIn(content.body) });
  }
  async function appGate(flowId: string, secret: string) {
    const asked = await ask(flowId, { kind: 'authenticator_code' });
    expect(asked.status).toBe(201);
    return answer(flowId, asked.body.challengeId, { code: generateSync({ secret }) });
  }

  it('resets a password as seed 002 tells it: user ID, CAPTCHA, a text, the app, a new password; then signs in with it', async () => {
    const who = await person({ contactEmail: 'sam.home@example.org' });
    const session = await signedInSession(who);
    const { flowId, gate } = await pastCaptcha(who.username.toUpperCase());
    expect(gate).toMatchObject({ state: 'verify', gate: { number: 1, of: 2 } });
    expect(gate.options.map((o: { kind: string }) => o.kind)).toEqual(
      expect.arrayContaining(['authenticator_push', 'authenticator_code', 'mobile_text', 'mobile_call']),
    );
    expect(gate.options.map((o: { kind: string }) => o.kind)).not.toContain('security_key');

    const first = await textGate(flowId, who.phone);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ state: 'verify', gate: { number: 2, of: 2 } });
    const second = await appGate(flowId, who.secret);
    expect(second.body).toMatchObject({ state: 'new_password', password: { minLength: 15 } });

    const weak = await call('POST', `/v1/password-reset/${flowId}/password`, {
      password: 'password123456789',
    });
    expect(weak.status).toBe(422);
    expect(weak.body.code).toBe('password-refused');
    expect(weak.body.reasons.length).toBeGreaterThan(0);
    const same = await call('POST', `/v1/password-reset/${flowId}/password`, { password: PASSWORD });
    expect(same.body.reasons.map((r: { code: string }) => r.code)).toContain('PASSWORD_SAME_AS_CURRENT');
    const strength = await call('POST', `/v1/password-reset/${flowId}/password/check`, {
      password: NEW_PASSWORD,
    });
    expect(strength.body).toMatchObject({ accepted: true, strength: { score: expect.any(Number) } });

    const done = await call('POST', `/v1/password-reset/${flowId}/password`, { password: NEW_PASSWORD });
    expect(done.body).toMatchObject({ state: 'complete' });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ state: 'complete' });
    expect(done.body.result).toBeUndefined();
    expect(done.body.token).toBeUndefined();

    // the old session is over; the old password no longer signs in, the new one does
    const current = await api.request({
      method: 'GET',
      url: '/v1/session',
      key: org.key,
      headers: { 'verity-session': session },
    });
    expect(current.status).toBe(401);
    const old = await call('POST', '/v1/sign-in', { username: who.username, password: PASSWORD });
    expect(old.status).toBe(401);
    const fresh = await call('POST', '/v1/sign-in', { username: who.username, password: NEW_PASSWORD });
    expect(fresh.body.state).toBe('mfa_required');
    // the flow is finished: nothing more can be done with it
    expect(
      (await call('POST', `/v1/password-reset/${flowId}/password`, { password: NEW_PASSWORD })).status,
    ).toBe(404);

    // told on the contact address (no phone: it was used), and audited
    const notices = await sql<{ channel: string; idempotency_key: string }>(
      org.tenantId,
      `SELECT channel, idempotency_key FROM deliveries WHERE idempotency_key LIKE $1`,
      [`notice:password-reset:${who.account.id}:%`],
    );
    expect(notices.map((n) => n.channel)).toEqual(['email']);
    const actions = (
      await sql<{ action: string }>(
        org.tenantId,
        `SELECT action FROM audit_events WHERE details->>'flowId' = $1 ORDER BY id`,
        [flowId],
      )
    ).map((a) => a.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'password_reset.started',
        'password_reset.gate_passed',
        'password_reset.completed',
      ]),
    );
  });

  /** A portal session of the person, to see it end with the reset. */
  async function signedInSession(who: Awaited<ReturnType<typeof person>>) {
    const flow = await call('POST', '/v1/sign-in', { username: who.username, password: PASSWORD });
    const asked = await call('POST', `/v1/sign-in/${flow.body.flowId}/challenges`, {
      methodId: who.methods[0]!.id,
    });
    const done = await call(
      'POST',
      `/v1/sign-in/${flow.body.flowId}/challenges/${asked.body.challengeId}/verify`,
      {
        code: generateSync({ secret: who.secret }),
      },
    );
    const made = await call('POST', '/v1/sessions', { result: done.body.result });
    expect(made.status).toBe(201);
    // the TOTP step is spent: let the reset's check use the next one
    await sql(org.tenantId, `UPDATE methods SET last_time_step = last_time_step - 1 WHERE id = $1`, [
      who.methods[0]!.id,
    ]);
    return made.body.token as string;
  }

  it('refuses steps out of order, a reset of another organisation, a replayed CAPTCHA, and the same phone twice', async () => {
    const who = await person();
    const started = await begin(who.username);
    const flowId = started.body.flowId as string;
    // a check before the CAPTCHA, the password before any check
    expect((await ask(flowId, { kind: 'authenticator_code' })).status).toBe(409);
    expect(
      (await call('POST', `/v1/password-reset/${flowId}/password`, { password: NEW_PASSWORD })).status,
    ).toBe(409);
    const solution = await solve(started.body.captcha);
    // another organisation cannot see or use it
    const elsewhere = await call('POST', `/v1/password-reset/${flowId}/captcha`, { solution }, other.key);
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.code).toBe('reset-not-found');
    expect((await call('POST', `/v1/password-reset/${flowId}/captcha`, { solution })).status).toBe(200);
    // the CAPTCHA once: not again here, not for another reset
    expect((await call('POST', `/v1/password-reset/${flowId}/captcha`, { solution })).status).toBe(409);
    const another = await begin(who.username);
    const replayed = await call('POST', `/v1/password-reset/${another.body.flowId}/captcha`, { solution });
    expect(replayed.status).toBe(400);
    expect(replayed.body.code).toBe('captcha-failed');

    // gate 1 by text, then a call to the same phone as gate 2: refused
    expect((await textGate(flowId, who.phone)).body.gate).toEqual({ number: 2, of: 2 });
    const samePhone = await ask(flowId, { kind: 'mobile_call', phone: who.phone });
    expect(samePhone.status).toBe(422);
    expect(samePhone.body.code).toBe('same-device');
    // the password still waits for gate 2
    expect(
      (await call('POST', `/v1/password-reset/${flowId}/password`, { password: NEW_PASSWORD })).status,
    ).toBe(409);
    // a wrong challenge id, and a replayed answer: the check was already used (as at sign-in)
    const asked = await ask(flowId, { kind: 'authenticator_code' });
    const code = generateSync({ secret: who.secret });
    expect((await answer(flowId, started.body.flowId, { code })).status).toBe(409);
    expect((await answer(flowId, asked.body.challengeId, { code })).body.state).toBe('new_password');
    expect((await answer(flowId, asked.body.challengeId, { code })).body.code).toBe('challenge-over');
  });

  it('answers a username that cannot reset exactly as one that can, and sends nothing for it', async () => {
    const known = await person();
    const unknown = `nobody.${randomBytes(4).toString('hex')}@${known.username.split('@')[1]}`;
    const oneMethod = await staffMember(api, org.tenantId, {
      methods: [{ type: 'mobile_text', phone: newMobile() }],
    });
    const shape = (body: Record<string, unknown>) =>
      JSON.stringify(body, (k, v) =>
        ['flowId', 'expiresAt', 'challengeId', 'captcha', 'number'].includes(k) ? typeof v : v,
      );
    const before = (await sql<{ n: number }>(org.tenantId, `SELECT count(*)::int AS n FROM deliveries`))[0]!
      .n;
    const bodies: string[][] = [];
    const typed = newMobile();
    for (const username of [known.username, unknown, oneMethod.username]) {
      const { flowId, gate } = await pastCaptcha(username);
      const asked = await ask(flowId, { kind: 'mobile_text', phone: typed });
      const push = await ask(flowId, { kind: 'authenticator_push' });
      const wrong = await answer(flowId, push.body.challengeId, { code: '123456' });
      bodies.push([
        shape(gate),
        `${asked.status} ${shape(asked.body)}`,
        `${push.status} ${shape(push.body)}`,
        `${wrong.status} ${shape(wrong.body)}`,
      ]);
    }
    expect(bodies[1]).toEqual(bodies[0]);
    expect(bodies[2]).toEqual(bodies[0]);
    const after = (await sql<{ n: number }>(org.tenantId, `SELECT count(*)::int AS n FROM deliveries`))[0]!.n;
    // the known person's app has no push method and the number typed was not theirs: nothing went anywhere
    expect(after).toBe(before);

    // a person who cannot reset (one device) is sent nothing, even to the number they registered
    const phone = newMobile();
    const single = await staffMember(api, org.tenantId, { methods: [{ type: 'mobile_text', phone }] });
    const { flowId } = await pastCaptcha(single.username);
    const asked = await ask(flowId, { kind: 'mobile_text', phone: national(phone) });
    expect(asked.status).toBe(201);
    expect(asked.body.sentTo).toMatch(/^\+44 •+\d\d$/);
    const sent = await sql<{ n: number }>(
      org.tenantId,
      `SELECT count(*)::int AS n FROM deliveries WHERE challenge_id = $1`,
      [asked.body.challengeId],
    );
    expect(sent[0]!.n).toBe(0);
  });

  it('takes as long for an unknown username as for a known one (medians within 5 ms)', async () => {
    // enough resets a day for the measurement (the default is 5 per username)
    const policy = await call('GET', '/v1/organisation/policy');
    const saved = await call('PUT', '/v1/organisation/policy', {
      expectedVersion: policy.body.version,
      policy: { ...policy.body.policy, sspr: { ...policy.body.policy.sspr, attemptsPerDay: 50 } },
    });
    expect(saved.body.version).toBe(policy.body.version + 1);
    const known = await person();
    const unknown = `nobody.${randomBytes(4).toString('hex')}@${known.username.split('@')[1]}`;
    const timings: Record<string, number[]> = { known: [], unknown: [] };
    for (let i = 0; i < 15; i++) {
      for (const [label, username] of [
        ['known', known.username],
        ['unknown', unknown],
      ] as const) {
        const t0 = performance.now();
        await call('POST', '/v1/password-reset', { username });
        timings[label]!.push(performance.now() - t0);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    expect(Math.abs(median(timings.known!) - median(timings.unknown!))).toBeLessThan(5);
  });
});
