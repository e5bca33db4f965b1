import { Tenancy } from '@verity/db';
import { generateSecret } from 'otplib';
import { onboard, startApi, type TestApi } from '../test/api.js';
import { staffMember } from '../test/sign-in.js';

describe('app passwords for legacy clients', () => {
  let api: TestApi;
  let org: Awaited<ReturnType<typeof onboard>>;

  beforeAll(async () => {
    api = await startApi();
    org = await onboard(api, 'apppw');
  });
  afterAll(() => api.close());

  const create = (accountId: string, scopes = ['imap', 'smtp']) =>
    api.request({
      method: 'POST',
      url: `/v1/accounts/${accountId}/app-passwords`,
      key: org.key,
      body: { name: 'Outlook 2013', scopes },
    });
  const legacy = (username: string, appPassword: string, protocol = 'imap') =>
    api.request({
      method: 'POST',
      url: '/v1/legacy/verify',
      key: org.key,
      body: { username, appPassword, protocol },
    });

  it('is shown once, works only for its protocols on the legacy endpoint, and is stored only as an HMAC', async () => {
    const { account, username } = await staffMember(api, org.tenantId, {
      methods: [{ type: 'authenticator_code', secret: generateSecret() }],
    });
    const made = await create(account.id);
    expect(made.status).toBe(201);
    expect(made.body.appPassword).toMatch(/^([a-z]{4} ){6}[a-z]{4}$/);
    const typed = made.body.appPassword.replace(/ /g, '').toUpperCase();
    expect((await legacy(username, typed)).body).toEqual({ accountId: account.id, username });
    expect((await legacy(username, made.body.appPassword, 'ews')).status).toBe(401);

    const listed = await api.request({
      method: 'GET',
      url: `/v1/accounts/${account.id}/app-passwords`,
      key: org.key,
    });
    expect(listed.body.appPasswords).toEqual([
      expect.objectContaining({
        id: made.body.id,
        name: 'Outlook 2013',
        scopes: ['imap', 'smtp'],
        lastUsedAt: expect.any(String),
      }),
    ]);
    expect(listed.text).not.toContain(made.body.appPassword);
    const [row] = await api.app
      .get(Tenancy)
      .run(org.tenantId, (scope) =>
        scope.manager.query(`SELECT details_enc FROM methods WHERE id = $1`, [made.body.id]),
      );
    expect(Buffer.from(row.details_enc).toString('latin1')).not.toContain(typed.toLowerCase());
  });

  it('is never a password for interactive sign-in', async () => {
    const { account, username } = await staffMember(api, org.tenantId, {
      methods: [{ type: 'authenticator_code', secret: generateSecret() }],
    });
    const made = await create(account.id);
    const signIn = await api.request({
      method: 'POST',
      url: '/v1/sign-in',
      key: org.key,
      body: { username, password: made.body.appPassword },
    });
    expect(signIn.status).toBe(401);
  });

  it('stops working once revoked, and answers like a wrong one', async () => {
    const { account, username } = await staffMember(api, org.tenantId, {
      methods: [{ type: 'authenticator_code', secret: generateSecret() }],
    });
    const made = await create(account.id);
    const revoked = await api.request({
      method: 'DELETE',
      url: `/v1/accounts/${account.id}/app-passwords/${made.body.id}`,
      key: org.key,
    });
    expect(revoked.status).toBe(204);
    const after = await legacy(username, made.body.appPassword);
    const wrong = await legacy(username, 'abcd efgh ijkl mnop qrst uvwx yzab');
    const unknown = await legacy('nobody@example.nhs.uk', made.body.appPassword);
    expect(after.status).toBe(401);
    expect(after.text).toBe(wrong.text);
    expect(after.text).toBe(unknown.text);
  });

  it('is refused, with the policy’s reason, for elevated rights, before any MFA method, and when turned off', async () => {
    const elevated = await staffMember(api, org.tenantId, {
      elevated: true,
      methods: [{ type: 'authenticator_code', secret: generateSecret() }],
    });
    const refused = await create(elevated.account.id);
    expect(refused.status).toBe(422);
    expect(refused.body.reasons.map((r: { code: string }) => r.code)).toContain(
      'APP_PASSWORD_NOT_FOR_ELEVATED',
    );

    const bare = await staffMember(api, org.tenantId);
    expect((await create(bare.account.id)).status).toBe(422);

    const { account, username } = await staffMember(api, org.tenantId, {
      methods: [{ type: 'authenticator_code', secret: generateSecret() }],
    });
    const made = await create(account.id);
    const policy = await api.request({ method: 'GET', url: '/v1/organisation/policy', key: org.key });
    const allowedMethods = policy.body.policy.allowedMethods.filter((m: string) => m !== 'app_password');
    const saved = await api.request({
      method: 'PUT',
      url: '/v1/organisation/policy',
      key: org.key,
      body: { expectedVersion: policy.body.version, policy: { ...policy.body.policy, allowedMethods } },
    });
    expect(saved.status).toBe(200);
    expect((await legacy(username, made.body.appPassword)).status).toBe(401);
    const off = await create(account.id);
    expect(off.body.reasons.map((r: { code: string }) => r.code)).toContain('METHOD_DISABLED');
  });
});
