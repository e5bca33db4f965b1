import { Tenancy, methods as methodRows } from '@verity/db';
import { TenantCipher } from '@verity/secrets';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { generateSecret, generateSync } from 'otplib';
import { createSoftAuthenticator } from '@verity/testing';
import { registrationOptions, verifyRegistration } from '../factors/security-key.js';
import { onboard, startApi, type TestApi } from '../test/api.js';
import { saveMethod } from '../methods/method-details.js';
import { PASSWORD, codeIn, messageOf, staffMember } from '../test/sign-in.js';

describe('sign-in with a password and a second factor', () => {
  let api: TestApi;
  let org: Awaited<ReturnType<typeof onboard>>;

  beforeAll(async () => {
    api = await startApi();
    org = await onboard(api, 'signin');
  });
  afterAll(() => api.close());

  const start = (username: string, password = PASSWORD, extra: Record<string, unknown> = {}) =>
    api.request({ method: 'POST', url: '/v1/sign-in', key: org.key, body: { username, password, ...extra } });
  const challenge = (flowId: string, methodId: string) =>
    api.request({
      method: 'POST',
      url: `/v1/sign-in/${flowId}/challenges`,
      key: org.key,
      body: { methodId },
    });
  const verify = (flowId: string, challengeId: string, code: string, extra: Record<string, unknown> = {}) =>
    api.request({
      method: 'POST',
      url: `/v1/sign-in/${flowId}/challenges/${challengeId}/verify`,
      key: org.key,
      body: { code, ...extra },
    });

  async function verifiedResult(token: string) {
    const jwks = (await api.request({ method: 'GET', url: '/.well-known/jwks.json' })).body;
    return (await jwtVerify(token, createLocalJWKSet(jwks), { audience: org.tenantId })).payload;
  }

  it('answers an unknown user, a wrong password and a disabled account the same way', async () => {
    const { username } = await staffMember(api, org.tenantId, { methods: [] });
    const disabled = await staffMember(api, org.tenantId);
    await api.app
      .get(Tenancy)
      .run(org.tenantId, (scope) =>
        scope.manager.query(`UPDATE accounts SET status = 'disabled' WHERE id = $1`, [disabled.account.id]),
      );
    const answers = [
      await start(`nobody@example.nhs.uk`),
      await start(username, 'not the password at all'),
      await start(disabled.username),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.body.code).toBe('invalid-credentials');
    }
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
  });

  it('sends someone without methods to the registration wizard', async () => {
    const { username } = await staffMember(api, org.tenantId);
    const res = await start(username);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      state: 'registration_required',
      reasons: [{ code: 'NO_METHOD_REGISTERED' }],
    });
  });

  it('signs in with an authenticator code, and refuses the same code again', async () => {
    const secret = generateSecret();
    const { username, methods, account } = await staffMember(api, org.tenantId, {
      methods: [{ type: 'authenticator_code', secret }],
    });
    const started = await start(username, PASSWORD, { client: { ip: '81.2.69.160', app: 'ESR' } });
    expect(started.body).toMatchObject({
      state: 'mfa_required',
      defaultMethodId: methods[0]!.id,
      methods: [{ id: methods[0]!.id, type: 'authenticator_code' }],
    });
    const asked = await challenge(started.body.flowId, methods[0]!.id);
    expect(asked.status).toBe(201);
    const code = generateSync({ secret });
    const done = await verify(started.body.flowId, asked.body.challengeId, code);
    expect(done.status).toBe(200);
    expect(done.body.state).toBe('complete');
    const claims = await verifiedResult(done.body.result);
    expect(claims).toMatchObject({ sub: account.id, acr: 'aal2', amr: ['pwd', 'otp', 'mfa'] });

    // the same code in a new sign-in, inside its 30 seconds
    const again = await start(username);
    const askedAgain = await challenge(again.body.flowId, methods[0]!.id);
    const replay = await verify(again.body.flowId, askedAgain.body.challengeId, code);
    expect(replay.status).toBe(409);
    expect(replay.body).toMatchObject({
      code: 'code-already-used',
      detail:
        'That code has already been used. Wait for the next code in your authenticator app and enter it.',
    });
    // not a wrong code: nothing counted, and the request is still open for the next code
    const [row] = await api.app
      .get(Tenancy)
      .run(org.tenantId, (scope) =>
        scope.manager.query(
          `SELECT m.failed_attempts, c.status FROM methods m, challenges c WHERE m.id = $1 AND c.id = $2`,
          [methods[0]!.id, askedAgain.body.challengeId],
        ),
      );
    expect(row).toEqual({ failed_attempts: 0, status: 'pending' });
    // and a step cannot be replayed: the finished flow is gone
    expect((await verify(started.body.flowId, asked.body.challengeId, code)).status).toBe(404);
  });

  it('accepts one of 50 parallel submissions of one valid code, for TOTP and for a text', async () => {
    const secret = generateSecret();
    const { username, methods } = await staffMember(api, org.tenantId, {
      methods: [
        { type: 'authenticator_code', secret },
        { type: 'mobile_text', phone: '+447700900321' },
      ],
    });
    const totpFlow = (await start(username)).body.flowId;
    const totpChallenge = (await challenge(totpFlow, methods[0]!.id)).body.challengeId;
    const code = generateSync({ secret });
    const totp = await Promise.all(Array.from({ length: 50 }, () => verify(totpFlow, totpChallenge, code)));
    expect(totp.filter((r) => r.status === 200)).toHaveLength(1);
    expect(totp.some((r) => r.status >= 500)).toBe(false);

    const smsFlow = (await start(username)).body.flowId;
    const sms = await challenge(smsFlow, methods[1]!.id);
    expect(sms.body).toMatchObject({ type: 'mobile_text', sentTo: expect.stringMatching(/^\+44 •+21$/) });
    const { content } = await messageOf(api, org.tenantId, sms.body.challengeId);
    const texted = codeIn(content.body);
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => verify(smsFlow, sms.body.challengeId, texted)),
    );
    expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
    expect(answers.some((r) => r.status >= 500)).toBe(false);
  });

  it('kills the old code when a new one is sent, and not sooner than the cool-down', async () => {
    const { username, methods } = await staffMember(api, org.tenantId, {
      methods: [{ type: 'mobile_text', phone: '+447700900322' }],
    });
    const flowId = (await start(username)).body.flowId;
    const first = await challenge(flowId, methods[0]!.id);
    const tooSoon = await challenge(flowId, methods[0]!.id);
    expect(tooSoon.status).toBe(429);
    expect(tooSoon.headers['retry-after']).toBeDefined();
    await api.app
      .get(Tenancy)
      .run(org.tenantId, (scope) =>
        scope.manager.query(`UPDATE challenges SET created_at = now() - interval '1 minute' WHERE id = $1`, [
          first.body.challengeId,
        ]),
      );
    const second = await challenge(flowId, methods[0]!.id);
    expect(second.status).toBe(201);
    const [killed] = await api.app
      .get(Tenancy)
      .run(org.tenantId, (scope) =>
        scope.manager.query(`SELECT status FROM challenges WHERE id = $1`, [first.body.challengeId]),
      );
    expect(killed).toEqual({ status: 'expired' });
    const oldCode = codeIn((await messageOf(api, org.tenantId, first.body.challengeId)).content.body);
    expect((await verify(flowId, first.body.challengeId, oldCode)).status).toBe(409);
    const newCode = codeIn((await messageOf(api, org.tenantId, second.body.challengeId)).content.body);
    expect((await verify(flowId, second.body.challengeId, newCode)).status).toBe(200);
  });

  it('locks the factor after 10 wrong codes, refuses the right one the same way, and keeps the lock over a restart', async () => {
    const secret = generateSecret();
    const { username, methods } = await staffMember(api, org.tenantId, {
      methods: [{ type: 'authenticator_code', secret }],
    });
    const statuses: number[] = [];
    let flowId = '';
    let challengeId = '';
    for (let i = 0; i < 10; i++) {
      if (i % 5 === 0) {
        flowId = (await start(username)).body.flowId;
        challengeId = (await challenge(flowId, methods[0]!.id)).body.challengeId;
      }
      const wrong = String((Number(generateSync({ secret })) + 1) % 1_000_000).padStart(6, '0');
      statuses.push((await verify(flowId, challengeId, wrong)).status);
    }
    expect(statuses.slice(0, 9).every((s) => s === 400)).toBe(true);
    expect(statuses[9]).toBe(423);

    await api.close();
    api = await startApi();
    const after = await start(username);
    const refused = await challenge(after.body.flowId, methods[0]!.id);
    expect(refused.status).toBe(423);
    expect(refused.body).toMatchObject({ code: 'factor-locked', reasons: [{ code: 'LOCKED_OUT' }] });
    const row = await api.app
      .get(Tenancy)
      .run(org.tenantId, (scope) => methodRows.findOfAccount(scope, methods[0]!.accountId, methods[0]!.id));
    expect(row?.failedAttempts).toBe(10);

    // the right code is refused the same way while locked
    const other = await start(username);
    await api.app
      .get(Tenancy)
      .run(org.tenantId, (scope) =>
        scope.manager.query(`UPDATE methods SET locked_until = now() + interval '1 hour' WHERE id = $1`, [
          methods[0]!.id,
        ]),
      );
    expect((await challenge(other.body.flowId, methods[0]!.id)).status).toBe(423);

    // until an administrator unlocks it
    const unlocked = await api.request({
      method: 'POST',
      url: `/v1/accounts/${methods[0]!.accountId}/methods/${methods[0]!.id}/unlock`,
      key: org.key,
    });
    expect(unlocked.status).toBe(204);
    const asked = await challenge(other.body.flowId, methods[0]!.id);
    expect((await verify(other.body.flowId, asked.body.challengeId, generateSync({ secret }))).status).toBe(
      200,
    );
  });

  it('tells the person through another channel once when the second factor fails after a right password', async () => {
    const secret = generateSecret();
    const { username, methods, account } = await staffMember(api, org.tenantId, {
      methods: [{ type: 'authenticator_code', secret }],
      contactEmail: 'sam.personal@example.com',
    });
    const flowId = (await start(username, PASSWORD, { client: { ip: '81.2.69.160' } })).body.flowId;
    const challengeId = (await challenge(flowId, methods[0]!.id)).body.challengeId;
    await verify(flowId, challengeId, '000000');
    await verify(flowId, challengeId, '000001');
    const notices = await api.app
      .get(Tenancy)
      .run(org.tenantId, (scope) =>
        scope.manager.query(`SELECT id FROM deliveries WHERE idempotency_key LIKE $1`, [
          `notice:failed-mfa:${account.id}:%`,
        ]),
      );
    expect(notices).toHaveLength(1);
  });

  it('offers an account with elevated rights only push and security keys, saying why not the others', async () => {
    const { username } = await staffMember(api, org.tenantId, {
      elevated: true,
      methods: [{ type: 'mobile_text', phone: '+447700900323' }],
    });
    const res = await start(username);
    expect(res.body.state).toBe('blocked');
    expect(res.body.unavailable[0]).toMatchObject({ type: 'mobile_text' });
    expect(res.body.reasons[0].code).toBe('ELEVATED_NO_ALLOWED_METHOD');
  });

  it('remembers the device for the policy’s days when asked, and not for elevated rights', async () => {
    const secret = generateSecret();
    const { username, methods } = await staffMember(api, org.tenantId, {
      methods: [{ type: 'authenticator_code', secret }],
    });
    const started = await start(username);
    expect(started.body.rememberDevice).toEqual({ days: 30 });
    const flowId = started.body.flowId;
    const challengeId = (await challenge(flowId, methods[0]!.id)).body.challengeId;
    const done = await verify(flowId, challengeId, generateSync({ secret }), { rememberDevice: true });
    expect(done.body.rememberToken).toMatch(/^[\w-]{43}$/);
    const next = await start(username, PASSWORD, { rememberToken: done.body.rememberToken });
    expect(next.body).toMatchObject({ state: 'complete', reasons: [{ code: 'REMEMBERED_DEVICE' }] });
    expect((await verifiedResult(next.body.result)).acr).toBe('aal1');
    const stranger = await staffMember(api, org.tenantId, {
      methods: [{ type: 'authenticator_code', secret }],
    });
    const other = await start(stranger.username, PASSWORD, { rememberToken: done.body.rememberToken });
    expect(other.body.state).toBe('mfa_required');
  });

  it('refuses a flow id from another organisation like one that does not exist', async () => {
    const other = await onboard(api, 'signin-other');
    const secret = generateSecret();
    const { username, methods } = await staffMember(api, org.tenantId, {
      methods: [{ type: 'authenticator_code', secret }],
    });
    const flowId = (await start(username)).body.flowId;
    const foreign = await api.request({
      method: 'POST',
      url: `/v1/sign-in/${flowId}/challenges`,
      key: other.key,
      body: { methodId: methods[0]!.id },
    });
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('flow-not-found');
  });

  it('signs in with a security key, and refuses an assertion replayed into another sign-in', async () => {
    const origin = 'http://localhost:3000';
    const authenticator = createSoftAuthenticator({ origin, rpId: 'localhost' });
    const { account } = await staffMember(api, org.tenantId, { registrationDue: false });
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

    const flowId = (await start(account.username)).body.flowId;
    const asked = await challenge(flowId, method.id);
    expect(asked.body.publicKey.allowCredentials).toEqual([
      expect.objectContaining({ id: details.credentialId }),
    ]);
    const assertion = authenticator.authenticate(asked.body.publicKey);
    const done = await api.request({
      method: 'POST',
      url: `/v1/sign-in/${flowId}/challenges/${asked.body.challengeId}/verify`,
      key: org.key,
      body: { assertion },
    });
    expect(done.status).toBe(200);
    expect((await verifiedResult(done.body.result)).amr).toEqual(['pwd', 'hwk', 'mfa']);

    const again = (await start(account.username)).body.flowId;
    const askedAgain = await challenge(again, method.id);
    const replayed = await api.request({
      method: 'POST',
      url: `/v1/sign-in/${again}/challenges/${askedAgain.body.challengeId}/verify`,
      key: org.key,
      body: { assertion },
    });
    expect(replayed.status).toBe(400);
  });

  it('names each bad field and changes nothing', async () => {
    const res = await api.request({
      method: 'POST',
      url: '/v1/sign-in',
      key: org.key,
      body: { username: '', password: 'x', client: { ip: 'not-an-ip' }, extra: 1 },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(
      ['client.ip', 'extra', 'username'].sort(),
    );
  });
});
