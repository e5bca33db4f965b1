import { Tenancy } from '@verity/db';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { generateSync } from 'otplib';
import { onboard, startApi, type TestApi } from '../test/api.js';
import { PASSWORD, appOf, staffMember, testDevice } from '../test/sign-in.js';

describe('sign-in with the authenticator app: push with number matching', () => {
  let api: TestApi;
  let org: Awaited<ReturnType<typeof onboard>>;

  beforeAll(async () => {
    api = await startApi();
    org = await onboard(api, 'push');
  });
  afterAll(() => api.close());

  const start = (username: string) =>
    api.request({
      method: 'POST',
      url: '/v1/sign-in',
      key: org.key,
      body: { username, password: PASSWORD, client: { ip: '81.2.69.160', app: 'NHSmail' } },
    });
  const challenge = (flowId: string, methodId: string) =>
    api.request({
      method: 'POST',
      url: `/v1/sign-in/${flowId}/challenges`,
      key: org.key,
      body: { methodId },
    });
  const status = (flowId: string) =>
    api.request({ method: 'GET', url: `/v1/sign-in/${flowId}`, key: org.key });

  /** A member of staff whose authenticator app has been activated from the registration QR link. */
  async function withApp() {
    const { account, username } = await staffMember(api, org.tenantId, { registrationDue: false });
    const { device, base, deviceId, activated } = await appOf(api, org.key, account.id);
    const signIn = await start(username);
    const pushMethod = signIn.body.methods.find((m: { type: string }) => m.type === 'authenticator_push');
    return { account, username, device, deviceId, base, activated, signIn, pushMethod };
  }

  const answer = async (
    app: Awaited<ReturnType<typeof withApp>>,
    challengeId: string,
    decision: 'approve' | 'deny' | 'fraud',
    number?: string,
  ) =>
    api.request({
      method: 'POST',
      url: `${app.base}/challenges/${challengeId}/answer`,
      headers: {
        'device-proof': await app.device.proof(app.deviceId, {
          act: 'answer',
          challengeId,
          decision,
          number,
        }),
      },
    });

  it('activates once from the QR link, giving push (the default) and codes on that device', async () => {
    const app = await withApp();
    expect(app.signIn.body.defaultMethodId).toBe(app.pushMethod.id);
    expect(app.signIn.body.methods.map((m: { type: string }) => m.type)).toEqual([
      'authenticator_push',
      'authenticator_code',
    ]);
    const again = await api.request({
      method: 'POST',
      url: `${app.base}/activate`,
      body: { activationCode: 'x'.repeat(24), publicKey: app.device.publicKey, platform: 'web' },
    });
    expect(again.status).toBe(400);
    // the app's own codes work for sign-in too
    const codeMethod = app.signIn.body.methods.find((m: { type: string }) => m.type === 'authenticator_code');
    const asked = await challenge(app.signIn.body.flowId, codeMethod.id);
    const done = await api.request({
      method: 'POST',
      url: `/v1/sign-in/${app.signIn.body.flowId}/challenges/${asked.body.challengeId}/verify`,
      key: org.key,
      body: { code: generateSync({ secret: app.activated.totp.secret }) },
    });
    expect(done.status).toBe(200);
  });

  it('forgets the app when it is removed from the phone: its notifications and codes are no longer offered', async () => {
    const app = await withApp();
    const removed = await api.request({
      method: 'DELETE',
      url: app.base,
      headers: { 'device-proof': await app.device.proof(app.deviceId, { act: 'deactivate' }) },
    });
    expect(removed.status).toBe(200);
    const listed = await api.request({
      method: 'GET',
      url: `/v1/accounts/${app.account.id}/methods`,
      key: org.key,
    });
    expect(listed.body.methods).toEqual([]);
  });

  it('takes one of 50 parallel approvals of one push, and completes the sign-in once', async () => {
    const app = await withApp();
    const push = await challenge(app.signIn.body.flowId, app.pushMethod.id);
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => answer(app, push.body.challengeId, 'approve', push.body.number)),
    );
    expect(answers.filter((r) => r.body?.outcome === 'approved')).toHaveLength(1);
    expect(answers.some((r) => r.status >= 500)).toBe(false);
    const done = await status(app.signIn.body.flowId);
    expect(done.body).toMatchObject({ state: 'complete', result: expect.any(String) });
    const again = await status(app.signIn.body.flowId);
    expect(again.status).toBe(404);
  });

  it('approves when the person types the number shown at sign-in, with the request signed by the device', async () => {
    const app = await withApp();
    const push = await challenge(app.signIn.body.flowId, app.pushMethod.id);
    expect(push.status).toBe(201);
    expect(push.body.number).toMatch(/^\d{2}$/);

    const pending = await api.request({
      method: 'GET',
      url: `${app.base}/challenges`,
      headers: { 'device-proof': await app.device.proof(app.deviceId, { act: 'list' }) },
    });
    expect(pending.status).toBe(200);
    expect(pending.body.challenges).toEqual([
      expect.objectContaining({
        challengeId: push.body.challengeId,
        app: 'NHSmail',
        location: expect.stringMatching(/United Kingdom$/),
        numberDigits: 2,
      }),
    ]);
    expect(pending.text).not.toContain(`"${push.body.number}"`);

    expect((await status(app.signIn.body.flowId)).body.state).toBe('mfa_required');
    const approved = await answer(app, push.body.challengeId, 'approve', push.body.number);
    expect(approved.body).toMatchObject({ outcome: 'approved' });
    const done = await status(app.signIn.body.flowId);
    expect(done.body.state).toBe('complete');
    const jwks = (await api.request({ method: 'GET', url: '/.well-known/jwks.json' })).body;
    const { payload } = await jwtVerify(done.body.result, createLocalJWKSet(jwks), {
      audience: org.tenantId,
    });
    expect(payload).toMatchObject({ sub: app.account.id, amr: ['pwd', 'swk', 'mfa'], acr: 'aal2' });
    expect((await status(app.signIn.body.flowId)).status).toBe(404);
  });

  it('voids the request when the number is wrong, and refuses an answer signed by another key', async () => {
    const app = await withApp();
    const push = await challenge(app.signIn.body.flowId, app.pushMethod.id);
    const stranger = await testDevice();
    const forged = await api.request({
      method: 'POST',
      url: `${app.base}/challenges/${push.body.challengeId}/answer`,
      headers: {
        'device-proof': await stranger.proof(app.deviceId, {
          act: 'answer',
          challengeId: push.body.challengeId,
          decision: 'approve',
          number: push.body.number,
        }),
      },
    });
    expect(forged.status).toBe(401);
    const wrong = String((Number(push.body.number) + 1) % 100).padStart(2, '0');
    expect((await answer(app, push.body.challengeId, 'approve', wrong)).body.outcome).toBe('wrong_number');
    expect((await answer(app, push.body.challengeId, 'approve', push.body.number)).status).toBe(410);
    const voided = (await status(app.signIn.body.flowId)).body;
    expect(voided).toMatchObject({ state: 'mfa_required', challenge: { status: 'denied' } });
    expect(voided.challenge.fraudReported).toBeUndefined();
  });

  it('allows one outstanding push, then steers the person to another method', async () => {
    const app = await withApp();
    expect((await challenge(app.signIn.body.flowId, app.pushMethod.id)).status).toBe(201);
    const second = await start(app.username);
    const refused = await challenge(second.body.flowId, app.pushMethod.id);
    expect(refused.status).toBe(429);
    expect(refused.body.reasons[0].code).toBe('PUSH_OUTSTANDING');
  });

  it('on a fraud report: denies, marks the account at risk, stops pushes, blocks sign-in and alerts administrators once', async () => {
    const app = await withApp();
    const push = await challenge(app.signIn.body.flowId, app.pushMethod.id);
    expect((await answer(app, push.body.challengeId, 'fraud')).body.outcome).toBe('fraud');
    expect((await status(app.signIn.body.flowId)).body.challenge).toMatchObject({
      status: 'denied',
      fraudReported: true,
    });

    const blocked = await start(app.username);
    expect(blocked.body).toMatchObject({ state: 'blocked', reasons: [{ code: 'FRAUD_REPORTED' }] });

    const tenancy = api.app.get(Tenancy);
    const [row] = await tenancy.run(org.tenantId, (scope) =>
      scope.manager.query(`SELECT at_risk_since FROM accounts WHERE id = $1`, [app.account.id]),
    );
    expect(row.at_risk_since).not.toBeNull();
    const alerts = await tenancy.run(org.tenantId, (scope) =>
      scope.manager.query(`SELECT id FROM deliveries WHERE idempotency_key LIKE $1`, [
        `notice:fraud:${app.account.id}:%`,
      ]),
    );
    expect(alerts).toHaveLength(1); // the organisation's one administrator
    const events = await api.request({ method: 'GET', url: '/v1/audit-events', key: org.key });
    expect(events.body.events.map((e: { action: string }) => e.action)).toContain('fraud.reported');

    // an administrator reviews it and clears the mark: sign-in and pushes work again
    const cleared = await api.request({
      method: 'POST',
      url: `/v1/accounts/${app.account.id}/risk/clear`,
      key: org.key,
    });
    expect(cleared.status).toBe(204);
    const again = await start(app.username);
    expect(again.body.state).toBe('mfa_required');
    expect((await challenge(again.body.flowId, app.pushMethod.id)).status).toBe(201);
  });

  it('refuses proofs that are old, for another action, or for another device', async () => {
    const app = await withApp();
    const list = (claims: Record<string, unknown>) =>
      app.device
        .proof(app.deviceId, claims)
        .then((proof) =>
          api.request({ method: 'GET', url: `${app.base}/challenges`, headers: { 'device-proof': proof } }),
        );
    expect((await list({ act: 'list', iat: Math.floor(Date.now() / 1000) - 600 })).status).toBe(401);
    expect((await list({ act: 'answer' })).status).toBe(401);
    expect((await list({ act: 'list', sub: '00000000-0000-4000-8000-000000000000' })).status).toBe(401);
    const missing = await api.request({ method: 'GET', url: `${app.base}/challenges` });
    expect(missing.status).toBe(400);
  });
});
