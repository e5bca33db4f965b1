import type { Redis } from 'ioredis';
import { REDIS } from '../infra/infra.module.js';
import { issueKey, onboard, startApi, type TestApi } from '../test/api.js';

/** The address the test's requests come from, as the API sees the connection. */
const CONNECTION = '127.0.0.1';

describe("the end user's address in a request's body", () => {
  let api: TestApi;
  let org: Awaited<ReturnType<typeof onboard>>;
  let redis: Redis;

  beforeAll(async () => {
    api = await startApi();
    org = await onboard(api, 'forwarded');
    redis = api.app.get<Redis>(REDIS);
  });
  afterAll(() => api.close());

  const limited = async (limit: string, ip: string) =>
    (await redis.exists(`${limit}:${org.tenantId}:${ip}`)) === 1;

  /** The address on the audit row of the last refused sign-in of `username`. */
  async function auditedAddress(action: string): Promise<string | null | undefined> {
    const res = await api.request({ method: 'GET', url: '/v1/audit-events?limit=500', key: org.key });
    const events = res.body.events as { action: string; ip: string | null }[];
    return events.find((e) => e.action === action)?.ip;
  }

  it('is the connection\'s address for a key without "forwarded-address", whatever the body says', async () => {
    const key = await issueKey(api, org.tenantId, ['sign-in', 'password-reset']);
    const forged = '203.0.113.7';
    const signIn = await api.request({
      method: 'POST',
      url: '/v1/sign-in',
      key,
      body: { username: `nobody@${org.tenantId}.example`, password: 'wrong', client: { ip: forged } },
    });
    expect(signIn.status).toBe(401);
    expect(await auditedAddress('sign_in.password')).toBe(CONNECTION);
    expect(await limited('limit:pwd:ip', forged)).toBe(false);
    expect(await limited('limit:pwd:ip', CONNECTION)).toBe(true);

    // the old mail clients' endpoint takes it as `ip`, and a reset as `client.ip`
    const legacy = await api.request({
      method: 'POST',
      url: '/v1/legacy/verify',
      key,
      body: {
        username: 'someone@nowhere.example',
        appPassword: 'x'.repeat(16),
        protocol: 'imap',
        ip: '203.0.113.8',
      },
    });
    expect(legacy.status).toBe(401);
    expect(await limited('limit:pwd:ip', '203.0.113.8')).toBe(false);
    const reset = await api.request({
      method: 'POST',
      url: '/v1/password-reset',
      key,
      body: { username: 'someone@nowhere.example', client: { ip: '203.0.113.9' } },
    });
    expect(reset.status).toBeLessThan(300);
    expect(await limited('limit:reset:ip', '203.0.113.9')).toBe(false);
    expect(await limited('limit:reset:ip', CONNECTION)).toBe(true);
  });

  it('is believed from a key with "forwarded-address" (the portal\'s)', async () => {
    const key = await issueKey(api, org.tenantId, ['sign-in', 'forwarded-address']);
    const forwarded = '198.51.100.23';
    const signIn = await api.request({
      method: 'POST',
      url: '/v1/sign-in',
      key,
      body: { username: `nobody@${org.tenantId}.example`, password: 'wrong', client: { ip: forwarded } },
    });
    expect(signIn.status).toBe(401);
    expect(await auditedAddress('sign_in.password')).toBe(forwarded);
    expect(await limited('limit:pwd:ip', forwarded)).toBe(true);
  });
});
