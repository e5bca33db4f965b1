import { startApi, uniqueTenantBody, type TestApi } from '../test/api.js';

describe('operator admin API', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it('creates an organisation with its first local administrator, and audits it', async () => {
    const body = uniqueTenantBody('create');
    const res = await api.request({ method: 'POST', url: '/admin/tenants', key: api.operatorKey, body });
    expect(res.status).toBe(201);
    expect(res.body.tenant).toMatchObject({
      slug: body.slug,
      emailDomains: body.emailDomains,
      status: 'active',
    });
    expect(res.body.administrator.username).toBe(body.administrator.username);
    expect(res.body.administrator.temporaryPassword).toMatch(/^[\w-]{24}$/);

    const key = await api.request({
      method: 'POST',
      url: `/admin/tenants/${res.body.tenant.id}/api-keys`,
      key: api.operatorKey,
      body: { name: 'console', scopes: ['people', 'audit'] },
    });
    expect(key.status).toBe(201);
    expect(key.body.scopes).toEqual(['people', 'audit']);
    const admin = await api.request({
      method: 'GET',
      url: `/v1/accounts/${res.body.administrator.id}`,
      key: key.body.key,
    });
    expect(admin.body).toMatchObject({
      elevated: true,
      roles: ['staff', 'tenant_admin'],
      contactEmail: body.administrator.contactEmail,
    });
    const log = await api.request({ method: 'GET', url: '/v1/audit-events', key: key.body.key });
    expect(log.body.events.map((e: { action: string }) => e.action).sort()).toEqual(
      ['account.created', 'api-key.issued', 'tenant.created'].sort(),
    );
  });

  it('refuses a second organisation with the same slug, naming it', async () => {
    const body = uniqueTenantBody('dup');
    expect(
      (await api.request({ method: 'POST', url: '/admin/tenants', key: api.operatorKey, body })).status,
    ).toBe(201);
    const again = await api.request({ method: 'POST', url: '/admin/tenants', key: api.operatorKey, body });
    expect(again.status).toBe(409);
    expect(again.body.detail).toContain(body.slug);
  });

  it('refuses requests without the operator key, with the same answer for a wrong key', async () => {
    const none = await api.request({ method: 'GET', url: '/admin/tenants' });
    const wrong = await api.request({ method: 'GET', url: '/admin/tenants', key: 'x'.repeat(43) });
    expect(none.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual(none.body);
    expect(none.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('re-wraps every organisation key under the active master key', async () => {
    const res = await api.request({ method: 'POST', url: '/admin/master-keys/rewrap', key: api.operatorKey });
    expect(res.status).toBe(200);
    expect(res.body.organisations).toBeGreaterThan(0);
  });
});
