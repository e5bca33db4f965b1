import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PORTAL_SCOPES } from '../../api/src/auth/scope-names.js';
import { REDIS } from '../../api/src/infra/infra.module.js';
import { issueKey, onboard, startApi, type TestApi } from '../../api/src/test/api.js';

const portal = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../portal/dist/main.js');

/** Where the test's requests reach the portal from, as the portal sees the connection. */
const CONNECTION = '127.0.0.1';

describe("the visitor's address the portal passes on", () => {
  let api: TestApi;
  let org: Awaited<ReturnType<typeof onboard>>;
  let slug: string;
  let portalKey: string;
  let redis: { exists(key: string): Promise<number> };

  beforeAll(async () => {
    api = await startApi();
    org = await onboard(api, 'portal-xff');
    slug = (await api.request({ method: 'GET', url: '/v1/organisation', key: org.key })).body.slug;
    portalKey = await issueKey(api, org.tenantId, PORTAL_SCOPES, 'portal');
    redis = api.app.get(REDIS);
  });
  afterAll(() => api.close());

  /** The built portal, as its own process, serving the organisation with its own key and trusting these proxies. */
  async function portalTrusting(proxies: string) {
    const child = spawn(process.execPath, [portal], {
      env: {
        ...process.env,
        PORTAL_HOST: '127.0.0.1',
        PORTAL_PORT: '0',
        PORTAL_ORGANISATIONS: JSON.stringify({ [slug]: portalKey }),
        PORTAL_COOKIE_SECRET: randomBytes(32).toString('base64'),
        VERITY_API_URL: await api.app.getUrl(),
        TRUSTED_PROXIES: proxies,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the portal exited (${code})`)));
      child.stdout.on('data', (chunk) => {
        const found = /Verity portal on (http:\/\/\S+)/.exec(String(chunk));
        if (found) resolve(found[1]!);
      });
    });
    return {
      url,
      close: () =>
        new Promise<void>((resolve) => {
          child.removeAllListeners('exit');
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    };
  }

  /** A wrong password for someone unknown, typed into the portal's sign-in page with this X-Forwarded-For. */
  async function signInThrough(url: string, forwardedFor: string) {
    const page = await fetch(`${url}/${slug}/sign-in`);
    const cookie = page.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ');
    const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    const username = `nobody-${randomBytes(3).toString('hex')}@nowhere.example`;
    const answer = await fetch(`${url}/${slug}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie,
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-for': forwardedFor,
      },
      body: new URLSearchParams({ _csrf: token, username, password: 'wrong' }).toString(),
    });
    expect(answer.status).toBe(401);
  }

  async function lastAuditedAddress() {
    const res = await api.request({ method: 'GET', url: '/v1/audit-events', key: org.key });
    return (res.body.events as { action: string; ip: string | null }[]).find(
      (e) => e.action === 'sign_in.password',
    )?.ip;
  }
  const limited = async (ip: string) => (await redis.exists(`limit:pwd:ip:${org.tenantId}:${ip}`)) === 1;

  it('ignores X-Forwarded-For from an address not in TRUSTED_PROXIES: the audit and the limit see the connection', async () => {
    const portal = await portalTrusting('');
    try {
      await signInThrough(portal.url, '203.0.113.50');
      expect(await lastAuditedAddress()).toBe(CONNECTION);
      expect(await limited('203.0.113.50')).toBe(false);
      expect(await limited(CONNECTION)).toBe(true);
    } finally {
      await portal.close();
    }
  });

  it('believes X-Forwarded-For from a trusted proxy', async () => {
    const portal = await portalTrusting(`${CONNECTION}/32`);
    try {
      await signInThrough(portal.url, '198.51.100.60');
      expect(await lastAuditedAddress()).toBe('198.51.100.60');
      expect(await limited('198.51.100.60')).toBe(true);
    } finally {
      await portal.close();
    }
  });
});
