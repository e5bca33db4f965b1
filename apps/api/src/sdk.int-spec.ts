import { type VerityClient, VerityProblem, createVerityClient } from '@verity/sdk';
import { generateSecret, generateSync } from 'otplib';
import { onboard, startApi, type TestApi } from './test/api.js';
import { PASSWORD, staffMember } from './test/sign-in.js';

/** The relying application's view: @verity/sdk over HTTP against the real API on Postgres and Redis. */
describe('@verity/sdk against the API', () => {
  let api: TestApi;
  let org: Awaited<ReturnType<typeof onboard>>;
  let verity: VerityClient;

  beforeAll(async () => {
    api = await startApi();
    org = await onboard(api, 'sdk');
    verity = createVerityClient({ baseUrl: await api.app.getUrl(), apiKey: org.key, timeoutMs: 15_000 });
  });
  afterAll(() => api.close());

  /** A member of staff with an authenticator app (codes only). */
  async function person() {
    const secret = generateSecret();
    const member = await staffMember(api, org.tenantId, {
      methods: [{ type: 'authenticator_code', secret }],
    });
    return { ...member, secret };
  }

  /** The password, then the authenticator code's challenge. */
  async function challenged(username: string) {
    const started = await verity.signIn.start({
      username,
      password: PASSWORD,
      client: { ip: '81.2.69.160', userAgent: 'Mozilla/5.0 (sdk test)', app: 'Verity portal' },
    });
    if (started.state !== 'mfa_required') throw new Error(`expected mfa_required, got ${started.state}`);
    const method = started.methods.find((m) => m.id === started.defaultMethodId)!;
    expect(method.type).toBe('authenticator_code');
    const challenge = await verity.signIn.challenge(started.flowId, method.id);
    expect(challenge).toMatchObject({ type: 'authenticator_code', methodId: method.id });
    return { flowId: started.flowId, challengeId: challenge.challengeId };
  }

  it('reads the organisation of the key', async () => {
    const organisation = await verity.organisation();
    expect(organisation.id).toBe(org.tenantId);
    expect(organisation.slug).toMatch(/^sdk-/);
    expect(organisation.name).toContain('NHS Foundation Trust');
  });

  it('signs in with an authenticator code, exchanges the result, and reads the session and security info', async () => {
    const who = await person();
    const { flowId, challengeId } = await challenged(who.username);
    const verified = await verity.signIn.verify(flowId, challengeId, {
      code: generateSync({ secret: who.secret }),
    });
    if (verified.state !== 'complete' || !('result' in verified))
      throw new Error(`expected a result, got ${JSON.stringify(verified)}`);
    expect(verified.result.split('.')).toHaveLength(3);

    const session = await verity.sessions.exchange(verified.result, {
      ip: '81.2.69.160',
      userAgent: 'Mozilla/5.0',
    });
    expect(session.token).toMatch(/^[\w-]{43}$/);
    expect(session.acr).toBe('aal2');
    expect(session.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));
    expect(session.account).toEqual({ id: who.account.id, username: who.username, displayName: 'Sam Staff' });

    const current = await verity.sessions.current(session.token);
    expect(current.sessionId).toBe(session.sessionId);
    expect(current.account.username).toBe(who.username);
    expect(current).not.toHaveProperty('token');

    const info = await verity.securityInfo.overview(session.token);
    expect(info.methods).toEqual([
      expect.objectContaining({
        id: who.methods[0]!.id,
        type: 'authenticator_code',
        isDefault: true,
        locked: false,
      }),
    ]);
    expect(info.defaultMethodId).toBe(who.methods[0]!.id);
    expect(info.mayAdd.map((m) => m.type)).toContain('mobile_text');

    const list = await verity.sessions.list(session.token);
    expect(list.sessions).toEqual([expect.objectContaining({ id: session.sessionId, current: true })]);

    // exchanged once only
    const again = await verity.sessions.exchange(verified.result).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(VerityProblem);
    expect(again).toMatchObject({ status: 409, code: 'result-used' });

    await expect(verity.sessions.signOut(session.token)).resolves.toBeUndefined();
    const ended = await verity.sessions.current(session.token).catch((e: unknown) => e);
    expect(ended).toBeInstanceOf(VerityProblem);
    expect(ended).toMatchObject({ status: 401, code: 'session-expired', title: 'Signed out' });
  });

  it('answers a wrong code with a VerityProblem 400 wrong-code', async () => {
    const who = await person();
    const { flowId, challengeId } = await challenged(who.username);
    const right = generateSync({ secret: who.secret });
    const wrong = String((Number(right) + 500_000) % 1_000_000).padStart(6, '0');

    const error = await verity.signIn.verify(flowId, challengeId, { code: wrong }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VerityProblem);
    const problem = error as VerityProblem;
    expect(problem.status).toBe(400);
    expect(problem.code).toBe('wrong-code');
    expect(problem.type).toBe('urn:verity:problem:wrong-code');
    expect(problem.detail).toBe('That code didn’t work. Check the code and try again.');
    expect(problem.message).not.toContain(org.key);

    // the flow goes on: the right code still signs in
    const verified = await verity.signIn.verify(flowId, challengeId, { code: right });
    expect(verified.state).toBe('complete');
  });

  it('answers a wrong password with 401 invalid-credentials, naming neither the key nor the password', async () => {
    const who = await person();
    const error = await verity.signIn
      .start({ username: who.username, password: `${PASSWORD} not` })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VerityProblem);
    expect(error).toMatchObject({ status: 401, code: 'invalid-credentials' });
    expect(String(error)).not.toContain(PASSWORD);
    expect(String(error)).not.toContain(org.key);
  });

  it('starts a password reset for an unknown user as for anyone: 201 and a CAPTCHA', async () => {
    const started = await verity.passwordReset.start({
      username: `nobody.${Date.now()}@example.nhs.uk`,
      client: { ip: '81.2.69.160' },
    });
    expect(started.state).toBe('captcha');
    expect(started.flowId).toMatch(/^[0-9a-f-]{36}$/);
    expect(started.captcha).toEqual(
      expect.objectContaining({
        algorithm: expect.any(String),
        challenge: expect.any(String),
        salt: expect.any(String),
        signature: expect.any(String),
      }),
    );
    // the same answer whatever the state, read back
    const status = await verity.passwordReset.status(started.flowId);
    expect(status).toMatchObject({ flowId: started.flowId, state: 'captcha' });
  });

  it('reads the developer inbox', async () => {
    const inbox = await verity.sandbox.messages({ limit: 10 });
    expect(Array.isArray(inbox.messages)).toBe(true);
  });

  it('refuses another key with a VerityProblem 401', async () => {
    const stranger = createVerityClient({ baseUrl: await api.app.getUrl(), apiKey: 'vty_not_a_real_key' });
    const error = await stranger.organisation().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VerityProblem);
    expect(error).toMatchObject({ status: 401 });
    expect(String(error)).not.toContain('vty_not_a_real_key');
  });
});
