import { randomUUID } from 'node:crypto';
import { Tenancy } from '@verity/db';
import { TenantCipher } from '@verity/secrets';
import { generateSecret, generateSync } from 'otplib';
import { type MethodDetails, masked, saveMethod } from '../methods/method-details.js';
import { onboard, startApi, type TestApi } from '../test/api.js';
import { PASSWORD, appOf, staffMember, testDevice } from '../test/sign-in.js';

const PHONE = '+447700900123';
const OFFICE = '+442079460321';
const EMAIL = 'sam.staff.home@example.com';
const CLIENT = { ip: '81.2.69.160', userAgent: 'Mozilla/5.0 (admin tests)' };

describe('administrator actions on security info', () => {
  let api: TestApi;
  let org: Awaited<ReturnType<typeof onboard>>;
  let other: Awaited<ReturnType<typeof onboard>>;

  beforeAll(async () => {
    api = await startApi();
    org = await onboard(api, 'acct-methods');
    other = await onboard(api, 'acct-methods-other');
  });
  afterAll(() => api.close());

  const sql = (query: string, params: unknown[] = [], tenantId = org.tenantId) =>
    api.app.get(Tenancy).run(tenantId, (scope) => scope.manager.query(query, params));

  const auditOf = async (action: string, targetId: string, tenantId = org.tenantId) =>
    (await sql(
      `SELECT actor_type, actor_id, target_type, outcome, details FROM audit_events
        WHERE action = $1 AND target_id = $2 ORDER BY occurred_at`,
      [action, targetId],
      tenantId,
    )) as {
      actor_type: string;
      actor_id: string;
      target_type: string;
      outcome: string;
      details: Record<string, unknown>;
    }[];

  const listOf = (accountId: string, key = org.key) =>
    api.request({ method: 'GET', url: `/v1/accounts/${accountId}/methods`, key });
  const deleteMethod = (accountId: string, methodId: string, key = org.key) =>
    api.request({ method: 'DELETE', url: `/v1/accounts/${accountId}/methods/${methodId}`, key });
  const requireRegistration = (accountId: string, key = org.key) =>
    api.request({ method: 'POST', url: `/v1/accounts/${accountId}/require-registration`, key });
  const revokeAppPasswords = (accountId: string, key = org.key) =>
    api.request({ method: 'DELETE', url: `/v1/accounts/${accountId}/app-passwords`, key });

  const createAppPassword = async (accountId: string) => {
    const made = await api.request({
      method: 'POST',
      url: `/v1/accounts/${accountId}/app-passwords`,
      key: org.key,
      body: { name: 'Outlook 2013', scopes: ['imap'] },
    });
    expect(made.status).toBe(201);
    return made.body as { id: string; appPassword: string };
  };
  const legacy = (username: string, appPassword: string) =>
    api.request({
      method: 'POST',
      url: '/v1/legacy/verify',
      key: org.key,
      body: { username, appPassword, protocol: 'imap' },
    });

  const start = (username: string, rememberToken?: string) =>
    api.request({
      method: 'POST',
      url: '/v1/sign-in',
      key: org.key,
      body: { username, password: PASSWORD, client: CLIENT, ...(rememberToken ? { rememberToken } : {}) },
    });

  /** Password and an authenticator code, remembered, exchanged for a session. */
  async function signedIn(username: string, codeMethodId: string, secret: string) {
    const started = await start(username);
    expect(started.body.state).toBe('mfa_required');
    const asked = await api.request({
      method: 'POST',
      url: `/v1/sign-in/${started.body.flowId}/challenges`,
      key: org.key,
      body: { methodId: codeMethodId },
    });
    const done = await api.request({
      method: 'POST',
      url: `/v1/sign-in/${started.body.flowId}/challenges/${asked.body.challengeId}/verify`,
      key: org.key,
      body: { code: generateSync({ secret }), rememberDevice: true },
    });
    expect(done.status).toBe(200);
    expect(done.body.rememberToken).toEqual(expect.any(String));
    const session = await api.request({
      method: 'POST',
      url: '/v1/sessions',
      key: org.key,
      body: { result: done.body.result },
    });
    expect(session.status).toBe(201);
    return { token: session.body.token as string, rememberToken: done.body.rememberToken as string };
  }
  const currentSession = (token: string) =>
    api.request({ method: 'GET', url: '/v1/session', key: org.key, headers: { 'verity-session': token } });

  /** A member of staff whose authenticator app was activated from the registration QR link. */
  async function withApp(methods: MethodDetails[] = []) {
    const member = await staffMember(api, org.tenantId, { methods });
    const { device, base, deviceId, activated } = await appOf(api, org.key, member.account.id);
    const listed = (await listOf(member.account.id)).body.methods as { id: string; type: string }[];
    const idOf = (type: string) => listed.find((m) => m.type === type)!.id;
    return {
      ...member,
      device,
      deviceId,
      base,
      pushId: idOf('authenticator_push'),
      codeId: idOf('authenticator_code'),
      totpSecret: activated.totp.secret as string,
    };
  }

  it('lists the methods with masked numbers and addresses, lock state and registration, never a secret', async () => {
    const secret = generateSecret();
    const { account, methods } = await staffMember(api, org.tenantId, {
      methods: [
        { type: 'mobile_text', phone: PHONE },
        { type: 'authenticator_code', secret },
        { type: 'office_call', phone: OFFICE },
        { type: 'email', email: EMAIL },
      ],
    });
    const appPassword = await createAppPassword(account.id);
    const [text, code, office, email] = methods;
    await sql(
      `UPDATE methods SET failed_attempts = 10, locked_until = now() + interval '15 minutes' WHERE id = $1`,
      [code!.id],
    );
    await sql(
      `UPDATE methods SET failed_attempts = 3, locked_until = now() - interval '1 minute' WHERE id = $1`,
      [office!.id],
    );
    await sql(
      `UPDATE accounts SET registration_state = 'snoozed', snoozed_until = '2030-01-01T00:00:00Z' WHERE id = $1`,
      [account.id],
    );

    const listed = await listOf(account.id);
    expect(listed.status).toBe(200);
    expect(listed.headers['cache-control']).toBe('no-store');
    expect(listed.body).toEqual({
      methods: [
        expect.objectContaining({
          id: code!.id,
          type: 'authenticator_code',
          display: null,
          isDefault: false,
          locked: true,
          lockedUntil: expect.any(String),
          failedAttempts: 10,
        }),
        expect.objectContaining({
          id: office!.id,
          type: 'office_call',
          display: masked({ type: 'office_call', phone: OFFICE }),
          locked: false,
          lockedUntil: expect.any(String),
          failedAttempts: 3,
        }),
        {
          id: text!.id,
          type: 'mobile_text',
          label: null,
          display: masked({ type: 'mobile_text', phone: PHONE }),
          isDefault: true,
          createdAt: expect.any(String),
          lastUsedAt: null,
          locked: false,
          lockedUntil: null,
          failedAttempts: 0,
        },
        expect.objectContaining({ id: email!.id, type: 'email', display: 's•••@example.com' }),
        expect.objectContaining({
          id: appPassword.id,
          type: 'app_password',
          label: 'Outlook 2013',
          display: null,
        }),
      ],
      registrationState: 'snoozed',
      snoozedUntil: '2030-01-01T00:00:00.000Z',
    });
    expect(listed.body.methods[2].display).toBe('+44 •••••••23');
    for (const secretText of [
      PHONE,
      PHONE.slice(3),
      OFFICE,
      EMAIL,
      secret,
      appPassword.appPassword,
      appPassword.appPassword.replace(/ /g, ''),
    ])
      expect(listed.text).not.toContain(secretText);
    expect(listed.text).not.toMatch(/"(secret|hash|phone|email|detailsEnc|deviceRef|lastTimeStep)":/);
  });

  it('deletes a default method and makes the strongest remaining method that may be a default the default', async () => {
    const { account, methods } = await staffMember(api, org.tenantId, {
      methods: [
        { type: 'mobile_text', phone: PHONE },
        { type: 'email', email: EMAIL },
        { type: 'office_call', phone: OFFICE },
        { type: 'mobile_call', phone: PHONE },
        { type: 'authenticator_code', secret: generateSecret() },
      ],
    });
    const [text, email, office, call, code] = methods;
    // the wizard postponed (a snooze used) while some methods were missing
    await sql(
      `UPDATE accounts SET registration_state = 'snoozed', registration_snoozes = 1,
              snoozed_until = now() + interval '1 day' WHERE id = $1`,
      [account.id],
    );

    // not the default: the default stays where it is
    expect((await deleteMethod(account.id, call!.id)).status).toBe(204);
    let listed = (await listOf(account.id)).body.methods as { id: string; isDefault: boolean }[];
    expect(listed.map((m) => m.id)).toEqual([code!.id, office!.id, text!.id, email!.id]);
    expect(listed.filter((m) => m.isDefault).map((m) => m.id)).toEqual([text!.id]);

    // the default: the authenticator code (the strongest; email and office phone may never be defaults)
    const deleted = await deleteMethod(account.id, text!.id);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    listed = (await listOf(account.id)).body.methods;
    expect(listed.map((m) => m.id)).toEqual([code!.id, office!.id, email!.id]);
    expect(listed.filter((m) => m.isDefault).map((m) => m.id)).toEqual([code!.id]);

    // only methods that may not be defaults left: none is the default, and any one may still be deleted
    expect((await deleteMethod(account.id, code!.id)).status).toBe(204);
    listed = (await listOf(account.id)).body.methods;
    expect(listed.filter((m) => m.isDefault)).toEqual([]);
    expect((await deleteMethod(account.id, email!.id)).status).toBe(204);
    expect((await deleteMethod(account.id, office!.id)).status).toBe(204);
    expect((await listOf(account.id)).body).toEqual({
      methods: [],
      registrationState: 'required',
      snoozedUntil: null,
    });
    // the snooze is over (the count of snoozes used stays): the wizard at the next sign-in
    const [row] = await sql(`SELECT registration_snoozes FROM accounts WHERE id = $1`, [account.id]);
    expect(row.registration_snoozes).toBe(1);
    expect((await start(account.username)).body.state).toBe('registration_required');

    // a method already deleted is not found
    const again = await deleteMethod(account.id, text!.id);
    const unknown = await deleteMethod(account.id, randomUUID());
    expect(again.status).toBe(404);
    expect(again.text).toBe(unknown.text);

    const rows = await auditOf('method.deleted_by_admin', account.id);
    expect(rows).toHaveLength(5);
    expect(rows[1]).toEqual({
      actor_type: 'admin',
      actor_id: expect.stringMatching(/^api-key:/),
      target_type: 'account',
      outcome: 'success',
      details: {
        methodId: text!.id,
        type: 'mobile_text',
        methodsDeleted: 1,
        devicesDeactivated: 0,
        wasDefault: true,
        newDefaultMethodId: code!.id,
        registrationRequired: expect.any(Boolean),
      },
    });
    expect(rows[4]!.details.registrationRequired).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(PHONE.slice(3));
  });

  it('deletes an authenticator app’s push method with the same device’s code method, and deactivates the device', async () => {
    const app = await withApp();
    // a text and a third-party authenticator app's code stay
    const otherCode = await api.app.get(Tenancy).run(org.tenantId, (scope) =>
      saveMethod(scope, api.app.get(TenantCipher), {
        accountId: app.account.id,
        details: { type: 'mobile_text', phone: PHONE },
      }),
    );
    const thirdParty = await api.app.get(Tenancy).run(org.tenantId, (scope) =>
      saveMethod(scope, api.app.get(TenantCipher), {
        accountId: app.account.id,
        details: { type: 'authenticator_code', secret: generateSecret() },
      }),
    );
    const before = (await listOf(app.account.id)).body.methods as { id: string; isDefault: boolean }[];
    expect(before.find((m) => m.isDefault)?.id).toBe(app.pushId);

    expect((await deleteMethod(app.account.id, app.pushId)).status).toBe(204);

    const after = (await listOf(app.account.id)).body.methods as { id: string; isDefault: boolean }[];
    expect(after.map((m) => m.id)).toEqual([thirdParty.id, otherCode.id]);
    // the third-party app's code is stronger than a text
    expect(after.filter((m) => m.isDefault).map((m) => m.id)).toEqual([thirdParty.id]);
    const [device] = await sql(`SELECT status FROM authenticator_devices WHERE id = $1`, [app.deviceId]);
    expect(device.status).toBe('inactive');
    // the app's signed requests are refused from now on
    const pending = await api.request({
      method: 'GET',
      url: `${app.base}/challenges`,
      headers: { 'device-proof': await app.device.proof(app.deviceId, { act: 'list' }) },
    });
    expect(pending.status).toBe(401);
    // and the code method went with it
    expect((await deleteMethod(app.account.id, app.codeId)).status).toBe(404);

    const [row] = await auditOf('method.deleted_by_admin', app.account.id);
    expect(row!.details).toEqual({
      methodId: app.pushId,
      type: 'authenticator_push',
      methodsDeleted: 2,
      devicesDeactivated: 1,
      wasDefault: true,
      newDefaultMethodId: thirdParty.id,
      registrationRequired: expect.any(Boolean),
    });
    expect(JSON.stringify(row)).not.toContain(app.totpSecret);
  });

  it('requires registration again: MFA methods, devices, remembered devices and sessions all go, in one go', async () => {
    const secret = generateSecret();
    const { account, username, methods } = await staffMember(api, org.tenantId, {
      methods: [
        { type: 'authenticator_code', secret },
        { type: 'mobile_text', phone: PHONE },
      ],
    });
    const appPassword = await createAppPassword(account.id);
    const { token, rememberToken } = await signedIn(username, methods[0]!.id, secret);
    expect((await currentSession(token)).status).toBe(200);
    // the remembered device skips MFA until now
    expect((await start(username, rememberToken)).body.state).toBe('complete');
    // a pending activation link from before
    const activation = await api.request({
      method: 'POST',
      url: `/v1/accounts/${account.id}/authenticator-activations`,
      key: org.key,
    });
    expect(activation.status).toBe(201);
    await sql(
      `UPDATE accounts SET registration_state = 'snoozed', registration_snoozes = 2,
              snoozed_until = now() + interval '1 day' WHERE id = $1`,
      [account.id],
    );

    const done = await requireRegistration(account.id);
    expect(done.status).toBe(204);

    // the old session is over
    expect((await currentSession(token)).status).toBe(401);
    // after the password, the registration wizard — even from the remembered device
    const next = await start(username);
    expect(next.status).toBe(200);
    expect(next.body.state).toBe('registration_required');
    expect((await start(username, rememberToken)).body.state).toBe('registration_required');
    // the pending activation link no longer activates a device
    const link = new URL(activation.body.link);
    const device = await testDevice();
    const activated = await api.request({
      method: 'POST',
      url: `/v1/devices/${link.searchParams.get('organisation')}/${link.searchParams.get('device')}/activate`,
      body: { activationCode: link.searchParams.get('code'), publicKey: device.publicKey, platform: 'web' },
    });
    expect(activated.status).toBe(400);

    const listed = await listOf(account.id);
    expect(listed.body).toEqual({
      methods: [expect.objectContaining({ id: appPassword.id, type: 'app_password' })],
      registrationState: 'required',
      snoozedUntil: null,
    });
    const [row] = await sql(
      `SELECT registration_state, registration_snoozes, snoozed_until FROM accounts WHERE id = $1`,
      [account.id],
    );
    expect(row).toEqual({ registration_state: 'required', registration_snoozes: 0, snoozed_until: null });
    const [counts] = await sql(
      `SELECT (SELECT count(*)::int FROM methods WHERE account_id = $1 AND type <> 'app_password') AS methods,
              (SELECT count(*)::int FROM authenticator_devices WHERE account_id = $1 AND status <> 'inactive')
                AS devices,
              (SELECT count(*)::int FROM remembered_devices WHERE account_id = $1 AND revoked_at IS NULL)
                AS remembered,
              (SELECT count(*)::int FROM sessions WHERE account_id = $1 AND revoked_at IS NULL) AS sessions`,
      [account.id],
    );
    expect(counts).toEqual({ methods: 0, devices: 0, remembered: 0, sessions: 0 });
    const [revoked] = await sql(`SELECT revoked_reason FROM sessions WHERE account_id = $1`, [account.id]);
    expect(revoked.revoked_reason).toBe('revoked_by_admin');

    const rows = await auditOf('registration.required_by_admin', account.id);
    expect(rows).toEqual([
      {
        actor_type: 'admin',
        actor_id: expect.stringMatching(/^api-key:/),
        target_type: 'account',
        outcome: 'success',
        details: {
          methodsDeleted: 2,
          methodsDeletedByType: { authenticator_code: 1, mobile_text: 1 },
          devicesDeactivated: 1,
          rememberedDevicesRevoked: 1,
          sessionsRevoked: 1,
        },
      },
    ]);
  });

  it('revokes every app password of the account, and nothing else', async () => {
    const { account, username, methods } = await staffMember(api, org.tenantId, {
      methods: [{ type: 'authenticator_code', secret: generateSecret() }],
    });
    const first = await createAppPassword(account.id);
    const second = await createAppPassword(account.id);
    expect((await legacy(username, first.appPassword)).status).toBe(200);

    const revoked = await revokeAppPasswords(account.id);
    expect(revoked.status).toBe(204);

    expect((await legacy(username, first.appPassword)).status).toBe(401);
    expect((await legacy(username, second.appPassword)).status).toBe(401);
    const listed = await api.request({
      method: 'GET',
      url: `/v1/accounts/${account.id}/app-passwords`,
      key: org.key,
    });
    expect(listed.body.appPasswords).toEqual([]);
    expect((await listOf(account.id)).body.methods.map((m: { id: string }) => m.id)).toEqual([
      methods[0]!.id,
    ]);
    // none left: still 204, audited with a count of none
    expect((await revokeAppPasswords(account.id)).status).toBe(204);

    const rows = await auditOf('app_passwords.revoked_by_admin', account.id);
    expect(rows.map((r) => r.details)).toEqual([{ appPasswordsRevoked: 2 }, { appPasswordsRevoked: 0 }]);
    expect(rows.every((r) => r.actor_type === 'admin' && r.actor_id.startsWith('api-key:'))).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(first.appPassword);
  });

  it('answers another organisation’s, unknown and malformed ids with the same 404, and changes nothing', async () => {
    const secret = generateSecret();
    const { account, username, methods } = await staffMember(api, org.tenantId, {
      methods: [
        { type: 'authenticator_code', secret },
        { type: 'mobile_text', phone: PHONE },
      ],
    });
    const appPassword = await createAppPassword(account.id);
    const { token, rememberToken } = await signedIn(username, methods[0]!.id, secret);
    const foreignMember = await staffMember(api, other.tenantId, {
      methods: [{ type: 'mobile_text', phone: PHONE }],
    });
    const before = (await listOf(account.id)).text;

    const accountMissing = (await listOf(randomUUID())).text;
    const methodMissing = (await deleteMethod(randomUUID(), randomUUID())).text;
    expect(JSON.parse(accountMissing)).toMatchObject({ status: 404, code: 'not-found' });
    expect(JSON.parse(methodMissing)).toMatchObject({ status: 404, code: 'not-found' });
    const cases: [Promise<{ status: number; text: string }>, string][] = [
      // the other organisation's key on this organisation's ids
      [listOf(account.id, other.key), (await listOf(randomUUID(), other.key)).text],
      [deleteMethod(account.id, methods[0]!.id, other.key), methodMissing],
      [requireRegistration(account.id, other.key), accountMissing],
      [revokeAppPasswords(account.id, other.key), accountMissing],
      // this organisation's key with another organisation's method, and with ids that are not ids
      [deleteMethod(account.id, foreignMember.methods[0]!.id), methodMissing],
      [deleteMethod(foreignMember.account.id, foreignMember.methods[0]!.id), methodMissing],
      [deleteMethod('not-an-id', methods[0]!.id), methodMissing],
      [deleteMethod(account.id, 'not-an-id'), methodMissing],
      [listOf('not-an-id'), accountMissing],
      [requireRegistration('0'), accountMissing],
      [revokeAppPasswords(`${account.id}x`), accountMissing],
    ];
    for (const [answer, missing] of cases) {
      const res = await answer;
      expect(res.status).toBe(404);
      expect(res.text).toBe(missing);
    }
    // no key at all
    expect((await requireRegistration(account.id, '')).status).toBe(401);

    expect((await listOf(account.id)).text).toBe(before);
    expect((await currentSession(token)).status).toBe(200);
    expect((await start(username, rememberToken)).body.state).toBe('complete');
    expect((await legacy(username, appPassword.appPassword)).status).toBe(200);
    expect((await listOf(foreignMember.account.id, other.key)).body.methods).toHaveLength(1);
    for (const tenantId of [org.tenantId, other.tenantId]) {
      const [audited] = await sql(
        `SELECT count(*)::int AS n FROM audit_events WHERE action LIKE '%_by_admin' AND target_id = ANY($1)`,
        [[account.id, foreignMember.account.id]],
        tenantId,
      );
      expect(audited.n).toBe(0);
    }
  });
});
