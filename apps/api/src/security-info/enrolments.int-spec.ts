import { randomBytes } from 'node:crypto';
import { DeliveryLedger, Tenancy } from '@verity/db';
import { createSoftAuthenticator } from '@verity/testing';
import { generateSecret, generateSync } from 'otplib';
import { openDetails } from '../methods/method-details.js';
import { TenantCipher } from '@verity/secrets';
import { onboard, startApi, type TestApi } from '../test/api.js';
import { PASSWORD, codeIn, messageOf, staffMember, twilioPosts } from '../test/sign-in.js';

const PUBLIC_URL = 'https://verity.example.nhs.uk';
const AUTH_TOKEN = 'twilio-auth-token-for-enrolments';
const twilio = { accountSid: `AC${'c'.repeat(32)}`, authToken: AUTH_TOKEN, from: '+447700900001' };
const ORIGIN = 'http://localhost:3000';

describe('adding methods on Security info, each proved before it counts', () => {
  let api: TestApi;
  let org: Awaited<ReturnType<typeof onboard>>;

  beforeAll(async () => {
    api = await startApi({
      PUBLIC_URL,
      CHANNELS: JSON.stringify({ voice: { provider: 'twilio-voice', config: twilio } }),
    });
    org = await onboard(api, 'enrol');
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
  });
  afterAll(() => api.close());

  /** A member of staff with an authenticator app, signed in to a session a moment ago. */
  async function signedIn() {
    const secret = generateSecret();
    const member = await staffMember(api, org.tenantId, {
      methods: [{ type: 'authenticator_code', secret }],
    });
    const flow = await api.request({
      method: 'POST',
      url: '/v1/sign-in',
      key: org.key,
      body: { username: member.username, password: PASSWORD },
    });
    const asked = await api.request({
      method: 'POST',
      url: `/v1/sign-in/${flow.body.flowId}/challenges`,
      key: org.key,
      body: { methodId: member.methods[0]!.id },
    });
    const done = await api.request({
      method: 'POST',
      url: `/v1/sign-in/${flow.body.flowId}/challenges/${asked.body.challengeId}/verify`,
      key: org.key,
      body: { code: generateSync({ secret }) },
    });
    expect(done.body.state).toBe('complete');
    const session = await api.request({
      method: 'POST',
      url: '/v1/sessions',
      key: org.key,
      body: { result: done.body.result },
    });
    expect(session.status).toBe(201);
    const headers = { 'verity-session': session.body.token as string };
    const call = (method: 'GET' | 'POST', url: string, body?: unknown) =>
      api.request({ method, url, key: org.key, headers, ...(body !== undefined ? { body } : {}) });
    return { ...member, call };
  }

  const challengeOf = async (enrolmentId: string): Promise<string> =>
    (
      await api.app
        .get(Tenancy)
        .run(org.tenantId, (scope) =>
          scope.manager.query(`SELECT data->>'challengeId' AS id FROM flows WHERE id = $1`, [enrolmentId]),
        )
    )[0].id;

  it('registers a security key through the WebAuthn ceremony, and it signs in', async () => {
    const person = await signedIn();
    const started = await person.call('POST', '/v1/security-info/methods', {
      type: 'security_key',
      label: 'YubiKey',
    });
    expect(started.status).toBe(201);
    expect(started.body.state).toBe('waiting_for_security_key');
    expect(started.body.publicKey).toMatchObject({ rp: { id: 'localhost' }, attestation: 'none' });
    const authenticator = createSoftAuthenticator({ origin: ORIGIN, rpId: 'localhost' });
    const credential = authenticator.register(started.body.publicKey);
    // a credential made for another challenge is refused
    const other = createSoftAuthenticator({ origin: ORIGIN, rpId: 'localhost' }).register({
      ...started.body.publicKey,
      challenge: Buffer.from('another challenge').toString('base64url'),
    });
    const refused = await person.call(
      'POST',
      `/v1/security-info/enrolments/${started.body.enrolmentId}/verify`,
      {
        credential: other,
      },
    );
    expect(refused.status).toBe(400);
    const saved = await person.call(
      'POST',
      `/v1/security-info/enrolments/${started.body.enrolmentId}/verify`,
      {
        credential,
      },
    );
    expect(saved.status).toBe(200);
    expect(saved.body.methods[0]).toMatchObject({ type: 'security_key', label: 'YubiKey' });

    const flow = await api.request({
      method: 'POST',
      url: '/v1/sign-in',
      key: org.key,
      body: { username: person.username, password: PASSWORD },
    });
    const asked = await api.request({
      method: 'POST',
      url: `/v1/sign-in/${flow.body.flowId}/challenges`,
      key: org.key,
      body: { methodId: saved.body.methods[0].id },
    });
    const assertion = authenticator.authenticate(asked.body.publicKey);
    const done = await api.request({
      method: 'POST',
      url: `/v1/sign-in/${flow.body.flowId}/challenges/${asked.body.challengeId}/verify`,
      key: org.key,
      body: { assertion },
    });
    expect(done.body.state).toBe('complete');
  });

  it('keeps security question answers only as argon2id hashes of the normalised answer', async () => {
    const person = await signedIn();
    const started = await person.call('POST', '/v1/security-info/methods', { type: 'security_questions' });
    expect(started.body).toMatchObject({ state: 'waiting_for_answers', questions: { answer: 3 } });
    const [a, b, c] = started.body.questions.from as { id: string }[];
    const tooFew = await person.call(
      'POST',
      `/v1/security-info/enrolments/${started.body.enrolmentId}/verify`,
      {
        answers: [{ questionId: a!.id, answer: 'Fluffy' }],
      },
    );
    expect(tooFew.status).toBe(400);
    expect(tooFew.body.errors[0].field).toBe('answers');
    const answers = [
      { questionId: a!.id, answer: '  Fluffy the Cat! ' },
      { questionId: b!.id, answer: 'Leeds General' },
      { questionId: c!.id, answer: 'Pizza Margherita' },
    ];
    const saved = await person.call(
      'POST',
      `/v1/security-info/enrolments/${started.body.enrolmentId}/verify`,
      {
        answers,
      },
    );
    expect(saved.status).toBe(200);
    const method = await api.app
      .get(Tenancy)
      .run(org.tenantId, (scope) =>
        scope.manager.getRepository('Method').findOneByOrFail({ id: saved.body.methods[0].id }),
      );
    expect(method.detailsEnc.toString('latin1')).not.toMatch(/fluffy/i);
    const details = await openDetails(api.app.get(TenantCipher), method as never);
    expect(JSON.stringify(details)).not.toMatch(/fluffy|leeds|pizza/i);
    expect((details as { answers: { hash: string }[] }).answers[0]!.hash).toMatch(/^\$argon2id\$/);
  });

  it('adds a phone by a call answered with #, then an email address (allowed once a phone exists) by a code', async () => {
    const person = await signedIn();
    const started = await person.call('POST', '/v1/security-info/methods', {
      type: 'mobile_call',
      phone: '+44 7400 123401',
    });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ state: 'calling', calling: expect.stringMatching(/01$/) });
    const { delivery, content } = await messageOf(
      api,
      org.tenantId,
      await challengeOf(started.body.enrolmentId),
    );
    expect(delivery.channel).toBe('voice');
    const callSid = `CA${randomBytes(16).toString('hex')}`;
    const ledger = new DeliveryLedger(api.app.get(Tenancy));
    await ledger.claim(org.tenantId, delivery.id, 'twilio-voice');
    await ledger.markSent(org.tenantId, delivery.id, callSid);

    const early = await person.call(
      'POST',
      `/v1/security-info/enrolments/${started.body.enrolmentId}/verify`,
      {},
    );
    expect(early.status).toBe(409);
    const twiml = await twilioPosts(api, AUTH_TOKEN, content.instructionsUrl, {
      CallSid: callSid,
      AccountSid: twilio.accountSid,
    });
    expect(twiml.text).toContain('checking the phone number you are adding to your security info');
    await twilioPosts(api, AUTH_TOKEN, `${content.instructionsUrl}/keypress`, {
      CallSid: callSid,
      AccountSid: twilio.accountSid,
      Digits: '',
    });
    expect(
      (await person.call('GET', `/v1/security-info/enrolments/${started.body.enrolmentId}`)).body.state,
    ).toBe('call_answered');
    const saved = await person.call(
      'POST',
      `/v1/security-info/enrolments/${started.body.enrolmentId}/verify`,
      {},
    );
    expect(saved.status).toBe(200);
    expect(saved.body.methods[0]).toMatchObject({ type: 'mobile_call' });

    const email = await person.call('POST', '/v1/security-info/methods', {
      type: 'email',
      email: 'Sam.Staff@Example.org',
    });
    expect(email.body).toMatchObject({ state: 'code_sent', sentTo: 's•••@example.org' });
    // "Resend code" waits for the cool-down
    const soon = await person.call('POST', `/v1/security-info/enrolments/${email.body.enrolmentId}/resend`);
    expect(soon.status).toBe(429);
    expect(soon.body.code).toBe('resend-too-soon');
    const mail = await messageOf(api, org.tenantId, await challengeOf(email.body.enrolmentId));
    expect(mail.delivery.channel).toBe('email');
    const done = await person.call('POST', `/v1/security-info/enrolments/${email.body.enrolmentId}/verify`, {
      code: codeIn(mail.content.text),
    });
    expect(done.status).toBe(200);
    const overview = await person.call('GET', '/v1/security-info');
    expect(overview.body.methods.map((m: { type: string }) => m.type).sort()).toEqual([
      'authenticator_code',
      'email',
      'mobile_call',
    ]);
  });
});
