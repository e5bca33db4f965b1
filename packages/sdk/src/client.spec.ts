import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { retryAfter } from './client.js';
import { VerityProblem, VerityUnavailable, createVerityClient } from './index.js';

const API_KEY = 'vty_live_2f1c0d9e8b7a6f5e4d3c2b1a0f9e8d7c';
const PASSWORD = 'correct horse battery staple 2026';
const TOKEN = 'q7YcXk2abcdefghijklmnopqrstuvwxyz0123456789';
const FLOW = '7c41a1e2-3b4c-4d5e-8f60-718293a4b5c6';
const CHALLENGE = '9a0e1b2c-3d4e-4f50-8a61-728394a5b6c7';

interface Seen {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
  signal: AbortSignal | null | undefined;
}

/** A fetch that records each request and answers with `answer`. */
function fakeFetch(answer: (seen: Seen) => Response | Promise<Response> = () => json(200, { ok: true })) {
  const seen: Seen[] = [];
  const fetch: typeof globalThis.fetch = async (input, init = {}) => {
    const request: Seen = {
      url: String(input),
      method: init.method ?? 'GET',
      headers: { ...(init.headers as Record<string, string>) },
      body: typeof init.body === 'string' ? JSON.parse(init.body) : init.body,
      signal: init.signal,
    };
    seen.push(request);
    return answer(request);
  };
  return { fetch, seen };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const problem = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ type: `urn:verity:problem:${String(body.code)}`, status, ...body }), {
    status,
    headers: { 'content-type': 'application/problem+json; charset=utf-8', ...headers },
  });

const clientWith = (fetch: typeof globalThis.fetch, timeoutMs?: number) =>
  createVerityClient({
    baseUrl: 'https://verity.example.nhs.uk/api/',
    apiKey: API_KEY,
    fetch,
    ...(timeoutMs ? { timeoutMs } : {}),
  });

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

/** Everything an error shows when logged: its message, stack and properties. */
const shown = (error: unknown) =>
  `${String(error)}\n${(error as Error).stack}\n${inspect(error, { depth: 5 })}`;

describe('@verity/sdk client', () => {
  it('sends the API key as a bearer token and the body as JSON, to the base URL and path', async () => {
    const { fetch, seen } = fakeFetch(() =>
      json(200, { flowId: FLOW, state: 'mfa_required', methods: [], unavailable: [] }),
    );
    const answer = await clientWith(fetch).signIn.start({
      username: 'jane.doe@trust.nhs.uk',
      password: PASSWORD,
      client: { ip: '81.2.69.160', userAgent: 'Mozilla/5.0', app: 'Verity portal' },
    });

    expect(answer).toMatchObject({ flowId: FLOW, state: 'mfa_required' });
    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(request!.url).toBe('https://verity.example.nhs.uk/api/v1/sign-in');
    expect(request!.method).toBe('POST');
    expect(request!.headers).toEqual({
      authorization: `Bearer ${API_KEY}`,
      accept: 'application/json, application/problem+json',
      'content-type': 'application/json',
    });
    expect(request!.body).toEqual({
      username: 'jane.doe@trust.nhs.uk',
      password: PASSWORD,
      client: { ip: '81.2.69.160', userAgent: 'Mozilla/5.0', app: 'Verity portal' },
    });
    expect(request!.signal).toBeInstanceOf(AbortSignal);
  });

  it('sends the session token in Verity-Session, and no body or content type on a GET', async () => {
    const { fetch, seen } = fakeFetch(() => json(200, { sessionId: 's' }));
    await clientWith(fetch).sessions.current(TOKEN);
    expect(seen[0]!.url).toBe('https://verity.example.nhs.uk/api/v1/session');
    expect(seen[0]!.method).toBe('GET');
    expect(seen[0]!.headers).toEqual({
      authorization: `Bearer ${API_KEY}`,
      accept: 'application/json, application/problem+json',
      'verity-session': TOKEN,
    });
    expect(seen[0]!.body).toBeUndefined();
  });

  it('calls each route with its method, path and body', async () => {
    const { fetch, seen } = fakeFetch(() => json(200, {}));
    const verity = clientWith(fetch);
    await verity.organisation();
    await verity.signIn.challenge(FLOW, CHALLENGE);
    await verity.signIn.verify(FLOW, CHALLENGE, { code: '123456', rememberDevice: true }, { session: TOKEN });
    await verity.signIn.status(FLOW, { rememberDevice: true, session: TOKEN });
    await verity.signIn.status(FLOW);
    await verity.sessions.exchange('a.b.c', { ip: '81.2.69.160' });
    await verity.sessions.list(TOKEN);
    await verity.sessions.revoke(TOKEN, CHALLENGE);
    await verity.sessions.stepUp(TOKEN);
    await verity.sessions.stepUp(TOKEN, { app: 'Verity portal' });
    await verity.wizard.view(FLOW);
    await verity.wizard.addMethod(FLOW, { type: 'mobile_text', phone: '07700 900123' });
    await verity.wizard.enrolment(FLOW, CHALLENGE);
    await verity.wizard.resend(FLOW, CHALLENGE);
    await verity.wizard.verify(FLOW, CHALLENGE);
    await verity.wizard.snooze(FLOW);
    await verity.wizard.done(FLOW);
    await verity.securityInfo.overview(TOKEN);
    await verity.securityInfo.addMethod(TOKEN, { type: 'email', email: 'jane@example.com', label: 'Home' });
    await verity.securityInfo.enrolment(TOKEN, CHALLENGE);
    await verity.securityInfo.resend(TOKEN, CHALLENGE);
    await verity.securityInfo.verify(TOKEN, CHALLENGE, { code: '654321' });
    await verity.securityInfo.changePhone(TOKEN, CHALLENGE, '07700 900456');
    await verity.securityInfo.rename(TOKEN, CHALLENGE, 'Work phone');
    await verity.securityInfo.setDefault(TOKEN, CHALLENGE);
    await verity.securityInfo.appPasswords.create(TOKEN, { name: 'Outlook 2010', scopes: ['imap', 'smtp'] });
    await verity.securityInfo.appPasswords.list(TOKEN);
    await verity.passwordReset.start({ username: 'jane.doe@trust.nhs.uk' });
    await verity.passwordReset.solveCaptcha(FLOW, 'eyJudW1iZXIiOjF9');
    await verity.passwordReset.challenge(FLOW, { kind: 'mobile_text', phone: '07700 900123' });
    await verity.passwordReset.verify(FLOW, CHALLENGE, { answers: [{ questionId: 'q', answer: 'a' }] });
    await verity.passwordReset.status(FLOW);
    await verity.passwordReset.checkPassword(FLOW, PASSWORD);
    await verity.passwordReset.setPassword(FLOW, PASSWORD);
    await verity.sandbox.messages({ limit: 5 });

    const routes = seen.map((s) => [
      s.method,
      s.url.replace('https://verity.example.nhs.uk/api', ''),
      s.body,
      s.headers['verity-session'],
    ]);
    const f = `/v1/sign-in/${FLOW}`;
    const r = `/v1/password-reset/${FLOW}`;
    const c = CHALLENGE;
    expect(routes).toEqual([
      ['GET', '/v1/organisation', undefined, undefined],
      ['POST', `${f}/challenges`, { methodId: c }, undefined],
      ['POST', `${f}/challenges/${c}/verify`, { code: '123456', rememberDevice: true }, TOKEN],
      ['GET', `${f}?rememberDevice=true`, undefined, TOKEN],
      ['GET', f, undefined, undefined],
      ['POST', '/v1/sessions', { result: 'a.b.c', client: { ip: '81.2.69.160' } }, undefined],
      ['GET', '/v1/session/sessions', undefined, TOKEN],
      ['DELETE', `/v1/session/sessions/${c}`, undefined, TOKEN],
      ['POST', '/v1/session/step-up', {}, TOKEN],
      ['POST', '/v1/session/step-up', { client: { app: 'Verity portal' } }, TOKEN],
      ['GET', `${f}/registration`, undefined, undefined],
      ['POST', `${f}/registration/methods`, { type: 'mobile_text', phone: '07700 900123' }, undefined],
      ['GET', `${f}/registration/enrolments/${c}`, undefined, undefined],
      ['POST', `${f}/registration/enrolments/${c}/resend`, undefined, undefined],
      ['POST', `${f}/registration/enrolments/${c}/verify`, {}, undefined],
      ['POST', `${f}/registration/snooze`, undefined, undefined],
      ['POST', `${f}/registration/done`, undefined, undefined],
      ['GET', '/v1/security-info', undefined, TOKEN],
      [
        'POST',
        '/v1/security-info/methods',
        { type: 'email', email: 'jane@example.com', label: 'Home' },
        TOKEN,
      ],
      ['GET', `/v1/security-info/enrolments/${c}`, undefined, TOKEN],
      ['POST', `/v1/security-info/enrolments/${c}/resend`, undefined, TOKEN],
      ['POST', `/v1/security-info/enrolments/${c}/verify`, { code: '654321' }, TOKEN],
      ['PUT', `/v1/security-info/methods/${c}/phone`, { phone: '07700 900456' }, TOKEN],
      ['PATCH', `/v1/security-info/methods/${c}`, { label: 'Work phone' }, TOKEN],
      ['PUT', '/v1/security-info/default-method', { methodId: c }, TOKEN],
      ['POST', '/v1/security-info/app-passwords', { name: 'Outlook 2010', scopes: ['imap', 'smtp'] }, TOKEN],
      ['GET', '/v1/security-info/app-passwords', undefined, TOKEN],
      ['POST', '/v1/password-reset', { username: 'jane.doe@trust.nhs.uk' }, undefined],
      ['POST', `${r}/captcha`, { solution: 'eyJudW1iZXIiOjF9' }, undefined],
      ['POST', `${r}/challenges`, { kind: 'mobile_text', phone: '07700 900123' }, undefined],
      ['POST', `${r}/challenges/${c}/verify`, { answers: [{ questionId: 'q', answer: 'a' }] }, undefined],
      ['GET', r, undefined, undefined],
      ['POST', `${r}/password/check`, { password: PASSWORD }, undefined],
      ['POST', `${r}/password`, { password: PASSWORD }, undefined],
      ['GET', '/v1/sandbox/messages?limit=5', undefined, undefined],
    ]);
  });

  it('escapes ids in the path', async () => {
    const { fetch, seen } = fakeFetch(() => json(200, {}));
    await clientWith(fetch).wizard.view('../../admin/tenants?x=1');
    expect(seen[0]!.url).toBe(
      'https://verity.example.nhs.uk/api/v1/sign-in/..%2F..%2Fadmin%2Ftenants%3Fx%3D1/registration',
    );
  });

  it('answers undefined for 204 No Content', async () => {
    const { fetch, seen } = fakeFetch(() => new Response(null, { status: 204 }));
    const verity = clientWith(fetch);
    await expect(verity.sessions.signOut(TOKEN)).resolves.toBeUndefined();
    await expect(verity.securityInfo.remove(TOKEN, CHALLENGE)).resolves.toBeUndefined();
    await expect(verity.securityInfo.appPasswords.revoke(TOKEN, CHALLENGE)).resolves.toBeUndefined();
    expect(seen.map((s) => s.method)).toEqual(['DELETE', 'DELETE', 'DELETE']);
  });

  it('turns a problem document into a VerityProblem', async () => {
    const body = {
      title: 'Wrong code',
      detail: 'That code didn’t work. Check the code and try again.',
      code: 'wrong-code',
    };
    const { fetch } = fakeFetch(() => problem(400, body));
    const error = await caught(clientWith(fetch).signIn.verify(FLOW, CHALLENGE, { code: '000000' }));

    expect(error).toBeInstanceOf(VerityProblem);
    expect(error).toBeInstanceOf(Error);
    const p = error as VerityProblem;
    expect(p.name).toBe('VerityProblem');
    expect(p.status).toBe(400);
    expect(p.code).toBe('wrong-code');
    expect(p.type).toBe('urn:verity:problem:wrong-code');
    expect(p.title).toBe('Wrong code');
    expect(p.detail).toBe(body.detail);
    expect(p.message).toBe(`400 wrong-code: ${body.detail}`);
    expect(p.body).toEqual({ type: 'urn:verity:problem:wrong-code', status: 400, ...body });
    expect(p.reasons).toBeUndefined();
    expect(p.errors).toBeUndefined();
    expect(p.retryAfterSeconds).toBeUndefined();
  });

  it('keeps the reasons, the field errors and the further members of a problem', async () => {
    const reasons = [
      { code: 'OFFICE_PHONE_EXTENSION', message: 'A direct dial telephone number is required.' },
    ];
    const errors = [{ field: 'phone', message: 'must be a phone number' }];
    const answers = [
      problem(422, { title: 'Not allowed', detail: reasons[0]!.message, code: 'method-refused', reasons }),
      problem(400, {
        title: 'Your request has errors',
        detail: 'phone: …',
        code: 'validation-failed',
        errors,
      }),
      problem(422, {
        title: 'Choose another password',
        detail: 'Too guessable.',
        code: 'password-refused',
        reasons: [{ code: 'PASSWORD_TOO_GUESSABLE', message: 'Too guessable.' }],
        strength: { score: 1, warning: null, suggestions: [], guessesLog10: 4 },
      }),
    ];
    const { fetch } = fakeFetch(() => answers.shift()!);
    const verity = clientWith(fetch);

    const refused = (await caught(
      verity.securityInfo.addMethod(TOKEN, { type: 'office_call', phone: '01632 960000 ext 12' }),
    )) as VerityProblem;
    expect(refused.status).toBe(422);
    expect(refused.code).toBe('method-refused');
    expect(refused.reasons).toEqual(reasons);

    const invalid = (await caught(verity.securityInfo.changePhone(TOKEN, CHALLENGE, 'x'))) as VerityProblem;
    expect(invalid.code).toBe('validation-failed');
    expect(invalid.errors).toEqual(errors);

    const weak = (await caught(verity.passwordReset.setPassword(FLOW, 'password1'))) as VerityProblem;
    expect(weak.code).toBe('password-refused');
    expect(weak.body.strength).toEqual({ score: 1, warning: null, suggestions: [], guessesLog10: 4 });
  });

  it('reads Retry-After, in seconds or as a date', async () => {
    const answers = [
      problem(
        423,
        { title: 'Locked', detail: 'Too many attempts.', code: 'factor-locked', retryAfterSeconds: 300 },
        {
          'retry-after': '300',
        },
      ),
      problem(
        429,
        { title: 'Wait a moment', detail: 'We just sent you a code.', code: 'resend-too-soon' },
        {
          'retry-after': new Date(Date.now() + 30_000).toUTCString(),
        },
      ),
      problem(503, {
        title: 'Try again shortly',
        detail: 'Try again shortly.',
        code: 'unavailable',
        retryAfterSeconds: 5,
      }),
    ];
    const { fetch } = fakeFetch(() => answers.shift()!);
    const verity = clientWith(fetch);

    const locked = (await caught(verity.signIn.verify(FLOW, CHALLENGE, { code: '123456' }))) as VerityProblem;
    expect(locked.status).toBe(423);
    expect(locked.retryAfterSeconds).toBe(300);
    const tooSoon = (await caught(verity.signIn.challenge(FLOW, CHALLENGE))) as VerityProblem;
    expect(tooSoon.retryAfterSeconds).toBeGreaterThanOrEqual(28);
    expect(tooSoon.retryAfterSeconds).toBeLessThanOrEqual(30);
    // no header: the document's own member
    const busy = (await caught(verity.signIn.start({ username: 'u', password: PASSWORD }))) as VerityProblem;
    expect(busy.retryAfterSeconds).toBe(5);

    expect(retryAfter(null)).toBeUndefined();
    expect(retryAfter(' 12 ')).toBe(12);
    expect(retryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:00 GMT'))).toBe(60);
    expect(retryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 08:00:00 GMT'))).toBe(0);
    expect(retryAfter('soon')).toBeUndefined();
  });

  it('makes a VerityProblem of an error answer that is not a problem document', async () => {
    const { fetch } = fakeFetch(
      () =>
        new Response('<html><body>Bad gateway</body></html>', {
          status: 502,
          statusText: 'Bad Gateway',
          headers: { 'content-type': 'text/html' },
        }),
    );
    const error = (await caught(clientWith(fetch).organisation())) as VerityProblem;
    expect(error).toBeInstanceOf(VerityProblem);
    expect(error.status).toBe(502);
    expect(error.code).toBe('http-502');
    expect(error.title).toBe('Bad Gateway');
    expect(error.body).toMatchObject({ status: 502, code: 'http-502' });
  });

  it('turns a timeout into VerityUnavailable, naming neither the key nor the password', async () => {
    // a fetch that never answers, as a hung server: only the timeout's signal ends it
    const fetch: typeof globalThis.fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal!.reason));
      });
    const started = Date.now();
    const error = await caught(
      clientWith(fetch, 50).signIn.start({ username: 'jane.doe@trust.nhs.uk', password: PASSWORD }),
    );

    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(VerityUnavailable);
    expect(error).not.toBeInstanceOf(VerityProblem);
    const u = error as VerityUnavailable;
    expect(u.name).toBe('VerityUnavailable');
    expect(u.reason).toBe('timeout');
    expect(u.method).toBe('POST');
    expect(u.path).toBe('/v1/sign-in');
    expect(u.message).toBe(
      'The Verity API at https://verity.example.nhs.uk did not answer POST /v1/sign-in within 50 ms.',
    );
    expect(shown(error)).not.toContain(API_KEY);
    expect(shown(error)).not.toContain(PASSWORD);
  });

  it('turns a network failure into VerityUnavailable, keeping only the system code of the cause', async () => {
    // an error whose text holds the key and the password, as a careless proxy agent might write it
    const fetch: typeof globalThis.fetch = async (_input, init) => {
      throw new TypeError(`fetch failed: ${JSON.stringify(init)}`, {
        cause: Object.assign(new Error(`connect ECONNREFUSED 10.0.0.1:443 (Bearer ${API_KEY})`), {
          code: 'ECONNREFUSED',
        }),
      });
    };
    const error = await caught(clientWith(fetch).passwordReset.setPassword(FLOW, PASSWORD));

    expect(error).toBeInstanceOf(VerityUnavailable);
    const u = error as VerityUnavailable;
    expect(u.reason).toBe('network');
    expect(u.errorCode).toBe('ECONNREFUSED');
    expect(u.message).toBe(
      `The Verity API at https://verity.example.nhs.uk could not be reached for POST /v1/password-reset/${FLOW}/password (ECONNREFUSED).`,
    );
    expect(shown(error)).not.toContain(API_KEY);
    expect(shown(error)).not.toContain(PASSWORD);
  });

  it('turns a success that is not JSON into VerityUnavailable', async () => {
    const { fetch } = fakeFetch(() => new Response('<html>Welcome to nginx!</html>', { status: 200 }));
    const error = (await caught(clientWith(fetch).organisation())) as VerityUnavailable;
    expect(error).toBeInstanceOf(VerityUnavailable);
    expect(error.reason).toBe('invalid-response');
  });

  it('answers a token that cannot be sent as a header as the API answers a malformed one, without calling', async () => {
    const { fetch, seen } = fakeFetch();
    const verity = clientWith(fetch);
    for (const token of ['', 'abc\r\nx-injected: 1', 'café']) {
      const error = (await caught(verity.sessions.current(token))) as VerityProblem;
      expect(error).toBeInstanceOf(VerityProblem);
      expect(error.status).toBe(401);
      expect(error.code).toBe('session-expired');
    }
    expect(seen).toHaveLength(0);
  });

  it('refuses options it cannot use, without showing the key', () => {
    const fetch = fakeFetch().fetch;
    const bad = `${API_KEY} with a space`;
    expect(() => createVerityClient({ baseUrl: 'https://verity.example', apiKey: bad, fetch })).toThrow(
      TypeError,
    );
    try {
      createVerityClient({ baseUrl: 'https://verity.example', apiKey: bad, fetch });
    } catch (error) {
      expect(String(error)).not.toContain(API_KEY);
    }
    expect(() => createVerityClient({ baseUrl: 'verity.example', apiKey: API_KEY, fetch })).toThrow(
      'baseUrl must be an absolute http(s) URL',
    );
    expect(() =>
      createVerityClient({ baseUrl: 'https://user:secret@verity.example', apiKey: API_KEY, fetch }),
    ).toThrow('baseUrl must not carry credentials');
    expect(() =>
      createVerityClient({ baseUrl: 'https://verity.example', apiKey: API_KEY, fetch, timeoutMs: 0 }),
    ).toThrow('timeoutMs must be a positive number');
  });

  describe('with Node’s own fetch', () => {
    let server: Server;
    let baseUrl: string;
    const held: { end(): void }[] = [];

    beforeAll(async () => {
      // answers /slow never, and anything else with the organisation
      server = createServer((request, response) => {
        if (request.url === '/v1/organisation')
          response
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ slug: 'trust' }));
        else held.push(response);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      for (const response of held) response.end();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('answers, and times out a server that does not', async () => {
      const verity = createVerityClient({ baseUrl, apiKey: API_KEY, timeoutMs: 200 });
      await expect(verity.organisation()).resolves.toEqual({ slug: 'trust' });
      const error = (await caught(verity.sessions.current(TOKEN))) as VerityUnavailable;
      expect(error).toBeInstanceOf(VerityUnavailable);
      expect(error.reason).toBe('timeout');
      expect(shown(error)).not.toContain(API_KEY);
      expect(shown(error)).not.toContain(TOKEN);
    });

    it('reports a refused connection as unavailable', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const verity = createVerityClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: API_KEY });
      const error = (await caught(
        verity.signIn.start({ username: 'jane.doe@trust.nhs.uk', password: PASSWORD }),
      )) as VerityUnavailable;
      expect(error).toBeInstanceOf(VerityUnavailable);
      expect(error.reason).toBe('network');
      expect(error.errorCode).toBe('ECONNREFUSED');
      expect(shown(error)).not.toContain(API_KEY);
      expect(shown(error)).not.toContain(PASSWORD);
    });
  });
});
