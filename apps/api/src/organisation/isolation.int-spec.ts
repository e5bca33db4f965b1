import { randomUUID } from 'node:crypto';
import { onboard, startApi, type TestApi } from '../test/api.js';

describe('organisation isolation through the API', () => {
  let api: TestApi;
  let a: Awaited<ReturnType<typeof onboard>>;
  let b: Awaited<ReturnType<typeof onboard>>;

  beforeAll(async () => {
    api = await startApi();
    a = await onboard(api, 'iso-a');
    b = await onboard(api, 'iso-b');
  });
  afterAll(() => api.close());

  it('answers an id from another organisation exactly like an id that does not exist', async () => {
    const own = await api.request({ method: 'GET', url: `/v1/accounts/${a.adminId}`, key: a.key });
    expect(own.status).toBe(200);
    const foreign = await api.request({ method: 'GET', url: `/v1/accounts/${a.adminId}`, key: b.key });
    const missing = await api.request({ method: 'GET', url: `/v1/accounts/${randomUUID()}`, key: b.key });
    expect(foreign.status).toBe(404);
    expect(foreign.text).toBe(missing.text);
    expect(foreign.headers['content-type']).toBe(missing.headers['content-type']);
  });

  it('lists only its own accounts and its own audit log', async () => {
    const list = await api.request({ method: 'GET', url: '/v1/accounts', key: b.key });
    expect(list.body.accounts.map((x: { id: string }) => x.id)).toEqual([b.adminId]);
    const log = await api.request({ method: 'GET', url: '/v1/audit-events', key: b.key });
    expect(log.body.events.every((e: { tenantId: string }) => e.tenantId === b.tenantId)).toBe(true);
  });

  it('creates accounts only in its own organisation, and refuses a duplicate username', async () => {
    const body = { username: 'Jane.Doe@example.nhs.uk', displayName: 'Jane Doe' };
    const created = await api.request({ method: 'POST', url: '/v1/accounts', key: a.key, body });
    expect(created.status).toBe(201);
    expect(created.body.username).toBe('jane.doe@example.nhs.uk');
    expect(
      (await api.request({ method: 'GET', url: `/v1/accounts/${created.body.id}`, key: b.key })).status,
    ).toBe(404);
    expect((await api.request({ method: 'POST', url: '/v1/accounts', key: b.key, body })).status).toBe(201);
    expect((await api.request({ method: 'POST', url: '/v1/accounts', key: a.key, body })).status).toBe(409);
  });

  it('refuses a tampered key with the same answer as no key', async () => {
    const tampered = a.key.slice(0, -2) + (a.key.endsWith('A') ? 'BB' : 'AA');
    const res = await api.request({ method: 'GET', url: '/v1/accounts', key: tampered });
    const none = await api.request({ method: 'GET', url: '/v1/accounts' });
    expect(res.status).toBe(401);
    expect(res.text).toBe(none.text);
  });
});
