import { randomBytes } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { loadPortalConfig } from './config.js';

// as in app.spec.ts: jest cannot load @fastify/static's ES module dependency on Node 20, and files are not the point
const { jest: esmJest } = import.meta as unknown as {
  jest: { unstable_mockModule: (name: string, factory: () => unknown) => void };
};
esmJest.unstable_mockModule('@fastify/static', () => ({ default: async () => undefined }));
const { buildPortal } = await import('./app.js');

/*
 * Transport and session hardening (issue 17 item 7): HSTS and Secure cookies outside development on this
 * machine, sign-out only as a POST carrying the CSRF token. The portal runs with Redis for its sessions and, in
 * place of the API, a server that records what it is asked and knows only the organisation's name.
 */

const REDIS_URL = 'redis://127.0.0.1:6379';
const prefix = `verity-portal-hardening-${randomBytes(4).toString('hex')}`;
const apiCalls: string[] = [];
let api: Server;
let redis: Redis;
const portals: { url: string; close: () => Promise<void>; signCookie: (id: string) => string }[] = [];

beforeAll(async () => {
  api = createServer((request, response) => {
    apiCalls.push(`${request.method} ${request.url}`);
    if (request.url === '/v1/organisation') {
      response.writeHead(200, { 'content-type': 'application/json' });
      return response.end(JSON.stringify({ slug: 'northshire', name: 'Northshire and Dale NHS Trust' }));
    }
    response.writeHead(204);
    response.end();
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  redis = new Redis(REDIS_URL);
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  for (const portal of portals) await portal.close();
  await new Promise((resolve) => api.close(resolve));
});

async function startPortal(env: Record<string, string>) {
  const config = loadPortalConfig({
    PORTAL_ORGANISATIONS: JSON.stringify({ northshire: 'vty_0123456789abcdef_secret' }),
    PORTAL_COOKIE_SECRET: randomBytes(32).toString('base64'),
    VERITY_API_URL: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
    REDIS_URL,
    REDIS_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const { app, close } = await buildPortal(config);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const portal = { url, close, signCookie: (id: string) => app.signCookie(id) };
  portals.push(portal);
  return portal;
}

async function send(
  base: string,
  path: string,
  options: { method?: string; cookie?: string; form?: Record<string, string> } = {},
) {
  const response = await fetch(`${base}${path}`, {
    method: options.method ?? 'GET',
    redirect: 'manual',
    headers: {
      ...(options.cookie ? { cookie: options.cookie } : {}),
      ...(options.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(options.form ? { body: new URLSearchParams(options.form).toString() } : {}),
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

/** The Set-Cookie lines of an answer, by cookie name. */
const setCookies = (headers: Headers) =>
  Object.fromEntries(headers.getSetCookie().map((line) => [line.slice(0, line.indexOf('=')), line]));

describe('HSTS and cookie flags', () => {
  it('in development on this machine (npm start): no HSTS, cookies without Secure', async () => {
    const portal = await startPortal({ NODE_ENV: 'development', PORTAL_HOST: '127.0.0.1' });
    const page = await send(portal.url, '/northshire/sign-in?lang=cy');
    expect(page.headers.get('strict-transport-security')).toBeNull();
    const cookies = setCookies(page.headers);
    expect(cookies['verity_lang']).not.toMatch(/Secure/);
    expect(cookies['verity_portal']).toMatch(/HttpOnly/);
    expect(cookies['verity_portal']).not.toMatch(/Secure/);
    expect(cookies['_csrf']).not.toMatch(/Secure/);
  });

  it.each([
    ['production', { NODE_ENV: 'production' }],
    ['development on another address', { NODE_ENV: 'development', PORTAL_HOST: '0.0.0.0' }],
    ['a test run', { NODE_ENV: 'test' }],
  ])('in %s: Secure, HttpOnly, SameSite=Lax cookies by default', async (_what, env) => {
    const portal = await startPortal(env);
    const cookies = setCookies((await send(portal.url, '/northshire/sign-in?lang=cy')).headers);
    for (const name of ['verity_portal', '_csrf']) {
      expect(cookies[name]).toMatch(/; Secure/);
      expect(cookies[name]).toMatch(/; HttpOnly/);
      expect(cookies[name]).toMatch(/; SameSite=Lax/);
    }
    expect(cookies['verity_lang']).toMatch(/; Secure/);
  });

  it('outside development: HSTS on pages, "Page not found" and /health alike', async () => {
    const portal = await startPortal({ NODE_ENV: 'production' });
    for (const path of ['/northshire/sign-in', '/nowhere', '/health'])
      expect((await send(portal.url, path)).headers.get('strict-transport-security')).toBe(
        'max-age=31536000; includeSubDomains',
      );
  });

  it('keeps PORTAL_SECURE_COOKIES=false where it is said (HTTPS ended before the portal)', async () => {
    const portal = await startPortal({ NODE_ENV: 'production', PORTAL_SECURE_COOKIES: 'false' });
    const cookies = setCookies((await send(portal.url, '/northshire/sign-in')).headers);
    expect(cookies['verity_portal']).not.toMatch(/Secure/);
  });

  it('lets pages load the NHS.UK font from where nhsuk-frontend asks for it', async () => {
    const portal = await startPortal({ NODE_ENV: 'production' });
    for (const path of ['/northshire/sign-in', '/nowhere'])
      expect((await send(portal.url, path)).headers.get('content-security-policy')).toMatch(
        /font-src 'self' https:\/\/assets\.nhs\.uk/,
      );
  });
});

describe('sign-out', () => {
  /** A signed-in browser: a session in Redis holding a token, its cookie, and a page's CSRF cookie and token. */
  async function signedIn(portal: Awaited<ReturnType<typeof startPortal>>) {
    const id = randomBytes(16).toString('base64url');
    await redis.set(
      `${prefix}:portal:session:${id}`,
      JSON.stringify({ tokens: { northshire: 'session-token' } }),
    );
    const sessionCookie = `verity_portal=${encodeURIComponent(portal.signCookie(id))}`;
    const page = await send(portal.url, '/northshire/sign-in', { cookie: sessionCookie });
    const csrfCookie = setCookies(page.headers)['_csrf']!.split(';')[0]!;
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    return { id, cookie: `${sessionCookie}; ${csrfCookie}`, token };
  }
  const tokenOf = async (id: string) =>
    (JSON.parse((await redis.get(`${prefix}:portal:session:${id}`)) ?? '{}') as { tokens?: object }).tokens;

  it('is a form in the header that posts the CSRF token, not a link', async () => {
    const portal = await startPortal({ NODE_ENV: 'development' });
    const { cookie } = await signedIn(portal);
    const html = (await send(portal.url, '/northshire/sign-in', { cookie })).body;
    expect(html).not.toMatch(/href="\/northshire\/sign-out"/);
    expect(html).toMatch(
      /<form[^>]*id="sign-out"[^>]*action="\/northshire\/sign-out" method="post"[^>]*>\s*<input type="hidden" name="_csrf" value="[^"]+"><button class="nhsuk-header__account-button">/,
    );
  });

  it('refuses a GET, and a POST without the CSRF token, keeping the session', async () => {
    const portal = await startPortal({ NODE_ENV: 'development' });
    const { id, cookie } = await signedIn(portal);
    apiCalls.length = 0;
    expect((await send(portal.url, '/northshire/sign-out', { cookie })).status).toBe(404);
    const forged = await send(portal.url, '/northshire/sign-out', { method: 'POST', cookie, form: {} });
    expect(forged.status).toBe(403);
    expect(apiCalls).toEqual([]);
    expect(await tokenOf(id)).toEqual({ northshire: 'session-token' });
  });

  it('signs out on a POST with the token: at the API, then here', async () => {
    const portal = await startPortal({ NODE_ENV: 'development' });
    const { id, cookie, token } = await signedIn(portal);
    apiCalls.length = 0;
    const response = await send(portal.url, '/northshire/sign-out', {
      method: 'POST',
      cookie,
      form: { _csrf: token },
    });
    expect(response.status).toBe(200);
    expect(response.body).toContain('You have signed out');
    expect(apiCalls).toContain('DELETE /v1/session');
    expect(await tokenOf(id)).toEqual({});
  });
});
