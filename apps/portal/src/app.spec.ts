import { randomBytes } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { loadPortalConfig } from './config.js';

// @fastify/static loads content-disposition 3, an ES module, with require(), which jest's module system does not
// do on Node 20; the files it serves are not what these tests are about
const { jest: esmJest } = import.meta as unknown as {
  jest: { unstable_mockModule: (name: string, factory: () => unknown) => void };
};
esmJest.unstable_mockModule('@fastify/static', () => ({ default: async () => undefined }));
const { buildPortal } = await import('./app.js');

/*
 * The portal on its own, with Redis for its sessions and in place of the Verity API a server that knows the
 * organisation's name and answers anything else like a broken proxy would. Driven over HTTP on a loopback port
 * rather than with Fastify's inject, whose light-my-request require()s cookie 2, an ES module, which jest cannot
 * load on Node 20 (apps/authenticator's tests do the same).
 */

const REDIS_URL = 'redis://127.0.0.1:6379';
const prefix = `verity-portal-spec-${randomBytes(4).toString('hex')}`;
const INTERNALS = [
  /Verity API/i,
  /127\.0\.0\.1/,
  /10\.0\.0\.7/,
  /Bad gateway/i,
  /http-502/,
  /VerityProblem/,
  /at .*\.js/,
];

let api: Server;
const apiCalls: string[] = [];
let app: FastifyInstance;
let portalUrl: string;
let close: () => Promise<void>;
let redis: Redis;

beforeAll(async () => {
  api = createServer((request, response) => {
    apiCalls.push(`${request.method} ${request.url}`);
    if (request.url === '/v1/organisation') {
      response.writeHead(200, { 'content-type': 'application/json' });
      return response.end(JSON.stringify({ slug: 'northshire', name: 'Northshire and Dale NHS Trust' }));
    }
    response.writeHead(502, { 'content-type': 'text/html' });
    response.end('<html><body>Bad gateway: upstream 10.0.0.7 refused</body></html>');
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  const config = loadPortalConfig({
    PORTAL_ORGANISATIONS: JSON.stringify({ northshire: 'vty_0123456789abcdef_secret' }),
    PORTAL_COOKIE_SECRET: randomBytes(32).toString('base64'),
    VERITY_API_URL: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
    REDIS_URL,
    REDIS_PREFIX: prefix,
    LOG_LEVEL: 'silent',
  });
  ({ app, close } = await buildPortal(config));
  portalUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  redis = new Redis(REDIS_URL);
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await close();
  await new Promise((resolve) => api.close(resolve));
});

beforeEach(() => {
  apiCalls.length = 0;
});

interface Answer {
  statusCode: number;
  headers: Headers;
  body: string;
  /** The cookies it set, by name. */
  cookies: Record<string, string>;
}

/** A request as a browser makes it: its cookies, and a form. */
async function send(
  url: string,
  options: { method?: 'GET' | 'POST'; cookies?: Record<string, string>; form?: Record<string, string> } = {},
): Promise<Answer> {
  const response = await fetch(`${portalUrl}${url}`, {
    method: options.method ?? 'GET',
    redirect: 'manual',
    headers: {
      ...(options.cookies ? { cookie: cookieHeader(options.cookies) } : {}),
      ...(options.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(options.form ? { body: new URLSearchParams(options.form).toString() } : {}),
  });
  const cookies = Object.fromEntries(
    response.headers.getSetCookie().map((line) => {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      return [pair.slice(0, at), decodeURIComponent(pair.slice(at + 1))];
    }),
  );
  return { statusCode: response.status, headers: response.headers, body: await response.text(), cookies };
}

const cookieHeader = (cookies: Record<string, string>) =>
  Object.entries(cookies)
    .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
    .join('; ');
const csrfTokenOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
const sessionKeys = () => redis.keys(`${prefix}:portal:session:*`);

/** The sign-in page, as a browser first sees it: its cookies and its form's CSRF token. */
async function signInPage() {
  const page = await send('/northshire/sign-in');
  return { page, cookies: page.cookies, token: csrfTokenOf(page.body) };
}

describe('the portal', () => {
  it('sends its pages with a fresh CSP nonce on every script, nosniff, a referrer policy and no caching', async () => {
    const nonces = [];
    for (const _ of [1, 2]) {
      const response = await send('/northshire/sign-in');
      expect(response.statusCode).toBe(200);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('same-origin');
      expect(response.headers.get('cache-control')).toBe('no-store');
      const csp = String(response.headers.get('content-security-policy'));
      expect(csp).toMatch(/default-src 'self'/);
      expect(csp).toMatch(/frame-ancestors 'none'/);
      const nonce = /script-src 'self' 'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce).toBeDefined();
      const scripts = response.body.match(/<script\b[^>]*>/g) ?? [];
      expect(scripts.length).toBeGreaterThanOrEqual(3);
      for (const script of scripts) expect(script).toContain(`nonce="${nonce}"`);
      nonces.push(nonce);
    }
    expect(nonces[0]).not.toBe(nonces[1]);
  });

  it('refuses a form posted without its CSRF token, and changes nothing', async () => {
    const { cookies } = await signInPage();
    const sessionsBefore = (await sessionKeys()).length;
    apiCalls.length = 0;
    const response = await send('/northshire/sign-in', {
      method: 'POST',
      cookies,
      form: { username: 'jane.doe@northshire.nhs.uk', password: 'correct horse' },
    });
    expect(response.statusCode).toBe(403);
    expect(response.body).toContain('Sorry, there is a problem with the service');
    expect(apiCalls).toEqual([]);
    expect(Object.keys(response.cookies)).not.toContain('verity_portal');
    expect((await sessionKeys()).length).toBe(sessionsBefore);
  });

  it('takes a form posted with the cookie and its token to the API, and shows its failure in safe words', async () => {
    const { cookies, token } = await signInPage();
    expect(token).not.toBe('');
    apiCalls.length = 0;
    const response = await send('/northshire/sign-in', {
      method: 'POST',
      cookies,
      form: { _csrf: token, username: 'jane.doe@northshire.nhs.uk', password: 'correct horse' },
    });
    expect(apiCalls).toEqual(['POST /v1/sign-in']);
    expect(response.statusCode).toBe(502);
    expect(response.body).toContain('There is a problem');
    expect(response.body).toContain('Sorry, there is a problem with the service. Try again later.');
    for (const internal of INTERNALS) expect(response.body).not.toMatch(internal);
  });

  it('shows a field left empty in the error summary and at the field, without asking the API', async () => {
    const { cookies, token } = await signInPage();
    apiCalls.length = 0;
    const response = await send('/northshire/sign-in', {
      method: 'POST',
      cookies,
      form: { _csrf: token, username: 'jane.doe@northshire.nhs.uk', password: '' },
    });
    expect(response.statusCode).toBe(400);
    expect(apiCalls).toEqual([]);
    expect(response.body).toContain('<title>Error: Sign in – Northshire and Dale NHS Trust</title>');
    expect(response.body).toMatch(/<a href="#password"[^>]*>\s*Enter your password\s*<\/a>/);
    expect(response.body).toMatch(
      /id="password-error"><span class="nhsuk-u-visually-hidden">Error:<\/span> Enter your password/,
    );
    expect(response.body).toContain('value="jane.doe@northshire.nhs.uk"');
  });

  it('speaks Welsh after ?lang=cy, remembering it in a cookie, with English where there is no Welsh yet', async () => {
    const asked = await send('/northshire/sign-in?lang=cy');
    expect(asked.statusCode).toBe(200);
    expect(asked.cookies['verity_lang']).toBe('cy');
    const remembered = await send('/northshire/sign-in', { cookies: { verity_lang: 'cy' } });
    for (const response of [asked, remembered]) {
      expect(response.body).toContain('<html lang="cy"');
      expect(response.body).toContain('<h1 class="nhsuk-heading-l">Mewngofnodi</h1>');
      expect(response.body).toContain('Cyfrinair');
      expect(response.body).toContain('Username');
    }
    const back = await send('/northshire/sign-in?lang=en', { cookies: { verity_lang: 'cy' } });
    expect(back.cookies['verity_lang']).toBe('en');
    expect(back.body).toContain('<html lang="en"');
    expect(back.body).toContain('<h1 class="nhsuk-heading-l">Sign in</h1>');
  });

  it.each([
    ['an organisation it does not serve', '/nowhere/sign-in'],
    ['an address it does not have', '/northshire/nothing-here'],
  ])('answers %s with "Page not found", in the person’s language', async (_what, url) => {
    const response = await send(url, { cookies: { verity_lang: 'cy' } });
    expect(response.statusCode).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.body).toContain('<html lang="cy"');
    expect(response.body).toContain('Page not found');
    expect(response.body).not.toMatch(/nothing-here|nowhere|Route/);
    expect(apiCalls).toEqual([]);
  });

  it('answers /health', async () => {
    const response = await send('/health');
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ status: 'ok' });
  });

  it('shows an unexpected failure as a plain error page that names nothing inside', async () => {
    const id = randomBytes(16).toString('base64url');
    await redis.set(`${prefix}:portal:session:${id}`, JSON.stringify({ tokens: { northshire: 'token' } }));
    const response = await send('/northshire/security-info/add', {
      cookies: { verity_portal: app.signCookie(id) },
    });
    expect(apiCalls).toContain('GET /v1/security-info');
    expect(response.statusCode).toBe(500);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.body).toContain(
      '<h1 class="nhsuk-heading-l">Sorry, there is a problem with the service</h1>',
    );
    expect(response.body).toContain('contact your local helpdesk');
    for (const internal of INTERNALS) expect(response.body).not.toMatch(internal);
    expect(response.body).not.toMatch(/security-info|token|stack/i);
  });
});
