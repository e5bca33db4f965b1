import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Tenancy } from '@verity/db';
import { TenantCipher, hashCode } from '@verity/secrets';
import { createSoftAuthenticator } from '@verity/testing';
import {
  type CryptoKey,
  SignJWT,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  generateKeyPair,
  importPKCS8,
  jwtVerify,
} from 'jose';
import { generateSecret, generateSync } from 'otplib';
import { registrationOptions, verifyRegistration } from '../factors/security-key.js';
import { saveMethod } from '../methods/method-details.js';
import { onboard, startApi, type TestApi } from '../test/api.js';
import { PASSWORD, staffMember } from '../test/sign-in.js';

const ecPem = () =>
  generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();

const SESSION_EXPIRED = {
  type: 'urn:verity:problem:session-expired',
  title: 'Signed out',
  status: 401,
  detail: 'Your session has ended or is not valid here. Sign in again.',
  code: 'session-expired',
};
const RESULT_INVALID = {
  type: 'urn:verity:problem:result-invalid',
  title: 'Sign-in result not accepted',
  status: 401,
  detail:
    'The sign-in result is not valid here: it has expired, was made for another organisation or was not issued by Verity. Sign in again.',
  code: 'result-invalid',
};
const RESULT_USED = {
  type: 'urn:verity:problem:result-used',
  title: 'Already exchanged',
  status: 409,
  detail: 'This sign-in result has already been exchanged for a session. Sign in again to start another.',
  code: 'result-used',
};
const SESSION_NOT_FOUND = {
  type: 'urn:verity:problem:not-found',
  title: 'Not found',
  status: 404,
  detail: 'The session does not exist or you cannot see it.',
  code: 'not-found',
};

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('portal sessions', () => {
  const signingKey = ecPem();
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
    api = await startApi({ SIGNING_KEY: signingKey, LOG_LEVEL: 'info' }, sink);
    org = await onboard(api, 'sessions');
    other = await onboard(api, 'sessions-other');
  });
  afterAll(() => api.close());

  // ---- the sign-in, as the portal drives it ----

  async function person(options: { elevated?: boolean } = {}) {
    const secret = generateSecret();
    const member = await staffMember(api, org.tenantId, {
      methods: [{ type: 'authenticator_code', secret }],
      ...options,
    });
    return { ...member, secret };
  }

  /** Password and an authenticator code: an AAL2 result (and, when asked, a remember-device token). */
  async function signIn(
    who: { username: string; secret: string; methods: { id: string }[] },
    options: { rememberDevice?: boolean; on?: TestApi; key?: string } = {},
  ): Promise<{ result: string; rememberToken?: string }> {
    const on = options.on ?? api;
    const key = options.key ?? org.key;
    const started = await on.request({
      method: 'POST',
      url: '/v1/sign-in',
      key,
      body: {
        username: who.username,
        password: PASSWORD,
        client: { ip: '81.2.69.160', userAgent: 'Mozilla/5.0 (sign-in)' },
      },
    });
    expect(started.body.state).toBe('mfa_required');
    const asked = await on.request({
      method: 'POST',
      url: `/v1/sign-in/${started.body.flowId}/challenges`,
      key,
      body: { methodId: who.methods[0]!.id },
    });
    const done = await on.request({
      method: 'POST',
      url: `/v1/sign-in/${started.body.flowId}/challenges/${asked.body.challengeId}/verify`,
      key,
      body: { code: generateSync({ secret: who.secret }), rememberDevice: options.rememberDevice ?? false },
    });
    expect(done.status).toBe(200);
    return { result: done.body.result, rememberToken: done.body.rememberToken };
  }

  /** A sign-in again from a remembered device: no second factor, an AAL1 result. */
  async function signInRemembered(username: string, rememberToken: string): Promise<string> {
    const res = await api.request({
      method: 'POST',
      url: '/v1/sign-in',
      key: org.key,
      body: { username, password: PASSWORD, rememberToken },
    });
    expect(res.body.state).toBe('complete');
    return res.body.result;
  }

  /** Every secret the tests saw, to look for in the log at the end. */
  const secrets: string[] = [];
  const exchange = async (result: string, key = org.key, on = api, client?: Record<string, string>) => {
    const res = await on.request({
      method: 'POST',
      url: '/v1/sessions',
      key,
      body: { result, ...(client ? { client } : {}) },
    });
    secrets.push(result, ...(res.body?.token ? [res.body.token as string] : []));
    return res;
  };

  const withSession = (
    token: string | undefined,
    method: 'GET' | 'DELETE',
    url = '/v1/session',
    key: string | undefined = org.key,
  ) =>
    api.request({
      method,
      url,
      ...(key ? { key } : {}),
      headers: token === undefined ? {} : { 'verity-session': token },
    });
  const current = (token: string | undefined, key?: string) => withSession(token, 'GET', '/v1/session', key);

  /** A new session of this person (a sign-in with an authenticator code, exchanged). */
  async function session(who: Awaited<ReturnType<typeof person>>) {
    const made = await exchange((await signIn(who)).result);
    expect(made.status).toBe(201);
    return made.body as { sessionId: string; token: string; [k: string]: unknown };
  }

  const sql = (query: string, params: unknown[] = [], tenantId = org.tenantId) =>
    api.app.get(Tenancy).run(tenantId, (scope) => scope.manager.query(query, params));

  /** As if the session had been idle for this long (a Postgres interval). */
  const idleFor = (sessionId: string, interval: string) =>
    sql(`UPDATE sessions SET last_seen_at = now() - $2::interval WHERE id = $1`, [sessionId, interval]);

  const auditOf = async (action: string, targetId: string) =>
    (await sql(
      `SELECT actor_type, actor_id, outcome, details FROM audit_events WHERE action = $1 AND target_id = $2
        ORDER BY occurred_at`,
      [action, targetId],
    )) as { actor_type: string; actor_id: string; outcome: string; details: Record<string, unknown> }[];

  // ---- the tests ----

  it('exchanges a finished sign-in for a session, once, and answers who is signed in', async () => {
    const who = await person();
    const { result } = await signIn(who);
    const made = await exchange(result, org.key, api, { ip: '2a02:c7f:1234::1', userAgent: 'Firefox 140' });
    expect(made.status).toBe(201);
    expect(made.headers['cache-control']).toBe('no-store');
    expect(made.body).toEqual({
      sessionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      account: { id: who.account.id, username: who.username, displayName: 'Sam Staff' },
      acr: 'aal2',
      amr: ['pwd', 'otp', 'mfa'],
      authenticatedAt: expect.any(String),
      createdAt: expect.any(String),
      expiresAt: expect.any(String),
      idleExpiresAt: expect.any(String),
      stepUpUntil: expect.any(String),
    });
    const at = (field: string) => Date.parse(made.body[field]);
    expect(at('expiresAt') - at('authenticatedAt')).toBe(12 * HOUR);
    // a change of security info needs no step-up for 10 minutes after the sign-in
    expect(at('stepUpUntil') - at('authenticatedAt')).toBe(10 * MINUTE);
    expect(at('idleExpiresAt') - at('createdAt')).toBe(30 * MINUTE);
    // the result's five minutes run from the sign-in, so the session began at most that long after it
    expect(at('createdAt') - at('authenticatedAt')).toBeLessThan(5 * MINUTE);

    const seen = await current(made.body.token);
    expect(seen.status).toBe(200);
    const { token: _token, ...withoutToken } = made.body;
    expect(seen.body).toEqual({ ...withoutToken, idleExpiresAt: expect.any(String) });
    expect(Date.parse(seen.body.idleExpiresAt)).toBeGreaterThanOrEqual(at('idleExpiresAt'));

    // only the HMAC with the organisation's code key is kept
    const [row] = await sql(`SELECT * FROM sessions WHERE id = $1`, [made.body.sessionId]);
    const codeKey = await api.app.get(TenantCipher).codeKey(org.tenantId);
    expect(Buffer.from(row.token_hash).equals(hashCode(codeKey, `session:${made.body.token}`))).toBe(true);
    expect(JSON.stringify(row)).not.toContain(made.body.token);
    expect(row).toMatchObject({ ip: '2a02:c7f:1234::1', user_agent: 'Firefox 140', elevated: false });
    expect(row.flow_id).toBe(decodeJwt(result).jti);
    expect(await auditOf('session.created', who.account.id)).toEqual([
      expect.objectContaining({
        actor_type: 'user',
        outcome: 'success',
        details: expect.objectContaining({ sessionId: made.body.sessionId, acr: 'aal2' }),
      }),
    ]);

    // the result is spent: nothing new is made, the first session is untouched
    const again = await exchange(result);
    expect(again.status).toBe(409);
    expect(again.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(again.body).toEqual(RESULT_USED);
    expect(await sql(`SELECT id FROM sessions WHERE flow_id = $1`, [row.flow_id])).toEqual([
      { id: made.body.sessionId },
    ]);
    expect((await current(made.body.token)).status).toBe(200);
  });

  it('keeps the browser seen at sign-in when the exchange names none', async () => {
    const made = await session(await person());
    const [row] = await sql(`SELECT ip, user_agent FROM sessions WHERE id = $1`, [made.sessionId]);
    expect(row).toEqual({ ip: '81.2.69.160', user_agent: 'Mozilla/5.0 (sign-in)' });
  });

  it('makes one session of 20 simultaneous exchanges of one result', async () => {
    const { result } = await signIn(await person());
    const answers = await Promise.all(Array.from({ length: 20 }, () => exchange(result)));
    expect(answers.map((a) => a.status).sort()).toEqual([201, ...Array<number>(19).fill(409)]);
    expect(await sql(`SELECT id FROM sessions WHERE flow_id = $1`, [decodeJwt(result).jti])).toHaveLength(1);
  });

  it('refuses another organisation’s result, an expired, a forged and a tampered one, all the same way', async () => {
    const who = await person();
    const { result } = await signIn(who);
    const claims = decodeJwt(result);
    const header = decodeProtectedHeader(result);
    const ours = await importPKCS8(signingKey, 'ES256');
    const resign = (key: CryptoKey, changes: Record<string, unknown>) =>
      new SignJWT({ ...claims, ...changes })
        .setProtectedHeader({ alg: 'ES256', kid: header.kid!, typ: 'JWT' })
        .sign(key);
    const now = Math.floor(Date.now() / 1000);

    const foreign = await exchange(result, other.key);
    const expired = await exchange(await resign(ours, { iat: now - 301, exp: now - 1 }));
    const forged = await exchange(await resign((await generateKeyPair('ES256')).privateKey, {}));
    const [h, , s] = result.split('.');
    const otherAccount = Buffer.from(JSON.stringify({ ...claims, sub: randomUUID() })).toString('base64url');
    const tampered = await exchange(`${h}.${otherAccount}.${s}`);
    const retargeted = await exchange(
      await resign(ours, { aud: other.tenantId, tid: other.tenantId }),
      other.key,
    );
    for (const refused of [foreign, expired, forged, tampered, retargeted]) {
      expect(refused.status).toBe(401);
      expect(refused.body).toEqual(RESULT_INVALID);
    }
    expect(await sql(`SELECT id FROM sessions WHERE flow_id = $1`, [claims.jti])).toEqual([]);
    expect(await sql(`SELECT id FROM sessions WHERE flow_id = $1`, [claims.jti], other.tenantId)).toEqual([]);

    // the same claims, re-signed by our key with a live expiry, are accepted: the refusals were the expiry,
    // the key, the payload and the organisation, not the sign-in
    const fresh = await exchange(await resign(ours, { iat: now, exp: now + 60 }));
    expect(fresh.status).toBe(201);
    expect(fresh.body.account.id).toBe(who.account.id);
  });

  it('names each bad field of the exchange, and makes nothing', async () => {
    const cases: [unknown, string[]][] = [
      [{}, ['result']],
      [{ result: 42, extra: true }, ['extra', 'result']],
      [{ result: 'not a jwt at all, not even close' }, ['result']],
      [{ result: 'a.b.c'.repeat(2000) }, ['result']],
      [{ result: 'aaaaaaaaaa.bbbbbbbbbb.cccccccccc', client: { ip: 'somewhere' } }, ['client.ip']],
    ];
    for (const [body, fields] of cases) {
      const res = await api.request({ method: 'POST', url: '/v1/sessions', key: org.key, body });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation-failed');
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(fields);
    }
    const garbage = await api.request({
      method: 'POST',
      url: '/v1/sessions',
      key: org.key,
      payload: '{"result":',
      headers: { 'content-type': 'application/json' },
    });
    expect(garbage.status).toBe(400);
    const wellFormed = await exchange('aaaaaaaaaa.bbbbbbbbbb.cccccccccc');
    expect(wellFormed.status).toBe(401);
    expect(wellFormed.body).toEqual(RESULT_INVALID);
    const noKey = await api.request({ method: 'POST', url: '/v1/sessions', body: { result: 'x' } });
    expect(noKey.status).toBe(401);
    expect(noKey.body.code).toBe('unauthorised');
  });

  it('answers a missing, malformed, unknown or another organisation’s token the same way', async () => {
    const made = await session(await person());
    const answers = [
      await current(undefined),
      await current(''),
      await current('not-a-token'),
      await current(`${made.token}x`),
      await current(randomBytes(32).toString('base64url')),
      await current(made.token, other.key),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual(SESSION_EXPIRED);
    }
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    // without the organisation's key, not even the session is looked at
    const noKey = await current(made.token, '');
    expect(noKey.status).toBe(401);
    expect(noKey.body.code).toBe('unauthorised');
    // none of that harmed the session
    expect((await current(made.token)).status).toBe(200);
    for (const url of ['/v1/session', '/v1/session/sessions', `/v1/session/sessions/${made.sessionId}`]) {
      const foreign = await withSession(
        made.token,
        url === '/v1/session/sessions' ? 'GET' : 'DELETE',
        url,
        other.key,
      );
      expect(foreign.status).toBe(401);
      expect(foreign.body).toEqual(SESSION_EXPIRED);
    }
    expect((await current(made.token)).status).toBe(200);
  });

  it('lives through 29:59 idle and ends at 30:01 idle', async () => {
    const made = await session(await person());
    await idleFor(made.sessionId, '29 minutes 59 seconds');
    const alive = await current(made.token);
    expect(alive.status).toBe(200);
    // that request was activity: the idle limit starts again
    expect(Date.parse(alive.body.idleExpiresAt) - Date.now()).toBeGreaterThan(29 * MINUTE);

    await idleFor(made.sessionId, '30 minutes 1 second');
    const [before] = await sql(`SELECT last_seen_at FROM sessions WHERE id = $1`, [made.sessionId]);
    const dead = await current(made.token);
    expect(dead.status).toBe(401);
    expect(dead.body).toEqual(SESSION_EXPIRED);
    // refused without being touched, so it stays ended
    const [after] = await sql(`SELECT last_seen_at FROM sessions WHERE id = $1`, [made.sessionId]);
    expect(after.last_seen_at).toEqual(before.last_seen_at);
    expect((await current(made.token)).status).toBe(401);
  });

  it('ends 12 hours after the sign-in however active, and activity never moves that', async () => {
    const made = await session(await person());
    const first = await current(made.token);
    const second = await current(made.token);
    expect(second.body.expiresAt).toBe(first.body.expiresAt);
    expect(second.body.expiresAt).toBe(made.expiresAt);

    const ago = (interval: string) =>
      sql(
        `UPDATE sessions SET authenticated_at = authenticated_at - $2::interval, created_at = created_at - $2::interval,
                expires_at = expires_at - $2::interval, last_seen_at = now() WHERE id = $1`,
        [made.sessionId, interval],
      );
    await ago('11 hours 59 minutes 59 seconds');
    const late = await current(made.token);
    expect(late.status).toBe(200);
    // the idle limit never reaches past the absolute one
    expect(late.body.idleExpiresAt).toBe(late.body.expiresAt);

    await ago('2 seconds'); // 12 h + 1 s after the sign-in, used a moment ago
    const over = await current(made.token);
    expect(over.status).toBe(401);
    expect(over.body).toEqual(SESSION_EXPIRED);
  });

  it('holds elevated rights to 15 minutes idle', async () => {
    const origin = 'http://localhost:3000';
    const authenticator = createSoftAuthenticator({ origin, rpId: 'localhost' });
    const { account, username } = await staffMember(api, org.tenantId, {
      elevated: true,
      registrationDue: false,
    });
    const options = await registrationOptions({
      rpId: 'localhost',
      rpName: 'Verity',
      userId: account.id,
      userName: account.username,
      userDisplayName: account.displayName,
      excludeCredentialIds: [],
      attestation: 'none',
    });
    const details = await verifyRegistration({
      response: authenticator.register(options),
      expectedChallenge: options.challenge,
      expectedOrigin: origin,
      rpId: 'localhost',
    });
    const method = await api.app
      .get(Tenancy)
      .run(org.tenantId, (scope) =>
        saveMethod(scope, api.app.get(TenantCipher), { accountId: account.id, details, isDefault: true }),
      );
    const started = await api.request({
      method: 'POST',
      url: '/v1/sign-in',
      key: org.key,
      body: { username, password: PASSWORD },
    });
    const asked = await api.request({
      method: 'POST',
      url: `/v1/sign-in/${started.body.flowId}/challenges`,
      key: org.key,
      body: { methodId: method.id },
    });
    const done = await api.request({
      method: 'POST',
      url: `/v1/sign-in/${started.body.flowId}/challenges/${asked.body.challengeId}/verify`,
      key: org.key,
      body: { assertion: authenticator.authenticate(asked.body.publicKey) },
    });
    expect(done.status).toBe(200);

    const made = await exchange(done.body.result);
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ acr: 'aal2', amr: ['pwd', 'hwk', 'mfa'] });
    expect(Date.parse(made.body.idleExpiresAt) - Date.parse(made.body.createdAt)).toBe(15 * MINUTE);
    expect(Date.parse(made.body.expiresAt) - Date.parse(made.body.authenticatedAt)).toBe(12 * HOUR);

    await idleFor(made.body.sessionId, '14 minutes 59 seconds');
    expect((await current(made.body.token)).status).toBe(200);
    await idleFor(made.body.sessionId, '15 minutes 1 second');
    const over = await current(made.body.token);
    expect(over.status).toBe(401);
    expect(over.body).toEqual(SESSION_EXPIRED);
  });

  it('signs out: the token is refused afterwards, and the result cannot make another', async () => {
    const who = await person();
    const { result } = await signIn(who);
    const made = (await exchange(result)).body;
    const out = await withSession(made.token, 'DELETE');
    expect(out.status).toBe(204);
    expect(out.text).toBe('');
    const replay = await current(made.token);
    expect(replay.status).toBe(401);
    expect(replay.body).toEqual(SESSION_EXPIRED);
    expect((await withSession(made.token, 'DELETE')).body).toEqual(SESSION_EXPIRED);
    expect((await exchange(result)).body).toEqual(RESULT_USED);
    const [row] = await sql(`SELECT revoked_at, revoked_reason FROM sessions WHERE id = $1`, [
      made.sessionId,
    ]);
    expect(row).toEqual({ revoked_at: expect.any(Date), revoked_reason: 'signed_out' });
    expect(await auditOf('session.signed_out', who.account.id)).toEqual([
      expect.objectContaining({
        actor_type: 'user',
        outcome: 'success',
        details: { sessionId: made.sessionId },
      }),
    ]);
  });

  it('gives a new token at every sign-in, remembered or not', async () => {
    const who = await person();
    const first = await signIn(who, { rememberDevice: true });
    const second = await signInRemembered(who.username, first.rememberToken!);
    const one = (await exchange(first.result)).body;
    const two = (await exchange(second)).body;
    expect(two.token).not.toBe(one.token);
    expect(two.sessionId).not.toBe(one.sessionId);
    expect(two).toMatchObject({ acr: 'aal1', amr: ['pwd'] });
    expect((await current(one.token)).body.sessionId).toBe(one.sessionId);
    expect((await current(two.token)).body.sessionId).toBe(two.sessionId);
  });

  it('lists the person’s own live sessions and ends one of them, never another person’s', async () => {
    const alice = await person();
    const bob = await person();
    const first = await signIn(alice, { rememberDevice: true });
    const a1 = (await exchange(first.result, org.key, api, { ip: '81.2.69.161', userAgent: 'Edge' })).body;
    const a2 = (await exchange(await signInRemembered(alice.username, first.rememberToken!))).body;
    const ended = (await exchange(await signInRemembered(alice.username, first.rememberToken!))).body;
    await withSession(ended.token, 'DELETE');
    const b1 = await session(bob);

    const listed = await withSession(a1.token, 'GET', '/v1/session/sessions');
    expect(listed.status).toBe(200);
    expect(listed.body.sessions).toHaveLength(2);
    expect(listed.body.sessions).toEqual(
      expect.arrayContaining([
        {
          id: a1.sessionId,
          createdAt: a1.createdAt,
          lastSeenAt: expect.any(String),
          expiresAt: a1.expiresAt,
          idleExpiresAt: expect.any(String),
          acr: 'aal2',
          ip: '81.2.69.161',
          userAgent: 'Edge',
          current: true,
        },
        expect.objectContaining({ id: a2.sessionId, acr: 'aal1', current: false }),
      ]),
    );
    expect(listed.text).not.toContain(a1.token);
    expect(listed.text).not.toContain(a2.token);

    const bobs = await withSession(a1.token, 'DELETE', `/v1/session/sessions/${b1.sessionId}`);
    const nobodys = await withSession(a1.token, 'DELETE', `/v1/session/sessions/${randomUUID()}`);
    const endedAlready = await withSession(a1.token, 'DELETE', `/v1/session/sessions/${ended.sessionId}`);
    for (const refused of [bobs, nobodys, endedAlready]) {
      expect(refused.status).toBe(404);
      expect(refused.body).toEqual(SESSION_NOT_FOUND);
    }
    expect((await current(b1.token)).status).toBe(200);
    const bad = await withSession(a1.token, 'DELETE', '/v1/session/sessions/not-an-id');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation-failed');

    const revoked = await withSession(a1.token, 'DELETE', `/v1/session/sessions/${a2.sessionId}`);
    expect(revoked.status).toBe(204);
    expect((await current(a2.token)).body).toEqual(SESSION_EXPIRED);
    const after = await withSession(a1.token, 'GET', '/v1/session/sessions');
    expect(after.body.sessions.map((s: { id: string }) => s.id)).toEqual([a1.sessionId]);
    expect(await auditOf('session.revoked', alice.account.id)).toEqual([
      expect.objectContaining({ outcome: 'success', details: { sessionId: a2.sessionId, current: false } }),
    ]);
  });

  it('lets an administrator end every session of an account, and only in their own organisation', async () => {
    const who = await person();
    const first = await signIn(who, { rememberDevice: true });
    const one = (await exchange(first.result)).body;
    const two = (await exchange(await signInRemembered(who.username, first.rememberToken!))).body;
    const bystander = await session(await person());

    const foreign = await api.request({
      method: 'DELETE',
      url: `/v1/accounts/${who.account.id}/sessions`,
      key: other.key,
    });
    const missing = await api.request({
      method: 'DELETE',
      url: `/v1/accounts/${randomUUID()}/sessions`,
      key: other.key,
    });
    expect(foreign.status).toBe(404);
    expect(foreign.text).toBe(missing.text);
    expect((await current(one.token)).status).toBe(200);

    const revoked = await api.request({
      method: 'DELETE',
      url: `/v1/accounts/${who.account.id}/sessions`,
      key: org.key,
    });
    expect(revoked.status).toBe(204);
    expect((await current(one.token)).body).toEqual(SESSION_EXPIRED);
    expect((await current(two.token)).body).toEqual(SESSION_EXPIRED);
    expect((await current(bystander.token)).status).toBe(200);
    expect(await auditOf('sessions.revoked', who.account.id)).toEqual([
      {
        actor_type: 'admin',
        actor_id: expect.stringMatching(/^api-key:/),
        outcome: 'success',
        details: { sessionsRevoked: 2 },
      },
    ]);
  });

  it('ends every session of a disabled account at once and stops its sign-in; enabling it revives none', async () => {
    const who = await person();
    const first = await signIn(who, { rememberDevice: true });
    const one = (await exchange(first.result)).body;
    const two = (await exchange(await signInRemembered(who.username, first.rememberToken!))).body;
    const unspent = await signInRemembered(who.username, first.rememberToken!);

    const foreign = await api.request({
      method: 'POST',
      url: `/v1/accounts/${who.account.id}/disable`,
      key: other.key,
    });
    expect(foreign.status).toBe(404);
    expect((await current(one.token)).status).toBe(200);

    const disabledAt = Date.now();
    const disabled = await api.request({
      method: 'POST',
      url: `/v1/accounts/${who.account.id}/disable`,
      key: org.key,
    });
    expect(disabled.status).toBe(204);
    const [a, b] = await Promise.all([current(one.token), current(two.token)]);
    expect(Date.now() - disabledAt).toBeLessThan(1000);
    expect(a.body).toEqual(SESSION_EXPIRED);
    expect(b.body).toEqual(SESSION_EXPIRED);
    // a result made before the account was disabled is no longer good for a session
    expect((await exchange(unspent)).body).toEqual(RESULT_INVALID);
    const signInNow = await api.request({
      method: 'POST',
      url: '/v1/sign-in',
      key: org.key,
      body: { username: who.username, password: PASSWORD },
    });
    expect(signInNow.status).toBe(401);
    const account = await api.request({ method: 'GET', url: `/v1/accounts/${who.account.id}`, key: org.key });
    expect(account.body.status).toBe('disabled');
    const [row] = await sql(`SELECT revoked_reason FROM sessions WHERE id = $1`, [one.sessionId]);
    expect(row.revoked_reason).toBe('account_disabled');
    expect(await auditOf('account.disabled', who.account.id)).toEqual([
      expect.objectContaining({
        actor_type: 'admin',
        outcome: 'success',
        details: { changed: true, sessionsRevoked: 2 },
      }),
    ]);

    const enabled = await api.request({
      method: 'POST',
      url: `/v1/accounts/${who.account.id}/enable`,
      key: org.key,
    });
    expect(enabled.status).toBe(204);
    expect((await current(one.token)).body).toEqual(SESSION_EXPIRED);
    expect((await current(two.token)).body).toEqual(SESSION_EXPIRED);
    const again = await exchange(await signInRemembered(who.username, first.rememberToken!));
    expect(again.status).toBe(201);
    expect((await current(again.body.token)).status).toBe(200);
    expect(await auditOf('account.enabled', who.account.id)).toEqual([
      expect.objectContaining({ actor_type: 'admin', details: { changed: true } }),
    ]);
    const unknown = await api.request({
      method: 'POST',
      url: `/v1/accounts/${randomUUID()}/enable`,
      key: org.key,
    });
    expect(unknown.status).toBe(404);
  });

  it('accepts results signed with the previous signing key after a rotation, and publishes both keys', async () => {
    const who = await person();
    const before = await signIn(who, { rememberDevice: true });
    const oldKid = (await api.request({ method: 'GET', url: '/.well-known/jwks.json' })).body.keys[0].kid;
    expect(decodeProtectedHeader(before.result).kid).toBe(oldKid);

    const newKey = ecPem();
    const unrelated = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    const withoutPrevious = await startApi({ SIGNING_KEY: newKey });
    const rotated = await startApi({
      SIGNING_KEY: newKey,
      SIGNING_KEY_PREVIOUS: `${signingKey}\n${unrelated}`,
    });
    try {
      const jwks = (await rotated.request({ method: 'GET', url: '/.well-known/jwks.json' })).body;
      expect(jwks.keys).toHaveLength(3);
      const [newKid, ...previousKids] = jwks.keys.map((k: { kid: string }) => k.kid);
      expect(previousKids[0]).toBe(oldKid);
      expect(new Set([newKid, ...previousKids]).size).toBe(3);
      for (const key of jwks.keys) expect(key).not.toHaveProperty('d');
      expect(
        (await withoutPrevious.request({ method: 'GET', url: '/.well-known/jwks.json' })).body.keys,
      ).toEqual([jwks.keys[0]]);

      // without the previous key the old result is refused; with it, accepted
      expect((await exchange(before.result, org.key, withoutPrevious)).body).toEqual(RESULT_INVALID);
      const accepted = await exchange(before.result, org.key, rotated);
      expect(accepted.status).toBe(201);
      expect((await current(accepted.body.token)).status).toBe(200);

      // new results are signed with the new key only
      const res = await rotated.request({
        method: 'POST',
        url: '/v1/sign-in',
        key: org.key,
        body: { username: who.username, password: PASSWORD, rememberToken: before.rememberToken },
      });
      expect(decodeProtectedHeader(res.body.result).kid).toBe(newKid);
      await jwtVerify(res.body.result, createLocalJWKSet(jwks), { audience: org.tenantId });
      expect((await exchange(res.body.result)).body).toEqual(RESULT_INVALID); // the old deployment never knew it
      expect((await exchange(res.body.result, org.key, rotated)).status).toBe(201);
    } finally {
      await withoutPrevious.close();
      await rotated.close();
    }
  });

  it('never writes a session token or a result to the log', () => {
    const text = logs.join('');
    expect(text).toContain('"url":"/v1/session"');
    expect(secrets.length).toBeGreaterThan(50);
    expect(secrets.filter((secret) => text.includes(secret))).toEqual([]);
    expect(text).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\./);
  });
});
