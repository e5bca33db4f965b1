import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { CONTENT_SECURITY_POLICY, FIREBASE_ORIGINS } from './security.js';
import { buildServer } from './server.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A tiny stand-in for the Verity API: records what reaches it and answers by path. */
async function fakeApi() {
  const seen: Seen[] = [];
  const server: Server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
    const json = (status: number, value: unknown, type = 'application/json; charset=utf-8') => {
      response.writeHead(status, {
        'content-type': type,
        'set-cookie': 'api=secret',
        'x-powered-by': 'Nest',
      });
      response.end(JSON.stringify(value));
    };
    const url = request.url ?? '';
    if (url.endsWith('/activate')) {
      const parsed = JSON.parse(body || '{}');
      if (parsed.activationCode !== 'right-code-123')
        return json(
          400,
          {
            type: 'urn:verity:problem:activation-failed',
            title: 'Activation failed',
            status: 400,
            detail: 'This activation code is wrong, used or expired.',
            code: 'activation-failed',
          },
          'application/problem+json',
        );
      return json(200, {
        deviceId: 'dev',
        organisation: { slug: 'org', name: 'Org' },
        totp: { secret: 'X' },
      });
    }
    if (url.endsWith('/slow')) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      return json(200, {});
    }
    if (url.endsWith('/busy')) {
      response.writeHead(429, { 'content-type': 'application/problem+json', 'retry-after': '30' });
      return response.end(JSON.stringify({ status: 429, detail: 'Too many' }));
    }
    if (url.endsWith('/redirect')) {
      response.writeHead(302, { location: 'http://example.invalid/' });
      return response.end();
    }
    if (request.method === 'DELETE') return json(200, { deviceId: 'dev', status: 'inactive' });
    if (request.method === 'POST' && url.endsWith('/answer')) return json(200, { outcome: 'approved' });
    if (url.endsWith('/push-token')) {
      response.writeHead(204);
      return response.end();
    }
    return json(200, { challenges: [] });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    seen,
    url: new URL(`http://127.0.0.1:${port}/`),
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}

interface Answer {
  statusCode: number;
  headers: IncomingMessage['headers'];
  body: string;
  json(): any;
}

/** One request sent exactly as written (no URL normalising, unlike fetch), to a listening server. */
async function send(
  server: FastifyInstance,
  options: { method: string; url: string; headers?: Record<string, string>; payload?: string | object },
): Promise<Answer> {
  const { port } = server.server.address() as AddressInfo;
  const payload =
    options.payload === undefined
      ? undefined
      : typeof options.payload === 'string'
        ? options.payload
        : JSON.stringify(options.payload);
  const headers = {
    ...options.headers,
    ...(payload !== undefined && !options.headers?.['content-type']
      ? { 'content-type': 'application/json' }
      : {}),
  };
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: options.method, path: options.url, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({
            statusCode: res.statusCode ?? 0,
            headers: res.headers,
            body,
            json: () => JSON.parse(body),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The server listening on a free port, as main.ts starts it. */
async function listening(options: Parameters<typeof buildServer>[0]) {
  const server = await buildServer(options);
  await server.listen({ port: 0, host: '127.0.0.1' });
  return Object.assign(server, { inject: (o: Parameters<typeof send>[1]) => send(server, o) });
}

describe('the reference authenticator server', () => {
  let api: Awaited<ReturnType<typeof fakeApi>>;
  let app: Awaited<ReturnType<typeof listening>>;

  beforeAll(async () => {
    api = await fakeApi();
    app = await listening({ apiUrl: api.url, timeoutMs: 300 });
  });
  afterAll(async () => {
    await app.close();
    await api.close();
  });
  beforeEach(() => {
    api.seen.length = 0;
  });

  const DEVICE = '/v1/devices/nhs-leeds/0b9c8f5e-4c1a-4d5e-9a57-2f3e2d1c0b9a';

  it('answers /health', async () => {
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('serves the app with security headers: a CSP that allows only this origin, no framing, no sniffing', async () => {
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toContain('<script type="module" src="/app.js"></script>');
    expect(response.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline scripts
    expect(response.body).not.toMatch(/\sstyle=|\son[a-z]+=/); // no inline styles or handlers
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toBe(CONTENT_SECURITY_POLICY);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*|https?:/);
    expect(response.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    });
  });

  it('sends no Strict-Transport-Security in development, and HSTS on every answer outside it', async () => {
    expect(
      (await app.inject({ method: 'GET', url: '/' })).headers['strict-transport-security'],
    ).toBeUndefined();
    const hardened = await listening({ apiUrl: api.url, timeoutMs: 300, hsts: true });
    try {
      for (const url of ['/', '/health', '/v1/devices/nowhere', '/missing.js'])
        expect((await hardened.inject({ method: 'GET', url })).headers['strict-transport-security']).toBe(
          'max-age=31536000; includeSubDomains',
        );
    } finally {
      await hardened.close();
    }
  });

  it('tells the page that web push is not configured, so it polls: /config.json', async () => {
    const response = await app.inject({ method: 'GET', url: '/config.json' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ firebase: null });
    expect(response.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  });

  it.each([
    ['/app.js', /javascript/],
    ['/totp.js', /javascript/],
    ['/sw.js', /javascript/],
    ['/styles.css', /text\/css/],
    ['/manifest.webmanifest', /application\/manifest\+json/],
    ['/icon.svg', /image\/svg\+xml/],
  ])('serves %s as %s', async (path, type) => {
    const response = await app.inject({ method: 'GET', url: path });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(type);
    expect(response.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  });

  it('forwards an activation: method, JSON body and content type, and returns the API’s status and problem', async () => {
    const body = {
      activationCode: 'wrong',
      publicKey: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' },
      platform: 'web',
    };
    const response = await app.inject({
      method: 'POST',
      url: `${DEVICE}/activate`,
      headers: { 'content-type': 'application/json', cookie: 'session=1', authorization: 'Bearer vty_x' },
      payload: JSON.stringify(body),
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.json()).toMatchObject({
      code: 'activation-failed',
      detail: expect.stringContaining('wrong'),
    });
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(response.headers['x-powered-by']).toBeUndefined();
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);

    expect(api.seen).toHaveLength(1);
    const [seen] = api.seen;
    expect(seen).toMatchObject({ method: 'POST', url: `${DEVICE}/activate` });
    expect(JSON.parse(seen!.body)).toEqual(body);
    expect(seen!.headers['content-type']).toBe('application/json');
    // nothing the browser holds for this origin goes to the API
    expect(seen!.headers.cookie).toBeUndefined();
    expect(seen!.headers.authorization).toBeUndefined();
  });

  it('passes a successful answer through unchanged', async () => {
    const response = await app.inject({
      method: 'POST',
      url: `${DEVICE}/activate`,
      headers: { 'content-type': 'application/json' },
      payload: { activationCode: 'right-code-123' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      deviceId: 'dev',
      organisation: { slug: 'org', name: 'Org' },
      totp: { secret: 'X' },
    });
  });

  it('forwards the Device-Proof header of a signed request, with no body for a GET', async () => {
    const proof = 'eyJhbGciOiJFUzI1NiJ9.eyJhY3QiOiJsaXN0In0.c2ln';
    const response = await app.inject({
      method: 'GET',
      url: `${DEVICE}/challenges?ignored=1`,
      headers: { 'device-proof': proof, accept: 'application/json' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ challenges: [] });
    expect(api.seen[0]).toMatchObject({ method: 'GET', url: `${DEVICE}/challenges`, body: '' });
    expect(api.seen[0]!.headers['device-proof']).toBe(proof);
    expect(api.seen[0]!.headers.accept).toBe('application/json');
  });

  it('forwards answers (POST without a body) and deactivation (DELETE)', async () => {
    const answer = await app.inject({
      method: 'POST',
      url: `${DEVICE}/challenges/7d3f2a90-1b2c-4d5e-8f90-a1b2c3d4e5f6/answer`,
      headers: { 'device-proof': 'a.b.c' },
    });
    expect(answer.json()).toEqual({ outcome: 'approved' });
    const removed = await app.inject({ method: 'DELETE', url: DEVICE, headers: { 'device-proof': 'd.e.f' } });
    expect(removed.json()).toEqual({ deviceId: 'dev', status: 'inactive' });
    expect(api.seen.map((s) => [s.method, s.url, s.headers['device-proof'], s.body])).toEqual([
      ['POST', `${DEVICE}/challenges/7d3f2a90-1b2c-4d5e-8f90-a1b2c3d4e5f6/answer`, 'a.b.c', ''],
      ['DELETE', DEVICE, 'd.e.f', ''],
    ]);
  });

  it('forwards a PUT with its body, and an empty 204 answer', async () => {
    const response = await app.inject({
      method: 'PUT',
      url: `${DEVICE}/push-token`,
      headers: { 'device-proof': 'a.b.c', 'content-type': 'text/plain' },
      payload: 'raw body',
    });
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect(api.seen[0]).toMatchObject({ method: 'PUT', body: 'raw body' });
    expect(api.seen[0]!.headers['content-type']).toBe('text/plain');
  });

  it('passes Retry-After through, and does not follow redirects', async () => {
    const busy = await app.inject({ method: 'GET', url: `${DEVICE}/busy` });
    expect(busy.statusCode).toBe(429);
    expect(busy.headers['retry-after']).toBe('30');
    const redirect = await app.inject({ method: 'GET', url: `${DEVICE}/redirect` });
    expect(redirect.statusCode).toBe(302);
    expect(redirect.headers.location).toBeUndefined();
  });

  it.each([
    '/v1/devices/../../v1/accounts/x',
    '/v1/devices/%2e%2e/%2e%2e/v1/accounts',
    '/v1/devices/org',
    '/v1/devices/org/dev/a/b/c/d',
    '/v1/devices/org/dev%2Fx',
    '/v1/devices/org//dev',
  ])('refuses %s without asking the API', async (url) => {
    const response = await app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(404);
    expect(api.seen).toHaveLength(0);
  });

  it('does not proxy anything outside /v1/devices/', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/accounts/x' });
    expect(response.statusCode).toBe(404);
    expect(api.seen).toHaveLength(0);
  });

  it('answers 504 when the API is too slow, and 502 when it cannot be reached', async () => {
    const slow = await app.inject({ method: 'GET', url: `${DEVICE}/slow` });
    expect(slow.statusCode).toBe(504);
    expect(slow.json()).toMatchObject({ code: 'upstream-timeout', status: 504 });

    const closed = await fakeApi();
    await closed.close();
    const orphan = await listening({ apiUrl: closed.url });
    try {
      const response = await orphan.inject({ method: 'GET', url: `${DEVICE}/challenges` });
      expect(response.statusCode).toBe(502);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toMatchObject({ code: 'upstream-unreachable', status: 502 });
    } finally {
      await orphan.close();
    }
  });

  it('keeps a path prefix of VERITY_API_URL', async () => {
    const prefixed = await listening({ apiUrl: new URL('verity/', api.url) });
    try {
      await prefixed.inject({ method: 'GET', url: `${DEVICE}/challenges` });
      expect(api.seen[0]!.url).toBe(`/verity${DEVICE}/challenges`);
    } finally {
      await prefixed.close();
    }
  });
});

describe('the reference authenticator server with web push (FCM)', () => {
  const firebase = {
    apiKey: 'AIzaSyA-test-key-0123456789abcdefghijk',
    projectId: 'verity-demo',
    messagingSenderId: '123456789012',
    appId: '1:123456789012:web:0a1b2c3d4e5f6a7b',
    vapidKey: `B${'x'.repeat(86)}`,
  };
  let bundlesDir: string;
  let app: Awaited<ReturnType<typeof listening>>;

  beforeAll(async () => {
    bundlesDir = await mkdtemp(join(tmpdir(), 'authenticator-bundles-'));
    await writeFile(join(bundlesDir, 'firebase.js'), 'export const bundled = true;\n');
    app = await listening({ apiUrl: new URL('http://127.0.0.1:9/'), firebase, bundlesDir });
  });
  afterAll(async () => {
    await app.close();
    await rm(bundlesDir, { recursive: true });
  });

  it('gives the page the Firebase web app and VAPID key: /config.json', async () => {
    const response = await app.inject({ method: 'GET', url: '/config.json' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ firebase });
  });

  it('lets the page and the service worker reach Firebase for a token, and nothing more', async () => {
    const csp = String((await app.inject({ method: 'GET', url: '/' })).headers['content-security-policy']);
    const connect = csp.split('; ').find((directive) => directive.startsWith('connect-src'));
    expect(connect).toBe(`connect-src 'self' ${FIREBASE_ORIGINS.join(' ')}`);
    expect(FIREBASE_ORIGINS).toEqual([
      'https://firebaseinstallations.googleapis.com',
      'https://fcmregistrations.googleapis.com',
    ]);
    expect(csp.replace(connect!, "connect-src 'self'")).toBe(CONTENT_SECURITY_POLICY);
  });

  it('serves the bundled Firebase SDK next to the app’s own files', async () => {
    const bundle = await app.inject({ method: 'GET', url: '/firebase.js' });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.headers['content-type']).toMatch(/javascript/);
    expect(bundle.body).toContain('bundled');
    expect((await app.inject({ method: 'GET', url: '/app.js' })).statusCode).toBe(200);
  });
});
