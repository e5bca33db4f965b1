import { Writable } from 'node:stream';
import { Tenancy } from '@verity/db';
import { TenantCipher, hashCode } from '@verity/secrets';
import { generateSecret, generateSync } from 'otplib';
import { onboard, startApi, type TestApi } from '../test/api.js';
import { PASSWORD, appOf, staffMember } from '../test/sign-in.js';

const SESSION_EXPIRED = {
  type: 'urn:verity:problem:session-expired',
  title: 'Signed out',
  status: 401,
  detail: 'Your session has ended or is not valid here. Sign in again.',
  code: 'session-expired',
};
const STEP_UP_REQUIRED = {
  type: 'urn:verity:problem:step-up-required',
  title: 'Verify your identity',
  status: 401,
  detail:
    'Verify your identity again to make this change: for your security, it needs a check made in the last 10 minutes.',
  code: 'step-up-required',
};
const FLOW_NOT_FOUND = {
  type: 'urn:verity:problem:flow-not-found',
  title: 'Sign-in not found',
  status: 404,
  detail: 'This sign-in does not exist, has expired or is finished. Start again.',
  code: 'flow-not-found',
};
const WRONG_CODE = {
  type: 'urn:verity:problem:wrong-code',
  title: 'Wrong code',
  status: 400,
  detail: 'That code didn’t work. Check the code and try again.',
  code: 'wrong-code',
};
const FACTOR_LOCKED = {
  type: 'urn:verity:problem:factor-locked',
  title: 'Locked',
  status: 423,
  detail: 'Too many attempts, try again later.',
  code: 'factor-locked',
};
const SECURITY_INFO_CHANGE = {
  code: 'MFA_SECURITY_INFO_CHANGE',
  message: 'We always check it is you before you change your security info.',
};
const USER_CHOICE = { code: 'DEFAULT_USER_CHOICE', message: 'This is the default sign-in method you chose.' };
const NO_METHOD = {
  code: 'NO_METHOD_REGISTERED',
  message: 'Your organisation requires you to set up the following methods of proving who you are.',
};
const FRAUD = {
  code: 'FRAUD_REPORTED',
  message:
    'A sign-in to your account was reported as fraud, so changes to your security info are blocked until your organisation has checked it. Contact your local helpdesk.',
};
const unavailable = (reasons: { code: string; message: string }[]) => ({
  type: 'urn:verity:problem:step-up-unavailable',
  title: 'Cannot verify your identity',
  status: 409,
  detail: reasons.map((r) => r.message).join(' '),
  code: 'step-up-unavailable',
  reasons,
});

const MINUTE = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

describe('step-up of a portal session', () => {
  const logs: string[] = [];
  let api: TestApi;
  let org: Awaited<ReturnType<typeof onboard>>;
  let other: Awaited<ReturnType<typeof onboard>>;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        logs.push(String(chunk));
        done();
      },
    });
    api = await startApi({ LOG_LEVEL: 'info' }, sink);
    org = await onboard(api, 'step-up');
    other = await onboard(api, 'step-up-other');
  });
  afterAll(() => api.close());

  // ---- sign-in and sessions, as in sessions.int-spec.ts ----

  /**
   * A member of staff with authenticator apps (two unless asked): the first (the default) signs in, the second
   * steps up, so a step-up right after the sign-in does not meet the single use of a TOTP step.
   */
  async function person(apps = 2) {
    const secrets = Array.from({ length: apps }, () => generateSecret());
    const member = await staffMember(api, org.tenantId, {
      methods: secrets.map((secret) => ({ type: 'authenticator_code' as const, secret })),
    });
    return { ...member, secrets, secret: secrets[0]!, stepUpSecret: secrets[1]! };
  }

  /** Every secret the tests saw, to look for in the log at the end. */
  const secrets: string[] = [];

  /** Password and an authenticator code (the first method), exchanged for a session. */
  async function session(
    who: { username: string; secret: string; methods: { id: string }[] },
    options: { rememberDevice?: boolean } = {},
  ) {
    const started = await api.request({
      method: 'POST',
      url: '/v1/sign-in',
      key: org.key,
      body: {
        username: who.username,
        password: PASSWORD,
        client: { ip: '81.2.69.160', userAgent: 'Mozilla/5.0 (sign-in)' },
      },
    });
    expect(started.body.state).toBe('mfa_required');
    const asked = await api.request({
      method: 'POST',
      url: `/v1/sign-in/${started.body.flowId}/challenges`,
      key: org.key,
      body: { methodId: who.methods[0]!.id },
    });
    const done = await api.request({
      method: 'POST',
      url: `/v1/sign-in/${started.body.flowId}/challenges/${asked.body.challengeId}/verify`,
      key: org.key,
      body: { code: generateSync({ secret: who.secret }), rememberDevice: options.rememberDevice ?? false },
    });
    expect(done.status).toBe(200);
    const made = await api.request({
      method: 'POST',
      url: '/v1/sessions',
      key: org.key,
      body: { result: done.body.result },
    });
    expect(made.status).toBe(201);
    secrets.push(made.body.token, done.body.result);
    return { ...(made.body as { sessionId: string; token: string }), rememberToken: done.body.rememberToken };
  }

  /** Another session of the same person, from the device remembered at their first sign-in (aal1). */
  async function rememberedSession(who: { username: string }, rememberToken: string) {
    const started = await api.request({
      method: 'POST',
      url: '/v1/sign-in',
      key: org.key,
      body: { username: who.username, password: PASSWORD, rememberToken },
    });
    expect(started.body.state).toBe('complete');
    const made = await api.request({
      method: 'POST',
      url: '/v1/sessions',
      key: org.key,
      body: { result: started.body.result },
    });
    expect(made.status).toBe(201);
    secrets.push(made.body.token, started.body.result);
    return made.body as { sessionId: string; token: string };
  }

  const headers = (token: string | undefined): Record<string, string> =>
    token === undefined ? {} : { 'verity-session': token };
  const current = (token: string | undefined, key = org.key) =>
    api.request({ method: 'GET', url: '/v1/session', key, headers: headers(token) });
  const stepUp = async (token: string | undefined, body?: unknown, key = org.key) => {
    const res = await api.request({
      method: 'POST',
      url: '/v1/session/step-up',
      key,
      ...(body === undefined ? {} : { body }),
      headers: headers(token),
    });
    return res;
  };
  const challenge = (flowId: string, methodId: string, token: string | undefined, key = org.key) =>
    api.request({
      method: 'POST',
      url: `/v1/sign-in/${flowId}/challenges`,
      key,
      body: { methodId },
      headers: headers(token),
    });
  const verify = async (
    flowId: string,
    challengeId: string,
    body: Record<string, unknown>,
    token: string | undefined,
    key = org.key,
  ) => {
    const res = await api.request({
      method: 'POST',
      url: `/v1/sign-in/${flowId}/challenges/${challengeId}/verify`,
      key,
      body,
      headers: headers(token),
    });
    if (res.body?.session?.token) secrets.push(res.body.session.token);
    return res;
  };
  const status = async (flowId: string, token: string | undefined, key = org.key) => {
    const res = await api.request({
      method: 'GET',
      url: `/v1/sign-in/${flowId}`,
      key,
      headers: headers(token),
    });
    if (res.body?.session?.token) secrets.push(res.body.session.token);
    return res;
  };
  const endSession = (token: string, sessionId: string) =>
    api.request({
      method: 'DELETE',
      url: `/v1/session/sessions/${sessionId}`,
      key: org.key,
      headers: headers(token),
    });

  /** A whole step-up with the person's second authenticator app: the new session of the answer. */
  async function steppedUp(who: Awaited<ReturnType<typeof person>>, token: string) {
    const started = await stepUp(token);
    expect(started.status).toBe(201);
    const asked = await challenge(started.body.flowId, who.methods[1]!.id, token);
    expect(asked.status).toBe(201);
    const done = await verify(
      started.body.flowId,
      asked.body.challengeId,
      { code: generateSync({ secret: who.stepUpSecret }) },
      token,
    );
    expect(done.status).toBe(200);
    return done.body.session as { token: string; authenticatedAt: string; expiresAt: string };
  }

  const sql = (query: string, params: unknown[] = [], tenantId = org.tenantId) =>
    api.app.get(Tenancy).run(tenantId, (scope) => scope.manager.query(query, params));

  /** As if the person had last authenticated this long ago (a Postgres interval). */
  const authenticatedAgo = (sessionId: string, interval: string) =>
    sql(`UPDATE sessions SET authenticated_at = now() - $2::interval WHERE id = $1`, [sessionId, interval]);

  const auditOf = async (action: string, targetId: string) =>
    (await sql(
      `SELECT actor_type, actor_id, outcome, details FROM audit_events WHERE action = $1 AND target_id = $2
        ORDER BY occurred_at`,
      [action, targetId],
    )) as { actor_type: string; actor_id: string; outcome: string; details: Record<string, unknown> }[];

  const wrong = (secret: string) =>
    String((Number(generateSync({ secret })) + 1) % 1_000_000).padStart(6, '0');

  // ---- the tests ----

  it('re-authenticates the session with an authenticator code: a new token, authenticated now, same absolute limit', async () => {
    const who = await person();
    const made = await session(who);
    // as if the sign-in, and the absolute limit with it, were 11 minutes earlier
    await sql(
      `UPDATE sessions SET authenticated_at = authenticated_at - interval '11 minutes',
              expires_at = expires_at - interval '11 minutes' WHERE id = $1`,
      [made.sessionId],
    );
    const before = await current(made.token);
    expect(before.status).toBe(200);
    expect(Date.parse(before.body.stepUpUntil) - Date.parse(before.body.authenticatedAt)).toBe(10 * MINUTE);

    const started = await stepUp(made.token, {
      client: { ip: '81.2.69.160', userAgent: 'Firefox 141', app: 'Staff portal' },
    });
    expect(started.status).toBe(201);
    expect(started.headers['cache-control']).toBe('no-store');
    expect(started.body).toEqual({
      flowId: expect.stringMatching(UUID),
      state: 'mfa_required',
      expiresAt: expect.any(String),
      reasons: [SECURITY_INFO_CHANGE],
      methods: [
        { id: who.methods[0]!.id, type: 'authenticator_code', label: null, display: null, isDefault: true },
        { id: who.methods[1]!.id, type: 'authenticator_code', label: null, display: null, isDefault: false },
      ],
      defaultMethodId: who.methods[0]!.id,
      defaultReason: USER_CHOICE,
      unavailable: [],
    });
    const { flowId } = started.body;
    expect(Date.parse(started.body.expiresAt) - Date.now()).toBeGreaterThan(9 * MINUTE);
    const [flow] = await sql(`SELECT kind, state, account_id, completed_at, data FROM flows WHERE id = $1`, [
      flowId,
    ]);
    expect(flow).toEqual({
      kind: 'sign_in',
      state: 'mfa',
      account_id: who.account.id,
      completed_at: null,
      data: {
        methodIds: [who.methods[0]!.id, who.methods[1]!.id],
        defaultMethodId: who.methods[0]!.id,
        amr: [],
        client: {
          ip: '81.2.69.160',
          userAgent: 'Firefox 141',
          app: 'Staff portal',
          location: expect.stringMatching(/United Kingdom$/),
        },
        numberDigits: 2,
        voiceConfirmation: 'press_hash',
        elevated: false,
        stepUp: { sessionId: made.sessionId },
      },
    });

    const asked = await challenge(flowId, who.methods[1]!.id, made.token);
    expect(asked.status).toBe(201);
    expect(asked.body).toEqual({
      challengeId: expect.stringMatching(UUID),
      methodId: who.methods[1]!.id,
      type: 'authenticator_code',
      expiresAt: expect.any(String),
    });
    expect((await status(flowId, made.token)).body).toEqual({
      flowId,
      state: 'mfa_required',
      expiresAt: started.body.expiresAt,
      challenge: { id: asked.body.challengeId, status: 'pending' },
    });
    // "don't ask again" is never granted by a step-up
    const done = await verify(
      flowId,
      asked.body.challengeId,
      { code: generateSync({ secret: who.stepUpSecret }), rememberDevice: true },
      made.token,
    );
    expect(done.status).toBe(200);
    expect(done.headers['cache-control']).toBe('no-store');
    expect(done.body).toEqual({
      flowId,
      state: 'complete',
      session: {
        token: expect.stringMatching(TOKEN),
        authenticatedAt: expect.any(String),
        expiresAt: before.body.expiresAt,
        idleExpiresAt: expect.any(String),
        stepUpUntil: expect.any(String),
      },
    });
    const renewed = done.body.session;
    expect(renewed.token).not.toBe(made.token);
    expect(Math.abs(Date.parse(renewed.authenticatedAt) - Date.now())).toBeLessThan(5000);
    expect(Date.parse(renewed.authenticatedAt) - Date.parse(before.body.authenticatedAt)).toBeGreaterThan(
      10 * MINUTE,
    );
    expect(Date.parse(renewed.stepUpUntil) - Date.parse(renewed.authenticatedAt)).toBe(10 * MINUTE);

    // the old token is refused from now on; the new one is the same session, re-authenticated
    const old = await current(made.token);
    expect(old.status).toBe(401);
    expect(old.body).toEqual(SESSION_EXPIRED);
    const now = await current(renewed.token);
    expect(now.status).toBe(200);
    expect(now.body).toEqual({
      ...before.body,
      acr: 'aal2',
      amr: ['pwd', 'otp', 'mfa'],
      authenticatedAt: renewed.authenticatedAt,
      expiresAt: before.body.expiresAt,
      idleExpiresAt: expect.any(String),
      stepUpUntil: renewed.stepUpUntil,
    });
    expect(now.body.sessionId).toBe(made.sessionId);

    // only the new token's HMAC is kept; no remembered device, no sign-in result
    const [row] = await sql(`SELECT token_hash FROM sessions WHERE id = $1`, [made.sessionId]);
    const codeKey = await api.app.get(TenantCipher).codeKey(org.tenantId);
    expect(Buffer.from(row.token_hash).equals(hashCode(codeKey, `session:${renewed.token}`))).toBe(true);
    expect(await sql(`SELECT id FROM remembered_devices WHERE account_id = $1`, [who.account.id])).toEqual(
      [],
    );
    expect(done.text).not.toMatch(/"result"|rememberToken/);

    // the flow is spent
    const spent = await status(flowId, renewed.token);
    expect(spent.status).toBe(404);
    expect(spent.body).toEqual(FLOW_NOT_FOUND);

    const client = { userAgent: 'Firefox 141', app: 'Staff portal', location: expect.any(String) };
    expect(await auditOf('session.step_up_started', who.account.id)).toEqual([
      {
        actor_type: 'user',
        actor_id: who.account.id,
        outcome: 'success',
        details: { sessionId: made.sessionId, flowId, ...client },
      },
    ]);
    expect(await auditOf('session.stepped_up', who.account.id)).toEqual([
      {
        actor_type: 'user',
        actor_id: who.account.id,
        outcome: 'success',
        details: { sessionId: made.sessionId, flowId, acr: 'aal2', amr: ['pwd', 'otp', 'mfa'], ...client },
      },
    ]);
  });

  it('raises a remembered-device session (aal1) to aal2, without a body, and keeps the browser seen at sign-in', async () => {
    const who = await person();
    const first = await session(who, { rememberDevice: true });
    const started = await api.request({
      method: 'POST',
      url: '/v1/sign-in',
      key: org.key,
      body: { username: who.username, password: PASSWORD, rememberToken: first.rememberToken },
    });
    expect(started.body.state).toBe('complete');
    const made = await api.request({
      method: 'POST',
      url: '/v1/sessions',
      key: org.key,
      body: { result: started.body.result, client: { ip: '2a02:c7f:1234::1', userAgent: 'Edge' } },
    });
    expect(made.body).toMatchObject({ acr: 'aal1', amr: ['pwd'] });
    secrets.push(made.body.token);

    // a remembered device never skips a step-up
    const up = await stepUp(made.body.token);
    expect(up.status).toBe(201);
    expect(up.body.reasons).toEqual([SECURITY_INFO_CHANGE]);
    const [flow] = await sql(`SELECT data FROM flows WHERE id = $1`, [up.body.flowId]);
    expect(flow.data.client).toEqual({
      ip: '2a02:c7f:1234::1',
      userAgent: 'Edge',
      location: expect.stringMatching(/United Kingdom$/),
    });
    const asked = await challenge(up.body.flowId, who.methods[1]!.id, made.body.token);
    const done = await verify(
      up.body.flowId,
      asked.body.challengeId,
      { code: generateSync({ secret: who.stepUpSecret }) },
      made.body.token,
    );
    expect(done.status).toBe(200);
    const seen = await current(done.body.session.token);
    expect(seen.body).toMatchObject({
      sessionId: made.body.sessionId,
      acr: 'aal2',
      amr: ['pwd', 'otp', 'mfa'],
    });
    expect(seen.body.expiresAt).toBe(made.body.expiresAt);
  });

  it('steps up with a push: the device signs the approval and the polling answers with the new session', async () => {
    const { account, username } = await staffMember(api, org.tenantId, { registrationDue: false });
    const { device, base, deviceId, activated } = await appOf(api, org.key, account.id);
    const rows: { id: string; type: string }[] = await sql(
      `SELECT id, type FROM methods WHERE account_id = $1 ORDER BY type DESC`,
      [account.id],
    );
    const push = rows.find((m) => m.type === 'authenticator_push')!;
    const code = rows.find((m) => m.type === 'authenticator_code')!;
    // signed in with the app's code, then stepped up with its push
    const made = await session({ username, secret: activated.totp.secret, methods: [code] });

    const started = await stepUp(made.token, { client: { app: 'Staff portal' } });
    expect(started.status).toBe(201);
    expect(started.body.defaultMethodId).toBe(push.id);
    expect(started.body.methods.map((m: { id: string }) => m.id)).toEqual([push.id, code.id]);
    const asked = await challenge(started.body.flowId, push.id, made.token);
    expect(asked.status).toBe(201);
    expect(asked.body).toEqual({
      challengeId: expect.stringMatching(UUID),
      methodId: push.id,
      type: 'authenticator_push',
      expiresAt: expect.any(String),
      number: expect.stringMatching(/^\d{2}$/),
    });
    const { challengeId, number } = asked.body;

    const pending = await api.request({
      method: 'GET',
      url: `${base}/challenges`,
      headers: { 'device-proof': await device.proof(deviceId, { act: 'list' }) },
    });
    expect(pending.body.challenges).toEqual([
      expect.objectContaining({
        challengeId,
        app: 'Staff portal',
        location: expect.stringMatching(/Kingdom$/),
      }),
    ]);
    const waiting = await status(started.body.flowId, made.token);
    expect(waiting.body).toEqual({
      flowId: started.body.flowId,
      state: 'mfa_required',
      expiresAt: started.body.expiresAt,
      challenge: { id: challengeId, status: 'pending' },
    });

    const approved = await api.request({
      method: 'POST',
      url: `${base}/challenges/${challengeId}/answer`,
      headers: {
        'device-proof': await device.proof(deviceId, {
          act: 'answer',
          challengeId,
          decision: 'approve',
          number,
        }),
      },
    });
    expect(approved.body).toMatchObject({ outcome: 'approved' });

    // polling without the session, or with another one, gets nothing and finishes nothing
    expect((await status(started.body.flowId, undefined)).body).toEqual(SESSION_EXPIRED);
    const stranger = await session(await person());
    expect((await status(started.body.flowId, stranger.token)).body).toEqual(FLOW_NOT_FOUND);
    expect((await current(made.token)).status).toBe(200);

    const done = await status(started.body.flowId, made.token);
    expect(done.status).toBe(200);
    expect(done.body).toEqual({
      flowId: started.body.flowId,
      state: 'complete',
      session: {
        token: expect.stringMatching(TOKEN),
        authenticatedAt: expect.any(String),
        expiresAt: expect.any(String),
        idleExpiresAt: expect.any(String),
        stepUpUntil: expect.any(String),
      },
    });
    expect((await current(made.token)).body).toEqual(SESSION_EXPIRED);
    const seen = await current(done.body.session.token);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({
      sessionId: made.sessionId,
      acr: 'aal2',
      amr: ['pwd', 'otp', 'mfa', 'swk'],
      authenticatedAt: done.body.session.authenticatedAt,
      expiresAt: done.body.session.expiresAt,
    });
    expect((await status(started.body.flowId, done.body.session.token)).body).toEqual(FLOW_NOT_FOUND);
  });

  it('keeps a step-up flow to the session that began it: not another session, account or organisation', async () => {
    const alice = await person();
    const bob = await person();
    const mine = await session(alice, { rememberDevice: true });
    const myOther = await rememberedSession(alice, mine.rememberToken);
    const bobs = await session(bob);
    const started = await stepUp(mine.token);
    const { flowId } = started.body;

    // no session, another session of the same person, another person's, another organisation
    const none = await challenge(flowId, alice.methods[1]!.id, undefined);
    expect(none.status).toBe(401);
    expect(none.body).toEqual(SESSION_EXPIRED);
    for (const token of [myOther.token, bobs.token]) {
      const refused = await challenge(flowId, alice.methods[1]!.id, token);
      expect(refused.status).toBe(404);
      expect(refused.body).toEqual(FLOW_NOT_FOUND);
    }
    const foreign = await challenge(flowId, alice.methods[1]!.id, mine.token, other.key);
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual(FLOW_NOT_FOUND);
    expect((await status(flowId, mine.token, other.key)).body).toEqual(FLOW_NOT_FOUND);
    expect(await sql(`SELECT id FROM challenges WHERE flow_id = $1`, [flowId])).toEqual([]);

    const asked = await challenge(flowId, alice.methods[1]!.id, mine.token);
    expect(asked.status).toBe(201);
    const right = generateSync({ secret: alice.stepUpSecret });
    // an answer with another session is refused before the code is looked at: nothing counted, nothing spent
    for (const [token, key, expected] of [
      [myOther.token, org.key, FLOW_NOT_FOUND],
      [bobs.token, org.key, FLOW_NOT_FOUND],
      ['not-a-session-token', org.key, SESSION_EXPIRED],
      [mine.token, other.key, FLOW_NOT_FOUND],
    ] as const) {
      const refused = await verify(flowId, asked.body.challengeId, { code: right }, token, key);
      expect(refused.body).toEqual(expected);
    }
    const [method] = await sql(`SELECT failed_attempts, last_time_step FROM methods WHERE id = $1`, [
      alice.methods[1]!.id,
    ]);
    expect(method).toEqual({ failed_attempts: 0, last_time_step: null });

    // Bob's own step-up flow cannot be finished with Alice's session either
    const bobsFlow = (await stepUp(bobs.token)).body.flowId;
    expect((await challenge(bobsFlow, bob.methods[1]!.id, mine.token)).body).toEqual(FLOW_NOT_FOUND);

    const done = await verify(flowId, asked.body.challengeId, { code: right }, mine.token);
    expect(done.status).toBe(200);
    // only that session was re-authenticated
    const sessions: { id: string; authenticated_at: Date }[] = await sql(
      `SELECT id, authenticated_at FROM sessions WHERE id = ANY($1) ORDER BY authenticated_at`,
      [[mine.sessionId, myOther.sessionId, bobs.sessionId]],
    );
    expect(sessions.at(-1)!.id).toBe(mine.sessionId);
    expect((await current(myOther.token)).status).toBe(200);
    expect((await current(bobs.token)).status).toBe(200);
  });

  it('goes on with the new token after another step-up, and refuses a session that ended meanwhile', async () => {
    const who = await person(3);
    const made = await session(who);
    const first = await stepUp(made.token);
    const second = await stepUp(made.token);
    const renewed = await steppedUp(who, made.token);
    // the second flow was begun with a token that is no longer the session's
    expect((await challenge(second.body.flowId, who.methods[2]!.id, made.token)).body).toEqual(
      SESSION_EXPIRED,
    );
    const asked = await challenge(second.body.flowId, who.methods[2]!.id, renewed.token);
    expect(asked.status).toBe(201);
    const done = await verify(
      second.body.flowId,
      asked.body.challengeId,
      { code: generateSync({ secret: who.secrets[2]! }) },
      renewed.token,
    );
    expect(done.status).toBe(200);
    expect(done.body.session.token).not.toBe(renewed.token);
    expect((await current(renewed.token)).body).toEqual(SESSION_EXPIRED);
    expect((await current(done.body.session.token)).status).toBe(200);

    // signed out between the challenge and the answer: 401, and the code is not spent
    const bystander = await session(await person());
    const whoLater = await person();
    const late = await session(whoLater);
    const flow = await stepUp(late.token);
    const lateAsk = await challenge(flow.body.flowId, whoLater.methods[1]!.id, late.token);
    expect(lateAsk.status).toBe(201);
    const out = await api.request({
      method: 'DELETE',
      url: '/v1/session',
      key: org.key,
      headers: headers(late.token),
    });
    expect(out.status).toBe(204);
    const refused = await verify(
      flow.body.flowId,
      lateAsk.body.challengeId,
      { code: generateSync({ secret: whoLater.stepUpSecret }) },
      late.token,
    );
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual(SESSION_EXPIRED);
    const [method] = await sql(`SELECT last_time_step FROM methods WHERE id = $1`, [whoLater.methods[1]!.id]);
    expect(method.last_time_step).toBeNull();
    expect((await current(bystander.token)).status).toBe(200);
    expect(await auditOf('session.stepped_up', whoLater.account.id)).toEqual([]);
    // the first flow is still there for its session, with the current token
    expect((await status(first.body.flowId, done.body.session.token)).body.state).toBe('mfa_required');
  });

  it('requires an authentication within 10 minutes to end another device’s session: 9:59 allowed, 10:01 refused', async () => {
    const who = await person();
    const made = await session(who, { rememberDevice: true });
    const a = await rememberedSession(who, made.rememberToken);
    const b = await rememberedSession(who, made.rememberToken);

    await authenticatedAgo(made.sessionId, '9 minutes 59 seconds');
    const fresh = await current(made.token);
    expect(Date.parse(fresh.body.stepUpUntil) - Date.parse(fresh.body.authenticatedAt)).toBe(10 * MINUTE);
    expect(Date.parse(fresh.body.stepUpUntil)).toBeGreaterThan(Date.now());
    const allowed = await endSession(made.token, a.sessionId);
    expect(allowed.status).toBe(204);
    expect((await current(a.token)).body).toEqual(SESSION_EXPIRED);

    await authenticatedAgo(made.sessionId, '10 minutes 1 second');
    const stale = await current(made.token);
    expect(stale.status).toBe(200); // the session itself lives on
    expect(Date.parse(stale.body.stepUpUntil)).toBeLessThan(Date.now());
    const refused = await endSession(made.token, b.sessionId);
    expect(refused.status).toBe(401);
    expect(refused.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(refused.body).toEqual(STEP_UP_REQUIRED);
    expect((await current(b.token)).status).toBe(200);
    expect((await current(made.token)).status).toBe(200);

    // after a step-up the same request is allowed
    const renewed = await steppedUp(who, made.token);
    expect((await endSession(renewed.token, b.sessionId)).status).toBe(204);
    expect((await current(b.token)).body).toEqual(SESSION_EXPIRED);

    // ending one's own session (signing out) needs no step-up
    await authenticatedAgo(made.sessionId, '1 hour');
    expect((await endSession(renewed.token, made.sessionId)).status).toBe(204);
    expect((await current(renewed.token)).body).toEqual(SESSION_EXPIRED);
    expect(await auditOf('session.revoked', who.account.id)).toEqual([
      expect.objectContaining({ details: { sessionId: a.sessionId, current: false } }),
      expect.objectContaining({ details: { sessionId: b.sessionId, current: false } }),
      expect.objectContaining({ details: { sessionId: made.sessionId, current: true } }),
    ]);
  });

  it('refuses the sign-in’s own authenticator code at the step-up: already used, wait for the next one', async () => {
    const who = await person(1);
    const signInCode = generateSync({ secret: who.secret });
    const made = await session(who);
    const started = await stepUp(made.token);
    const asked = await challenge(started.body.flowId, who.methods[0]!.id, made.token);
    const replayed = await verify(
      started.body.flowId,
      asked.body.challengeId,
      { code: signInCode },
      made.token,
    );
    expect(replayed.status).toBe(409);
    expect(replayed.body).toMatchObject({
      code: 'code-already-used',
      detail:
        'That code has already been used. Wait for the next code in your authenticator app and enter it.',
    });
    const [method] = await sql(`SELECT failed_attempts FROM methods WHERE id = $1`, [who.methods[0]!.id]);
    expect(method).toEqual({ failed_attempts: 0 });
    expect((await current(made.token)).status).toBe(200);
  });

  it('counts a wrong code toward the factor’s lock, as at sign-in', async () => {
    const who = await person();
    const made = await session(who);
    const started = await stepUp(made.token);
    const statuses: number[] = [];
    let challengeId = '';
    for (let i = 0; i < 10; i++) {
      if (i % 5 === 0)
        challengeId = (await challenge(started.body.flowId, who.methods[1]!.id, made.token)).body.challengeId;
      const res = await verify(
        started.body.flowId,
        challengeId,
        { code: wrong(who.stepUpSecret) },
        made.token,
      );
      if (i === 0) expect(res.body).toEqual(WRONG_CODE);
      if (i === 9) expect(res.body).toEqual(FACTOR_LOCKED);
      statuses.push(res.status);
    }
    expect(statuses).toEqual([...Array<number>(9).fill(400), 423]);
    const [method] = await sql(`SELECT failed_attempts, locked_until FROM methods WHERE id = $1`, [
      who.methods[1]!.id,
    ]);
    expect(method).toEqual({ failed_attempts: 10, locked_until: expect.any(Date) });
    expect(await auditOf('sign_in.second_factor', who.account.id)).toHaveLength(10);

    // locked for the sign-in too, and the right code is refused the same way
    const locked = await challenge(started.body.flowId, who.methods[1]!.id, made.token);
    expect(locked.status).toBe(423);
    expect(locked.body).toMatchObject({ code: 'factor-locked', reasons: [{ code: 'LOCKED_OUT' }] });
    // the session was not re-authenticated, and its token still works
    expect((await current(made.token)).status).toBe(200);
    expect(await auditOf('session.stepped_up', who.account.id)).toEqual([]);
  });

  it('answers 409 with the policy’s reasons when no method can be used, or after a fraud report', async () => {
    const who = await person();
    const made = await session(who);
    await sql(`UPDATE accounts SET at_risk_since = now() WHERE id = $1`, [who.account.id]);
    const blocked = await stepUp(made.token);
    expect(blocked.status).toBe(409);
    expect(blocked.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(blocked.body).toEqual(unavailable([FRAUD]));

    await sql(`UPDATE accounts SET at_risk_since = NULL WHERE id = $1`, [who.account.id]);
    await sql(`UPDATE methods SET verified_at = NULL WHERE account_id = $1`, [who.account.id]);
    const none = await stepUp(made.token);
    expect(none.status).toBe(409);
    expect(none.body).toEqual(unavailable([NO_METHOD]));
    expect(
      await sql(`SELECT id FROM flows WHERE account_id = $1 AND data ? 'stepUp'`, [who.account.id]),
    ).toEqual([]);
    expect(await auditOf('session.step_up_started', who.account.id)).toEqual([
      expect.objectContaining({
        outcome: 'denied',
        details: expect.objectContaining({ decision: 'blocked', reasons: ['FRAUD_REPORTED'] }),
      }),
      expect.objectContaining({
        outcome: 'denied',
        details: expect.objectContaining({ decision: 'register', reasons: ['NO_METHOD_REGISTERED'] }),
      }),
    ]);
    // the session itself is untouched
    expect((await current(made.token)).status).toBe(200);
  });

  it('refuses a step-up without a live session of this organisation, and names bad fields', async () => {
    const who = await person();
    const made = await session(who);
    for (const [token, key] of [
      [undefined, org.key],
      ['x'.repeat(43), org.key],
      [made.token, other.key],
    ] as const) {
      const res = await stepUp(token, undefined, key);
      expect(res.status).toBe(401);
      expect(res.body).toEqual(SESSION_EXPIRED);
    }
    const noKey = await stepUp(made.token, undefined, '');
    expect(noKey.status).toBe(401);
    expect(noKey.body.code).toBe('unauthorised');
    const bad = await stepUp(made.token, { client: { ip: 'somewhere' }, extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation-failed');
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['client.ip', 'extra']);
    const badId = await api.request({
      method: 'GET',
      url: '/v1/sign-in/not-a-flow',
      key: org.key,
      headers: headers(made.token),
    });
    expect(badId.status).toBe(400);
    expect(
      await sql(`SELECT id FROM flows WHERE account_id = $1 AND data ? 'stepUp'`, [who.account.id]),
    ).toEqual([]);
    // a sign-in that is not a step-up ignores the header
    const plain = await api.request({
      method: 'POST',
      url: '/v1/sign-in',
      key: org.key,
      body: { username: who.username, password: PASSWORD },
    });
    const polled = await status(plain.body.flowId, 'not-a-session-token');
    expect(polled.status).toBe(200);
    expect(polled.body).toEqual({
      flowId: plain.body.flowId,
      state: 'mfa_required',
      expiresAt: plain.body.expiresAt,
    });
  });

  it('never writes a session token to the log', () => {
    const text = logs.join('');
    expect(text).toContain('"url":"/v1/session/step-up"');
    expect(secrets.length).toBeGreaterThan(20);
    expect(secrets.filter((secret) => text.includes(secret))).toEqual([]);
  });
});
