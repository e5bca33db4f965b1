import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { onboard, startApi, type TestApi } from '../../api/src/test/api.js';
import { base32Decode, rfc6238 } from '../../api/src/test/rfc6238.js';
import { PASSWORD, activateApp, staffMember } from '../../api/src/test/sign-in.js';

const portalMain = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../portal/dist/main.js');

/*
 * Issue 17 item 4: the portal never holds an enrolment's secrets. The real API (in this process) and the portal (built,
 * a process of its own, with its sessions in Redis under a prefix of its own) are driven as a browser without JavaScript
 * drives them, through every kind of enrolment in the wizard and on Security info; during each, and after it,
 * every one of the portal's Redis keys is read and searched for what the person saw or typed: the TOTP seed (and
 * so its otpauth:// URI), the app's activation link and code, the number of its test notification, the phone
 * number and address typed, the answers to security questions.
 */

const REDIS_URL = 'redis://127.0.0.1:6379';
const portalPrefix = `verity-portal-secrets-${randomBytes(4).toString('hex')}`;
/** Long enough to be found only where it was put. */
const answer = () => `answer-${randomBytes(6).toString('hex')}`;

describe('the portal keeps no enrolment secret', () => {
  let api: TestApi;
  let org: Awaited<ReturnType<typeof onboard>> & { slug: string };
  let portalUrl: string;
  let portal: ChildProcess;
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    api = await startApi({ WEBAUTHN_RP_ID: 'localhost' });
    const made = await onboard(api, 'portal-secrets');
    const organisation = await api.request({ method: 'GET', url: '/v1/organisation', key: made.key });
    org = { ...made, slug: organisation.body.slug as string };
    const current = await api.request({ method: 'GET', url: '/v1/organisation/policy', key: org.key });
    const saved = await api.request({
      method: 'PUT',
      url: '/v1/organisation/policy',
      key: org.key,
      body: {
        expectedVersion: current.body.version,
        policy: {
          ...current.body.policy,
          allowedMethods: [...current.body.policy.allowedMethods, 'security_questions'],
          sspr: {
            ...current.body.policy.sspr,
            eligibleMethods: [...current.body.policy.sspr.eligibleMethods, 'security_questions'],
          },
        },
      },
    });
    expect(saved.body).toMatchObject({ version: expect.any(Number) });
    portal = spawn(process.execPath, [portalMain], {
      env: {
        ...process.env,
        PORTAL_ORGANISATIONS: JSON.stringify({ [org.slug]: org.key }),
        PORTAL_COOKIE_SECRET: randomBytes(32).toString('base64'),
        VERITY_API_URL: await api.app.getUrl(),
        PORTAL_HOST: '127.0.0.1',
        PORTAL_PORT: '0',
        REDIS_URL,
        REDIS_PREFIX: portalPrefix,
        NODE_ENV: 'development',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    portalUrl = await new Promise<string>((resolve, reject) => {
      portal.once('exit', (code) => reject(new Error(`the portal exited (${code})`)));
      portal.stdout!.on('data', (chunk) => {
        const address = /Verity portal on (http:\/\/\S+)/.exec(String(chunk))?.[1];
        if (address) resolve(address);
      });
    });
  }, 60_000);

  afterAll(async () => {
    const keys = await redis.keys(`${portalPrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    portal?.kill('SIGTERM');
    await api?.close();
  });

  /** Everything the portal keeps in Redis: every key under its prefix, with its value whatever its type. */
  async function portalRedis(): Promise<string> {
    const keys = await redis.keys(`${portalPrefix}:*`);
    const parts: string[] = [];
    for (const key of keys) {
      const type = await redis.type(key);
      const value =
        type === 'string'
          ? await redis.get(key)
          : type === 'hash'
            ? await redis.hgetall(key)
            : type === 'list'
              ? await redis.lrange(key, 0, -1)
              : type === 'set'
                ? await redis.smembers(key)
                : await redis.zrange(key, 0, -1);
      parts.push(`${key} ${typeof value === 'string' ? value : JSON.stringify(value)}`);
    }
    return parts.join('\n');
  }

  /** None of `secrets` anywhere in the portal's Redis; and the enrolment is there, by its id (the right place). */
  async function expectNoneKept(secrets: string[], enrolmentOpen: boolean) {
    const kept = await portalRedis();
    expect(kept).toMatch(/portal:session:/);
    if (enrolmentOpen) expect(kept).toMatch(/"enrolmentId":"[0-9a-f-]{36}"/);
    for (const secret of secrets.filter(Boolean))
      expect({ secret, kept: kept.includes(secret) }).toEqual({ secret, kept: false });
  }

  /** A browser without JavaScript: its cookies, and the CSRF token of the last page it saw. */
  function browser() {
    const cookies = new Map<string, string>();
    let token = '';
    const at = (path: string) => `${portalUrl}/${org.slug}${path}`;
    async function go(
      url: string,
      form?: Record<string, string>,
    ): Promise<{ status: number; url: string; html: string }> {
      const response = await fetch(url, {
        method: form ? 'POST' : 'GET',
        redirect: 'manual',
        headers: {
          cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
          ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(form ? { body: new URLSearchParams({ _csrf: token, ...form }).toString() } : {}),
      });
      for (const line of response.headers.getSetCookie()) {
        const [pair = ''] = line.split(';');
        const at = pair.indexOf('=');
        cookies.set(pair.slice(0, at), pair.slice(at + 1));
      }
      const location = response.headers.get('location');
      if (response.status === 303 && location) return go(new URL(location, url).href);
      const html = await response.text();
      token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? token;
      return { status: response.status, url, html };
    }
    return {
      get: (path: string) => go(at(path)),
      post: (path: string, form: Record<string, string>) => go(at(path), form),
    };
  }

  const testId = (html: string, id: string) =>
    new RegExp(`data-testid="${id}">([^<]+)<`).exec(html)?.[1]?.replace(/&amp;/g, '&').trim() ?? '';
  const totpNow = (secret: string) => rfc6238(base32Decode(secret), Math.floor(Date.now() / 1000));

  it('in the wizard: an authenticator app by code, the app with notifications, a phone, a security key, an email', async () => {
    const { username } = await staffMember(api, org.tenantId);
    const person = browser();
    await person.get('/sign-in');
    const wizard = await person.post('/sign-in', { username, password: PASSWORD });
    expect(wizard.html).toContain('Method 1 of 2');

    // another authenticator app, by its code: the seed shown, never kept; proved, then nothing of it left
    const totp = await person.post('/register', { type: 'authenticator_code' });
    const seed = testId(totp.html, 'totp-secret');
    expect(seed).toMatch(/^[A-Z2-7]{16,}$/);
    await expectNoneKept([seed, seed.toLowerCase(), 'otpauth://'], true);
    const proved = await person.post('/register/enrolment', { code: totpNow(seed) });
    expect(proved.html).toContain('Method 2 of 2');
    await expectNoneKept([seed, seed.toLowerCase(), 'otpauth://'], false);

    // the app with notifications: its activation link (and code), then the test notification's number
    const app = await person.post('/register', { type: 'authenticator_push' });
    const link = testId(app.html, 'activation-link');
    const code = new URL(link).searchParams.get('code')!;
    expect(code.length).toBeGreaterThan(8);
    await expectNoneKept([link, code], true);
    await activateApp(api, link);
    const test = await person.post('/register/enrolment', { action: 'resend' });
    const number = testId(test.html, 'number');
    expect(number).toMatch(/^\d{2,3}$/);
    await expectNoneKept([link, code, `"number":"${number}"`, `"number":${number}`], true);
    await person.get('/register/enrolment');
    await expectNoneKept([link, code, `"number":"${number}"`], true);

    // a phone by text, typed in national form: started (no error), the number not kept
    const phone = await person.post('/register', { type: 'mobile_text', phone: '07700 900123' });
    expect(phone.html).toMatch(/We just sent a 6 digit code to \+44/);
    await expectNoneKept(['07700 900123', '7700900123'], true);

    // a security key's ceremony, and an email address
    const key = await person.post('/register', { type: 'security_key' });
    expect(key.html).toContain('webauthn-options');
    await expectNoneKept([], true);
    const email = `${answer()}@example.nhs.uk`;
    const emailed = await person.post('/register', { type: 'email', email });
    expect(emailed.status).toBe(200);
    await expectNoneKept([email], emailed.html.includes('We just sent'));
  }, 60_000);

  it('on Security info: the app, a code app, a phone, its change, security questions, an email, a security key', async () => {
    const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    const { username } = await staffMember(api, org.tenantId, {
      methods: [
        { type: 'authenticator_code', secret },
        { type: 'mobile_text', phone: '+447400123987' },
      ],
    });
    const person = browser();
    await person.get('/sign-in');
    await person.post('/sign-in', { username, password: PASSWORD });
    const signedIn = await person.post('/sign-in/verify', { code: totpNow(secret) });
    expect(signedIn.html).toContain('Security info');

    const totp = await person.post('/security-info/add', { type: 'authenticator_code' });
    const seed = testId(totp.html, 'totp-secret');
    expect(seed).toMatch(/^[A-Z2-7]{16,}$/);
    await expectNoneKept([seed, 'otpauth://'], true);
    await person.post('/security-info/enrolment', { code: totpNow(seed) });
    await expectNoneKept([seed, 'otpauth://'], false);

    const app = await person.post('/security-info/add', { type: 'authenticator_push' });
    const link = testId(app.html, 'activation-link');
    await expectNoneKept([link, new URL(link).searchParams.get('code')!], true);

    const typed = '07400 555 123';
    const phone = await person.post('/security-info/add', { type: 'mobile_call', phone: typed });
    expect(phone.status).toBe(200);
    await expectNoneKept([typed, '+447400555123'], true);

    const overview = await person.get('/security-info');
    const textId = /\/security-info\/([0-9a-f-]{36})\/phone/.exec(overview.html)?.[1];
    expect(textId).toBeDefined();
    const changed = await person.post(`/security-info/${textId}/phone`, { phone: '07400 555 124' });
    expect(changed.html).toMatch(/We just sent a 6 digit code to \+44/);
    await expectNoneKept(['07400 555 124', '+447400555124'], true);

    const questions = await person.post('/security-info/add', { type: 'security_questions' });
    const ids = [...questions.html.matchAll(/name="answer-([^"]+)"/g)].map((m) => m[1]!);
    expect(ids.length).toBeGreaterThan(0);
    const answers = Object.fromEntries(ids.map((id) => [`answer-${id}`, answer()]));
    await person.post('/security-info/enrolment', answers);
    await expectNoneKept(Object.values(answers), false);

    const email = `${answer()}@example.nhs.uk`;
    await person.post('/security-info/add', { type: 'email', email });
    await expectNoneKept([email], true);

    const key = await person.post('/security-info/add', { type: 'security_key' });
    expect(key.html).toContain('webauthn-options');
    await expectNoneKept([], true);
  }, 60_000);
});
