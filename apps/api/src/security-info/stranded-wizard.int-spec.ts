import { Tenancy } from '@verity/db';
import { onboard, startApi, type TestApi } from '../test/api.js';
import { policySavedBefore } from '../test/policy.js';
import { readQr } from '../test/qr.js';
import { PASSWORD, activateApp, codeIn, messageOf, staffMember } from '../test/sign-in.js';

/**
 * Issue 17: an administrator (elevated rights) registered the app and was then stuck on "Method 2 of 2" with
 * "None of the methods your organisation allows can complete your security info", still registration-required.
 * Elevated rights now set up a phone for password reset; and a wizard that cannot be finished lets the person go
 * on when they can sign in.
 */
/** A shared machine can be slow: a whole journey may take longer than jest's 5 seconds. */
const SLOW = 60_000;

describe('nobody is stranded in "Keep your account secure"', () => {
  let api: TestApi;
  let org: Awaited<ReturnType<typeof onboard>>;

  beforeAll(async () => {
    api = await startApi();
    org = await onboard(api, 'stranded');
  }, SLOW);
  afterAll(() => api.close(), SLOW);

  const call = (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, key = org.key) =>
    api.request({ method, url, key, ...(body !== undefined ? { body } : {}) });
  const signIn = (username: string, key = org.key) =>
    call('POST', '/v1/sign-in', { username, password: PASSWORD, client: { ip: '81.2.69.160' } }, key);
  const wizard = (flowId: string) => `/v1/sign-in/${flowId}/registration`;
  const sql = (tenantId: string, query: string, params: unknown[] = []) =>
    api.app.get(Tenancy).run(tenantId, (scope) => scope.manager.query(query, params));

  /** "Method 1 of 2": the app from the QR link, counted once its test notification is approved. */
  async function registerApp(flowId: string, key = org.key) {
    const app = await call('POST', `${wizard(flowId)}/methods`, { type: 'authenticator_push' }, key);
    expect(app.status).toBe(201);
    const { device, base, deviceId } = await activateApp(api, readQr(app.body.activation.qr.png)!);
    const test = await call(
      'POST',
      `${wizard(flowId)}/enrolments/${app.body.enrolmentId}/resend`,
      undefined,
      key,
    );
    expect(test.status).toBe(201);
    const pending = await api.request({
      method: 'GET',
      url: `${base}/challenges`,
      headers: { 'device-proof': await device.proof(deviceId, { act: 'list' }) },
    });
    const challengeId = pending.body.challenges[0].challengeId as string;
    const approved = await api.request({
      method: 'POST',
      url: `${base}/challenges/${challengeId}/answer`,
      headers: {
        'device-proof': await device.proof(deviceId, {
          act: 'answer',
          challengeId,
          decision: 'approve',
          number: test.body.number,
        }),
      },
    });
    expect(approved.body.outcome).toBe('approved');
    const done = await call('POST', `${wizard(flowId)}/enrolments/${app.body.enrolmentId}/verify`, {}, key);
    expect(done.status).toBe(200);
    return done.body.wizard;
  }

  it(
    'an elevated-rights person registers the app, then a phone for password reset, finishes, and is not asked again',
    async () => {
      const { username, account } = await staffMember(api, org.tenantId, { elevated: true });
      const started = await signIn(username);
      expect(started.body.state).toBe('registration_required');
      const flowId = started.body.flowId as string;
      expect((await call('GET', wizard(flowId))).body).toMatchObject({
        outcome: 'required',
        step: { method: 1, of: 2 },
        offerFirst: 'authenticator_push',
      });

      // Method 2 of 2: the app cannot be the second device; a phone or email can, for password reset only
      const second = await registerApp(flowId);
      expect(second).toMatchObject({ outcome: 'required', step: { method: 2, of: 2 }, signInReady: true });
      const offered = [second.offerFirst, ...second.otherChoices];
      expect(offered).toEqual(expect.arrayContaining(['mobile_call', 'mobile_text', 'email']));
      expect(offered).not.toContain('security_key');

      const phone = await call('POST', `${wizard(flowId)}/methods`, {
        type: 'mobile_text',
        phone: '07400 123456',
      });
      expect(phone.status).toBe(201);
      expect(phone.body.notices.map((n: { code: string }) => n.code)).toEqual(['ELEVATED_RESET_ONLY']);
      const challenge: { id: string }[] = await sql(
        org.tenantId,
        `SELECT data->>'challengeId' AS id FROM flows WHERE id = $1`,
        [phone.body.enrolmentId],
      );
      const { content } = await messageOf(api, org.tenantId, challenge[0]!.id);
      const proved = await call('POST', `${wizard(flowId)}/enrolments/${phone.body.enrolmentId}/verify`, {
        code: codeIn(content.body),
      });
      expect(proved.status).toBe(200);
      expect(proved.body.wizard).toMatchObject({
        outcome: 'complete',
        defaultMethod: { type: 'authenticator_push' },
      });

      const done = await call('POST', `${wizard(flowId)}/done`);
      expect(done.status).toBe(200);
      const claims = JSON.parse(Buffer.from(done.body.result.split('.')[1], 'base64url').toString());
      expect(claims.acr).toBe('aal2');
      const [{ registration_state }] = await sql(
        org.tenantId,
        'SELECT registration_state FROM accounts WHERE id = $1',
        [account.id],
      );
      expect(registration_state).toBe('complete');

      // the next sign-in asks for the app only: the text is for password reset
      const next = await signIn(username);
      expect(next.body.state).toBe('mfa_required');
      expect(next.body.methods.map((m: { type: string }) => m.type)).toEqual(['authenticator_push']);
    },
    SLOW,
  );

  it(
    'refuses to save a policy that would strand a kind of person, with the reason',
    async () => {
      const current = await call('GET', '/v1/organisation/policy');
      const saved = await call('PUT', '/v1/organisation/policy', {
        expectedVersion: current.body.version,
        policy: {
          ...current.body.policy,
          allowedMethods: ['authenticator_push', 'authenticator_code'],
          sspr: {
            ...current.body.policy.sspr,
            eligibleMethods: ['authenticator_push', 'authenticator_code'],
          },
        },
      });
      expect(saved.status).toBe(422);
      expect(saved.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.stringify(saved.body)).toContain('UNSAFE_REGISTRATION_IMPOSSIBLE');
    },
    SLOW,
  );

  it(
    'under a policy saved before that rule, says so, lets a person who can sign in continue, and does not ask again',
    async () => {
      const old = await onboard(api, 'stranded-old');
      // as saved before the rule: the app is the only device, and password reset wants two
      await policySavedBefore(api, old.tenantId, {
        allowedMethods: ['authenticator_push', 'authenticator_code'],
        sspr: {
          enabled: true,
          methodsToRegister: 2,
          methodsToReset: 2,
          eligibleMethods: ['authenticator_push'],
        },
      });
      const { username } = await staffMember(api, old.tenantId);
      const started = await signIn(username, old.key);
      expect(started.body.state).toBe('registration_required');
      const flowId = started.body.flowId as string;

      const stuck = await registerApp(flowId, old.key);
      expect(stuck).toMatchObject({
        outcome: 'blocked',
        signInReady: true,
        offerFirst: null,
        otherChoices: [],
      });
      expect(stuck.reasons.map((r: { code: string }) => r.code)).toEqual([
        'REGISTRATION_NOTHING_TO_OFFER',
        'REGISTRATION_SIGN_IN_READY',
      ]);

      const done = await call('POST', `${wizard(flowId)}/done`, undefined, old.key);
      expect(done.status).toBe(200);
      expect(done.body.state).toBe('complete');
      const claims = JSON.parse(Buffer.from(done.body.result.split('.')[1], 'base64url').toString());
      expect(claims.acr).toBe('aal2');

      const next = await signIn(username, old.key);
      expect(next.body.state).toBe('mfa_required');
    },
    SLOW,
  );
});
