import { randomBytes, randomInt } from 'node:crypto';
import { Tenancy } from '@verity/db';
import { contentContext, recipientContext } from '@verity/delivery';
import { TenantCipher } from '@verity/secrets';
import { createSoftAuthenticator } from '@verity/testing';
import { generateSecret, generateSync } from 'otplib';
import { registrationOptions, verifyRegistration } from '../factors/security-key.js';
import { type MethodDetails, saveMethod } from '../methods/method-details.js';
import { onboard, startApi, type TestApi } from '../test/api.js';
import { base32Decode, rfc6238 as totp } from '../test/rfc6238.js';
import { PASSWORD, codeIn, messageOf, staffMember } from '../test/sign-in.js';

const STEP_UP_REQUIRED = {
  type: 'urn:verity:problem:step-up-required',
  title: 'Verify your identity',
  status: 401,
  detail:
    'Verify your identity again to make this change: for your security, it needs a check made in the last 10 minutes.',
  code: 'step-up-required',
};
const SESSION_EXPIRED = {
  type: 'urn:verity:problem:session-expired',
  title: 'Signed out',
  status: 401,
  detail: 'Your session has ended or is not valid here. Sign in again.',
  code: 'session-expired',
};
const ENROLMENT_GONE = {
  type: 'urn:verity:problem:not-found',
  title: 'Not found',
  status: 404,
  detail: 'The enrolment does not exist or you cannot see it.',
  code: 'not-found',
};
const PROBLEM_JSON = 'application/problem+json; charset=utf-8';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ORIGIN = 'http://localhost:3000';

// ---- people, phones and what the outbox holds ----

/** A UK mobile number no other test uses (07400 is an ordinary mobile range to libphonenumber). */
const newMobile = () => `+447400${String(randomInt(1_000_000)).padStart(6, '0')}`;
const newOffice = () => `+442079460${String(randomInt(1_000)).padStart(3, '0')}`;
/** How Security info shows a number back: the country code, dots, the last two digits. */
const maskedPhone = (e164: string) => `${e164.slice(0, 3)} ${'•'.repeat(e164.length - 6)}${e164.slice(-2)}`;
/**
 * Methods made in one transaction share their `created_at`, and the list is ordered by it alone, so the order
 * among them is Postgres's to choose: compared here as sets.
 */
function expectSameMembers(actual: unknown[], expected: unknown[]) {
  expect(actual).toHaveLength(expected.length);
  expect(actual).toEqual(expect.arrayContaining(expected));
}
/** A 6 digit code that is not this one. */
const otherThan = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

type Org = Awaited<ReturnType<typeof onboard>> & { name: string };

interface Person {
  account: { id: string; username: string; displayName: string };
  username: string;
  methods: { id: string; type: string }[];
  secret?: string;
  contactEmail: string;
  key?: ReturnType<typeof createSoftAuthenticator>;
}

describe('Security info', () => {
  let api: TestApi;
  /** The default policy: office phone and security questions off, staff choose their default. */
  let org: Org;
  /** Office phone and security questions allowed. */
  let open: Org;
  /** The organisation decides the default sign-in method (the strongest). */
  let fixed: Org;
  let other: Org;

  const sql = (tenantId: string, query: string, params: unknown[] = []) =>
    api.app.get(Tenancy).run(tenantId, (scope) => scope.manager.query(query, params));

  async function organisation(base: string, change?: (policy: any) => any): Promise<Org> {
    const made = await onboard(api, base);
    const [{ name }] = await sql(made.tenantId, 'SELECT name FROM tenants WHERE id = $1', [made.tenantId]);
    if (change) {
      const current = await api.request({ method: 'GET', url: '/v1/organisation/policy', key: made.key });
      const saved = await api.request({
        method: 'PUT',
        url: '/v1/organisation/policy',
        key: made.key,
        body: { expectedVersion: current.body.version, policy: change(current.body.policy) },
      });
      expect(saved.status).toBe(200);
    }
    return { ...made, name };
  }

  beforeAll(async () => {
    api = await startApi();
    org = await organisation('secinfo');
    open = await organisation('secinfo-open', (p) => ({
      ...p,
      allowedMethods: [...p.allowedMethods, 'office_call', 'security_questions'],
      sspr: { ...p.sspr, eligibleMethods: [...p.sspr.eligibleMethods, 'security_questions'] },
    }));
    fixed = await organisation('secinfo-fixed', (p) => ({
      ...p,
      defaultMethod: { ...p.defaultMethod, userMayChoose: false },
    }));
    other = await organisation('secinfo-other');
  });
  afterAll(() => api.close());

  /** A member of staff with these methods (the first the default) and a contact address of their own. */
  async function person(
    o: Org,
    methods: MethodDetails[],
    options: { elevated?: boolean; hybrid?: boolean; contactEmail?: false } = {},
  ) {
    const contactEmail = `sam.${randomBytes(4).toString('hex')}@home.example`;
    const made = await staffMember(api, o.tenantId, {
      methods,
      ...(options.contactEmail === false ? {} : { contactEmail }),
      ...(options.elevated ? { elevated: true } : {}),
      ...(options.hybrid ? { hybrid: true } : {}),
      ...(methods.length === 0 ? { registrationDue: false } : {}),
    });
    const totpAt = methods.findIndex((m) => m.type === 'authenticator_code');
    return {
      ...made,
      contactEmail,
      ...(totpAt >= 0 ? { secret: (methods[totpAt] as { secret: string }).secret } : {}),
    } as Person;
  }

  /**
   * An account with elevated rights signs in with a security key (after the effective date nothing else will
   * do); it also has an authenticator code from before, which it can no longer use.
   */
  async function elevatedPerson(o: Org) {
    const who = await person(o, [], { elevated: true });
    const key = createSoftAuthenticator({ origin: ORIGIN, rpId: 'localhost' });
    const options = await registrationOptions({
      rpId: 'localhost',
      rpName: o.name,
      userId: who.account.id,
      userName: who.username,
      userDisplayName: who.account.displayName,
      excludeCredentialIds: [],
      attestation: 'none',
    });
    const details = await verifyRegistration({
      response: key.register(options),
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      rpId: 'localhost',
    });
    const secret = generateSecret();
    const cipher = api.app.get(TenantCipher);
    const methods = await api.app.get(Tenancy).run(o.tenantId, async (scope) => [
      await saveMethod(scope, cipher, { accountId: who.account.id, details, isDefault: true }),
      await saveMethod(scope, cipher, {
        accountId: who.account.id,
        details: { type: 'authenticator_code', secret },
      }),
    ]);
    return { ...who, methods, secret, key } as Person;
  }

  const signIn = (o: Org, username: string) =>
    api.request({ method: 'POST', url: '/v1/sign-in', key: o.key, body: { username, password: PASSWORD } });
  const challenge = (o: Org, flowId: string, methodId: string) =>
    api.request({ method: 'POST', url: `/v1/sign-in/${flowId}/challenges`, key: o.key, body: { methodId } });

  /**
   * Password and a second factor (the authenticator code, or the security key), or the password alone for
   * someone with nothing yet who postponed the wizard; exchanged for a portal session.
   */
  async function session(o: Org, who: Person) {
    const started = await signIn(o, who.username);
    let result: string = started.body.result;
    if (started.body.state !== 'complete') {
      expect(started.body.state).toBe('mfa_required');
      const method = who.key
        ? who.methods.find((m) => m.type === 'security_key')!
        : who.methods.find((m) => m.type === 'authenticator_code')!;
      const asked = await challenge(o, started.body.flowId, method.id);
      expect(asked.status).toBe(201);
      const done = await api.request({
        method: 'POST',
        url: `/v1/sign-in/${started.body.flowId}/challenges/${asked.body.challengeId}/verify`,
        key: o.key,
        body: who.key
          ? { assertion: who.key.authenticate(asked.body.publicKey) }
          : { code: generateSync({ secret: who.secret! }) },
      });
      expect(done.status).toBe(200);
      result = done.body.result;
    }
    const made = await api.request({ method: 'POST', url: '/v1/sessions', key: o.key, body: { result } });
    expect(made.status).toBe(201);
    return made.body as { sessionId: string; token: string };
  }

  /** Another sign-in of the same person, with a code texted to this phone method, exchanged for a session. */
  async function textSession(o: Org, who: Person, methodId: string) {
    const started = await signIn(o, who.username);
    const asked = await challenge(o, started.body.flowId, methodId);
    expect(asked.status).toBe(201);
    const done = await api.request({
      method: 'POST',
      url: `/v1/sign-in/${started.body.flowId}/challenges/${asked.body.challengeId}/verify`,
      key: o.key,
      body: { code: codeIn((await messageOf(api, o.tenantId, asked.body.challengeId)).content.body) },
    });
    expect(done.status).toBe(200);
    const made = await api.request({
      method: 'POST',
      url: '/v1/sessions',
      key: o.key,
      body: { result: done.body.result },
    });
    expect(made.status).toBe(201);
    return made.body as { sessionId: string; token: string };
  }

  /** A call on Security info with the organisation's key and the person's session. */
  const call = (
    o: Org,
    token: string,
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
  ) =>
    api.request({
      method,
      url: `/v1/security-info${path}`,
      key: o.key,
      headers: { 'verity-session': token },
      ...(body === undefined ? {} : { body }),
    });
  const overview = async (o: Org, token: string) => {
    const res = await call(o, token, 'GET', '');
    expect(res.status).toBe(200);
    return res;
  };

  /** As if the person had last authenticated this many seconds ago. */
  const authenticatedAgo = (o: Org, sessionId: string, seconds: number) =>
    sql(
      o.tenantId,
      `UPDATE sessions SET authenticated_at = now() - make_interval(secs => $2) WHERE id = $1`,
      [sessionId, seconds],
    );

  /** The challenge an enrolment's code or call went out with. */
  const challengeOf = async (o: Org, enrolmentId: string): Promise<string> => {
    const [row] = await sql(o.tenantId, `SELECT data->>'challengeId' AS id FROM flows WHERE id = $1`, [
      enrolmentId,
    ]);
    const [asked] = await sql(
      o.tenantId,
      `SELECT id FROM challenges WHERE flow_id = $1 ORDER BY created_at DESC LIMIT 1`,
      [enrolmentId],
    );
    expect(asked.id).toBe(row.id);
    return row.id as string;
  };

  /** The message sent for a challenge, and to whom (the recipient decrypted as the worker does). */
  async function sent(o: Org, challengeId: string) {
    const { delivery, content } = await messageOf(api, o.tenantId, challengeId);
    const to = await api.app
      .get(TenantCipher)
      .decryptText(o.tenantId, recipientContext(delivery.idempotencyKey), delivery.recipientEnc);
    return { delivery, content, to };
  }

  /** Everything the organisation's outbox holds, oldest first, decrypted. */
  async function outbox(o: Org) {
    const cipher = api.app.get(TenantCipher);
    const rows: {
      id: string;
      channel: string;
      idempotency_key: string;
      challenge_id: string | null;
      recipient_enc: Buffer;
      content_enc: Buffer;
      created_at: Date;
    }[] = await sql(
      o.tenantId,
      `SELECT id, channel, idempotency_key, challenge_id, recipient_enc, content_enc, created_at
         FROM deliveries ORDER BY created_at, id`,
    );
    return Promise.all(
      rows.map(async (r) => ({
        id: r.id,
        channel: r.channel,
        idempotencyKey: r.idempotency_key,
        challengeId: r.challenge_id,
        createdAt: r.created_at,
        to: await cipher.decryptText(o.tenantId, recipientContext(r.idempotency_key), r.recipient_enc),
        content: JSON.parse(
          await cipher.decryptText(o.tenantId, contentContext(r.idempotency_key), r.content_enc),
        ) as { kind: string; body?: string; subject?: string; text?: string },
      })),
    );
  }
  const sentTo = async (o: Org, to: string) => (await outbox(o)).filter((d) => d.to === to);

  /** The code texted or emailed for an enrolment. */
  const enrolmentCode = async (o: Org, enrolmentId: string) => {
    const { content } = await sent(o, await challengeOf(o, enrolmentId));
    return codeIn(content.body ?? content.text ?? '');
  };
  /** As if the enrolment's last code had been sent this long ago (past the resend cool-down). */
  const codeSentAgo = (o: Org, enrolmentId: string, seconds = 31) =>
    sql(
      o.tenantId,
      `UPDATE challenges SET created_at = created_at - make_interval(secs => $2) WHERE flow_id = $1`,
      [enrolmentId, seconds],
    );

  const registrationFlows = async (o: Org, accountId: string) =>
    (await sql(o.tenantId, `SELECT id FROM flows WHERE kind = 'registration' AND account_id = $1`, [
      accountId,
    ])) as { id: string }[];

  /** A 422 `method-refused` with exactly these reason codes, each with a sentence for the person. */
  function expectRefused(
    res: { status: number; headers: Record<string, unknown>; body: any },
    codes: string[],
  ) {
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toBe(PROBLEM_JSON);
    expect(res.body).toMatchObject({
      type: 'urn:verity:problem:method-refused',
      title: 'Not allowed',
      status: 422,
      code: 'method-refused',
    });
    expect(res.body.reasons.map((r: { code: string }) => r.code)).toEqual(codes);
    for (const r of res.body.reasons)
      expect(r).toEqual({ code: r.code, message: expect.stringMatching(/\.$/) });
    expect(res.body.detail).toBe(res.body.reasons.map((r: { message: string }) => r.message).join(' '));
  }

  // ---- 1. a change of phone number ----

  it('changes a phone number only once the new number is proved, tells the old number, and never texts it again', async () => {
    const a = newMobile();
    const b = newMobile();
    const who = await person(org, [
      { type: 'mobile_text', phone: a },
      { type: 'authenticator_code', secret: generateSecret() },
    ]);
    const text = who.methods[0]!;
    const { token } = await session(org, who);
    const before = await overview(org, token);
    expectSameMembers(before.body.methods, [
      expect.objectContaining({ id: text.id, type: 'mobile_text', display: maskedPhone(a), isDefault: true }),
      expect.objectContaining({ id: who.methods[1]!.id, type: 'authenticator_code', display: null }),
    ]);
    expect(before.body.defaultMethodId).toBe(text.id);

    const change = await call(org, token, 'PUT', `/methods/${text.id}/phone`, { phone: b });
    expect(change.status).toBe(200);
    expect(change.headers['cache-control']).toBe('no-store');
    expect(change.body).toEqual({
      enrolmentId: expect.stringMatching(UUID),
      type: 'mobile_text',
      expiresAt: expect.any(String),
      replaces: text.id,
      state: 'code_sent',
      sentTo: maskedPhone(b),
      codeLength: 6,
      notices: [],
    });
    const { enrolmentId } = change.body;
    const toB = await sent(org, await challengeOf(org, enrolmentId));
    expect(toB.to).toBe(b);
    expect(toB.delivery.channel).toBe('sms');
    expect(toB.content.kind).toBe('sms');
    const code = codeIn(toB.content.body);
    expect(code).toMatch(/^\d{6}$/);

    // not proved yet: the method is still on A, and a sign-in's text still goes to A
    expect((await overview(org, token)).body).toEqual(before.body);
    const early = await signIn(org, who.username);
    const earlyText = await challenge(org, early.body.flowId, text.id);
    expect(earlyText.status).toBe(201);
    expect(earlyText.body.sentTo).toBe(maskedPhone(a));
    expect((await sent(org, earlyText.body.challengeId)).to).toBe(a);

    const verified = await call(org, token, 'POST', `/enrolments/${enrolmentId}/verify`, { code });
    expect(verified.status).toBe(200);
    expect(verified.body.methods).toEqual([
      expect.objectContaining({ id: text.id, type: 'mobile_text', display: maskedPhone(b), isDefault: true }),
    ]);
    const after = await overview(org, token);
    expect(after.body.methods.find((m: { id: string }) => m.id === text.id)).toMatchObject({
      type: 'mobile_text',
      display: maskedPhone(b),
      isDefault: true,
    });
    expect(after.body.methods).toHaveLength(2);
    expect(after.text).not.toContain(a);
    expect(after.text).not.toContain(b);

    // A hears of it once, by text
    const toA = await sentTo(org, a);
    expect(toA).toHaveLength(2); // the early sign-in code, then the notice
    const notice = toA[1]!;
    expect(notice.channel).toBe('sms');
    expect(notice.challengeId).toBeNull();
    expect(notice.content.body).toMatch(/no longer used to sign in/);
    expect(notice.content.body).toContain(`replaced by a number ending ${b.slice(-2)}`);
    expect(notice.content.body).not.toContain(b);
    // and the person is told at their contact address
    const emails = await sentTo(org, who.contactEmail);
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({
      channel: 'email',
      content: {
        kind: 'email',
        text: expect.stringContaining('The phone number you use to sign in was changed.'),
      },
    });

    // a new sign-in texts B, never A again
    const later = await signIn(org, who.username);
    const laterText = await challenge(org, later.body.flowId, text.id);
    expect(laterText.status).toBe(201);
    expect(laterText.body.sentTo).toBe(maskedPhone(b));
    expect((await sent(org, laterText.body.challengeId)).to).toBe(b);
    expect(await sentTo(org, a)).toHaveLength(2);

    // the enrolment is spent, and the proved number cannot be used to prove it again
    expect((await call(org, token, 'GET', `/enrolments/${enrolmentId}`)).status).toBe(404);
    expect((await call(org, token, 'POST', `/enrolments/${enrolmentId}/verify`, { code })).status).toBe(404);
  });

  it('moves a text and a call on one number together, and without a contact address tells an address the change did not touch', async () => {
    const a = newMobile();
    const b = newMobile();
    const who = await person(
      org,
      [
        { type: 'mobile_text', phone: a },
        { type: 'mobile_call', phone: a },
        { type: 'authenticator_code', secret: generateSecret() },
      ],
      { contactEmail: false },
    );
    const [text, voice] = who.methods;
    // an address of theirs, set up later than the phone
    const address = `sam.${randomBytes(4).toString('hex')}@home.example`;
    const email = await api.app.get(Tenancy).run(org.tenantId, (scope) =>
      saveMethod(scope, api.app.get(TenantCipher), {
        accountId: who.account.id,
        details: { type: 'email', email: address },
      }),
    );
    const { token } = await session(org, who);
    const change = await call(org, token, 'PUT', `/methods/${text!.id}/phone`, { phone: b });
    expect(change.status).toBe(200);
    const code = await enrolmentCode(org, change.body.enrolmentId);
    const verified = await call(org, token, 'POST', `/enrolments/${change.body.enrolmentId}/verify`, {
      code,
    });
    expect(verified.status).toBe(200);
    expectSameMembers(
      verified.body.methods.map((m: { id: string; display: string }) => [m.id, m.display]),
      [
        [text!.id, maskedPhone(b)],
        [voice!.id, maskedPhone(b)],
      ],
    );
    expectSameMembers(
      (await overview(org, token)).body.methods.map((m: { id: string; display: string | null }) => [
        m.id,
        m.display,
      ]),
      [
        [text!.id, maskedPhone(b)],
        [voice!.id, maskedPhone(b)],
        [who.methods[2]!.id, null],
        [email.id, `${address[0]}•••@home.example`],
      ],
    );
    // the call goes to B now too
    const signingIn = await signIn(org, who.username);
    const called = await challenge(org, signingIn.body.flowId, voice!.id);
    expect(called.status).toBe(201);
    expect((await sent(org, called.body.challengeId)).to).toBe(b);

    // A is told once; "your phone was changed" goes to the address, not to the number just proved
    const toA = await sentTo(org, a);
    expect(toA.map((d) => d.content.body)).toEqual([expect.stringMatching(/no longer used to sign in/)]);
    expect((await sentTo(org, address)).map((d) => d.content.text)).toEqual([
      expect.stringContaining('The phone number you use to sign in was changed.'),
    ]);
    expect((await sentTo(org, b)).map((d) => d.challengeId)).toEqual([
      await challengeOf(org, change.body.enrolmentId),
      called.body.challengeId,
    ]);
  });

  it('resends a code not within 30 s (429), kills the old code on resend, and sends at most 5 codes', async () => {
    const phone = newMobile();
    const who = await person(org, [
      { type: 'authenticator_code', secret: generateSecret() },
      { type: 'mobile_text', phone: newMobile() },
    ]);
    const { token } = await session(org, who);
    const added = await call(org, token, 'POST', '/methods', {
      type: 'mobile_text',
      phone,
      label: 'Work mobile',
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ state: 'code_sent', sentTo: maskedPhone(phone), codeLength: 6 });
    const { enrolmentId } = added.body;
    const first = await enrolmentCode(org, enrolmentId);

    const tooSoon = await call(org, token, 'POST', `/enrolments/${enrolmentId}/resend`);
    expect(tooSoon.status).toBe(429);
    expect(tooSoon.headers['content-type']).toBe(PROBLEM_JSON);
    expect(tooSoon.body).toMatchObject({ code: 'resend-too-soon', retryAfterSeconds: expect.any(Number) });
    expect(Number(tooSoon.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(tooSoon.headers['retry-after'])).toBeLessThanOrEqual(30);
    expect(await sentTo(org, phone)).toHaveLength(1);

    // four more sends, each after the cool-down: five in all
    for (let i = 0; i < 4; i++) {
      await codeSentAgo(org, enrolmentId);
      const again = await call(org, token, 'POST', `/enrolments/${enrolmentId}/resend`);
      expect(again.status).toBe(201);
      expect(again.body).toMatchObject({ enrolmentId, state: 'code_sent', sentTo: maskedPhone(phone) });
    }
    expect(await sentTo(org, phone)).toHaveLength(5);
    await codeSentAgo(org, enrolmentId);
    const sixth = await call(org, token, 'POST', `/enrolments/${enrolmentId}/resend`);
    expect(sixth.status).toBe(429);
    expect(sixth.body.code).toBe('too-many-sends');
    expect(await sentTo(org, phone)).toHaveLength(5);

    // the first code died with the first resend; the latest one adds the phone
    const latest = await enrolmentCode(org, enrolmentId);
    if (first !== latest) {
      const old = await call(org, token, 'POST', `/enrolments/${enrolmentId}/verify`, { code: first });
      expect(old.status).toBe(400);
      expect(old.body.code).toBe('wrong-code');
    }
    const done = await call(org, token, 'POST', `/enrolments/${enrolmentId}/verify`, { code: latest });
    expect(done.status).toBe(200);
    expect(done.body.methods).toEqual([
      expect.objectContaining({
        type: 'mobile_text',
        label: 'Work mobile',
        display: maskedPhone(phone),
        isDefault: false,
      }),
    ]);
    expect((await overview(org, token)).body.methods).toHaveLength(3);
  });

  it('voids a change of phone after 5 wrong codes (404 from then on), and the old number goes on working', async () => {
    const a = newMobile();
    const b = newMobile();
    const who = await person(org, [
      { type: 'mobile_text', phone: a },
      { type: 'authenticator_code', secret: generateSecret() },
    ]);
    const text = who.methods[0]!;
    const { token } = await session(org, who);
    const before = await overview(org, token);
    const change = await call(org, token, 'PUT', `/methods/${text.id}/phone`, { phone: b });
    expect(change.status).toBe(200);
    const { enrolmentId } = change.body;
    const code = await enrolmentCode(org, enrolmentId);

    const answers = [];
    for (let i = 0; i < 5; i++)
      answers.push(
        await call(org, token, 'POST', `/enrolments/${enrolmentId}/verify`, { code: otherThan(code) }),
      );
    expect(answers.map((r) => r.status)).toEqual([400, 400, 400, 400, 400]);
    expect(answers[0]!.body).toMatchObject({
      code: 'wrong-code',
      detail: 'That code didn’t work. Check the code and try again.',
    });
    expect(answers[4]!.body).toMatchObject({
      code: 'wrong-code',
      detail: expect.stringMatching(/Start again/),
    });

    // void: not readable, not resendable, and the right code no longer does anything
    const gone = await call(org, token, 'GET', `/enrolments/${enrolmentId}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual(ENROLMENT_GONE);
    expect((await call(org, token, 'POST', `/enrolments/${enrolmentId}/resend`)).status).toBe(404);
    const late = await call(org, token, 'POST', `/enrolments/${enrolmentId}/verify`, { code });
    expect(late.status).toBe(404);
    expect(late.body).toEqual(ENROLMENT_GONE);

    expect((await overview(org, token)).body).toEqual(before.body);
    const signingIn = await signIn(org, who.username);
    const texted = await challenge(org, signingIn.body.flowId, text.id);
    expect(texted.status).toBe(201);
    expect(texted.body.sentTo).toBe(maskedPhone(a));
    expect((await sent(org, texted.body.challengeId)).to).toBe(a);
    // nobody was told of a change that did not happen
    expect(await sentTo(org, who.contactEmail)).toEqual([]);
    expect((await sentTo(org, a)).map((d) => d.challengeId)).toEqual([texted.body.challengeId]);
  });

  // ---- 2. every refusal the policy can give ----

  it('refuses a method the organisation has not allowed, and an office phone with an extension', async () => {
    const who = await person(org, [
      { type: 'authenticator_code', secret: generateSecret() },
      { type: 'mobile_text', phone: newMobile() },
    ]);
    const { token } = await session(org, who);
    const before = await overview(org, token);
    expect(before.body.mayAdd.find((m: { type: string }) => m.type === 'office_call')).toEqual({
      type: 'office_call',
      label: 'Office phone',
      allowed: false,
      reasons: [{ code: 'METHOD_DISABLED', message: 'Office phone is disabled by your organisation.' }],
      notices: [],
    });
    const disabled = await call(org, token, 'POST', '/methods', {
      type: 'office_call',
      phone: '020 7946 0018',
    });
    expectRefused(disabled, ['METHOD_DISABLED']);
    expect(disabled.body.reasons[0].message).toBe('Office phone is disabled by your organisation.');
    const questions = await call(org, token, 'POST', '/methods', { type: 'security_questions' });
    expectRefused(questions, ['METHOD_DISABLED']);
    expect((await overview(org, token)).body).toEqual(before.body);
    expect(await registrationFlows(org, who.account.id)).toEqual([]);

    // where office phones are allowed, only a direct dial
    const there = await person(open, [
      { type: 'authenticator_code', secret: generateSecret() },
      { type: 'mobile_text', phone: newMobile() },
    ]);
    const own = await session(open, there);
    const openBefore = await overview(open, own.token);
    expect(openBefore.body.mayAdd.find((m: { type: string }) => m.type === 'office_call').allowed).toBe(true);
    const extension = await call(open, own.token, 'POST', '/methods', {
      type: 'office_call',
      phone: '020 7946 0018 x123',
    });
    expectRefused(extension, ['OFFICE_PHONE_EXTENSION']);
    expect(extension.body.reasons[0].message).toMatch(/direct dial telephone number is required/);
    expect((await overview(open, own.token)).body).toEqual(openBefore.body);
    expect(await registrationFlows(open, there.account.id)).toEqual([]);
    expect(await sentTo(open, '+442079460018')).toEqual([]);

    // "Office phone verification cannot be used by NHSmail Office 365 Hybrid users"
    const hybrid = await person(
      open,
      [
        { type: 'authenticator_code', secret: generateSecret() },
        { type: 'mobile_text', phone: newMobile() },
      ],
      { hybrid: true },
    );
    const hybridSession = await session(open, hybrid);
    const direct = await call(open, hybridSession.token, 'POST', '/methods', {
      type: 'office_call',
      phone: '020 7946 0019',
    });
    expectRefused(direct, ['OFFICE_PHONE_HYBRID']);
    expect(await registrationFlows(open, hybrid.account.id)).toEqual([]);
  });

  it('refuses email, security questions or an alternate phone as the first method', async () => {
    // nothing set up yet, the wizard postponed: signed in with the password alone
    const who = await person(org, []);
    const { token } = await session(org, who);
    const before = await overview(org, token);
    expect(before.body.methods).toEqual([]);
    expect(before.body.defaultMethodId).toBeNull();
    const email = await call(org, token, 'POST', '/methods', { type: 'email', email: 'sam@home.example' });
    expectRefused(email, ['EMAIL_NOT_FIRST']);
    expect(email.body.reasons[0].message).toBe(
      'You can add email only after you have set up the authenticator app or a phone.',
    );
    expect(before.body.mayAdd.find((m: { type: string }) => m.type === 'email').reasons).toEqual(
      email.body.reasons,
    );
    expectRefused(
      await call(org, token, 'POST', '/methods', { type: 'alternate_call', phone: newMobile() }),
      ['NOT_FIRST'],
    );
    expect((await overview(org, token)).body).toEqual(before.body);
    expect(await registrationFlows(org, who.account.id)).toEqual([]);
    expect(await sentTo(org, 'sam@home.example')).toEqual([]);

    const there = await person(open, []);
    const own = await session(open, there);
    const openBefore = await overview(open, own.token);
    expectRefused(await call(open, own.token, 'POST', '/methods', { type: 'security_questions' }), [
      'NOT_FIRST',
    ]);
    expect((await overview(open, own.token)).body).toEqual(openBefore.body);
    expect(await registrationFlows(open, there.account.id)).toEqual([]);
  });

  it('refuses for elevated rights: security questions, app passwords, after the effective date a method that can neither sign them in nor reset, TOTP as the default', async () => {
    const who = await elevatedPerson(open);
    const [keyMethod, totpMethod] = who.methods;
    const { token } = await session(open, who);
    const before = await overview(open, token);
    expect(before.body.defaultMethodId).toBe(keyMethod!.id);

    const questions = await call(open, token, 'POST', '/methods', { type: 'security_questions' });
    expectRefused(questions, ['QUESTIONS_NEVER_FOR_ELEVATED']);
    expect(questions.body.reasons[0].message).toBe(
      'Security questions cannot be used by accounts with elevated rights.',
    );
    const appPassword = await call(open, token, 'POST', '/app-passwords', {
      name: 'Outlook 2013',
      scopes: ['imap'],
    });
    expectRefused(appPassword, ['APP_PASSWORD_NOT_FOR_ELEVATED']);
    // the policy's effective date (30 November 2023) has passed: they sign in only with push or a security key,
    // and may add other methods only for password reset (an office phone cannot reset in this policy)
    const phone = newOffice();
    const office = await call(open, token, 'POST', '/methods', { type: 'office_call', phone });
    expectRefused(office, ['ELEVATED_METHOD_REFUSED']);
    expect(office.body.reasons[0].message).toMatch(/from 30 November 2023/);
    expect(before.body.defaultChoices).toEqual([keyMethod!.id]);
    const asDefault = await call(open, token, 'PUT', '/default-method', { methodId: totpMethod!.id });
    expectRefused(asDefault, ['ELEVATED_DEFAULT_REFUSED']);
    expect(asDefault.body.reasons[0].message).toMatch(/must use .* as their default sign-in method\./);

    expect((await overview(open, token)).body).toEqual(before.body);
    expect((await call(open, token, 'GET', '/app-passwords')).body).toEqual({ appPasswords: [] });
    expect(await registrationFlows(open, who.account.id)).toEqual([]);
    expect(await sentTo(open, phone)).toEqual([]);
    expect(await sentTo(open, who.contactEmail)).toEqual([]);
  });

  it('offers as the default sign-in method only what the policy accepts (never email), and accepts every one offered', async () => {
    const who = await person(org, [
      { type: 'authenticator_code', secret: generateSecret() },
      { type: 'mobile_text', phone: newMobile() },
      { type: 'email', email: `sam.${randomBytes(4).toString('hex')}@home.example` },
    ]);
    const email = who.methods.find((m) => m.type === 'email')!;
    const { token } = await session(org, who);
    const { body } = await overview(org, token);
    expect(body.methods.map((m: { id: string }) => m.id)).toContain(email.id);
    expectSameMembers(
      body.defaultChoices,
      who.methods.filter((m) => m.type !== 'email').map((m) => m.id),
    );
    for (const methodId of body.defaultChoices) {
      const changed = await call(org, token, 'PUT', '/default-method', { methodId });
      expect(changed.status).toBe(200);
      expect(changed.body.defaultMethodId).toBe(methodId);
    }
    expectRefused(await call(org, token, 'PUT', '/default-method', { methodId: email.id }), [
      'DEFAULT_NEVER_EMAIL',
    ]);

    // where the organisation sets the default, nothing is offered
    const theirs = await person(fixed, [
      { type: 'authenticator_code', secret: generateSecret() },
      { type: 'mobile_text', phone: newMobile() },
    ]);
    const fixedSession = await session(fixed, theirs);
    expect((await overview(fixed, fixedSession.token)).body.defaultChoices).toEqual([]);
  });

  it('refuses the same phone twice, however it is written', async () => {
    const phone = newMobile();
    const who = await person(org, [
      { type: 'mobile_text', phone },
      { type: 'authenticator_code', secret: generateSecret() },
    ]);
    const { token } = await session(org, who);
    const before = await overview(org, token);
    const national = `0${phone.slice(3, 7)} ${phone.slice(7)}`;
    for (const written of [phone, national]) {
      const again = await call(org, token, 'POST', '/methods', { type: 'mobile_text', phone: written });
      expectRefused(again, ['ALREADY_REGISTERED']);
      expect(again.body.reasons[0].message).toBe('You have already set up a text message for this device.');
    }
    expect((await overview(org, token)).body).toEqual(before.body);
    expect(await registrationFlows(org, who.account.id)).toEqual([]);
    expect(await sentTo(org, phone)).toEqual([]);
  });

  it('refuses to change a phone to a number that is already another of the person’s phones', async () => {
    const [a, b] = [newMobile(), newMobile()];
    const who = await person(org, [
      { type: 'mobile_text', phone: a },
      { type: 'mobile_call', phone: b },
      { type: 'authenticator_code', secret: generateSecret() },
    ]);
    const { token } = await session(org, who);
    const before = await overview(org, token);
    const text = who.methods.find((m) => m.type === 'mobile_text')!;
    const merged = await call(org, token, 'PUT', `/methods/${text.id}/phone`, { phone: b });
    expectRefused(merged, ['NUMBER_IN_USE']);
    expect((await overview(org, token)).body).toEqual(before.body);
    expect(await sentTo(org, b)).toEqual([]);
  });

  it('refuses a delete that leaves too few methods to sign in or to reset the password', async () => {
    const only = await person(org, [{ type: 'authenticator_code', secret: generateSecret() }]);
    const mine = await session(org, only);
    const before = await overview(org, mine.token);
    const last = await call(org, mine.token, 'DELETE', `/methods/${only.methods[0]!.id}`);
    expectRefused(last, ['BELOW_MFA_MINIMUM', 'BELOW_SSPR_MINIMUM']);
    expect(last.body.reasons[0].message).toBe(
      'You must keep at least 1 method you can sign in with. Add another method before you remove this one.',
    );
    expect((await overview(org, mine.token)).body).toEqual(before.body);

    // two devices for password reset (the default policy), one of them this phone
    const phone = newMobile();
    const two = await person(org, [
      { type: 'authenticator_code', secret: generateSecret() },
      { type: 'mobile_text', phone },
    ]);
    const theirs = await session(org, two);
    const twoBefore = await overview(org, theirs.token);
    const sspr = await call(org, theirs.token, 'DELETE', `/methods/${two.methods[1]!.id}`);
    expectRefused(sspr, ['BELOW_SSPR_MINIMUM']);
    expect(sspr.body.reasons[0].message).toBe(
      'You must keep at least 2 methods on different devices for resetting your password. Add another method before you remove this one.',
    );
    expect((await overview(org, theirs.token)).body).toEqual(twoBefore.body);
    expect(await sentTo(org, only.contactEmail)).toEqual([]);
    expect(await sentTo(org, two.contactEmail)).toEqual([]);
  });

  it('refuses a default that can never be one, and any choice where the organisation decides', async () => {
    const who = await person(org, [
      { type: 'authenticator_code', secret: generateSecret() },
      { type: 'mobile_text', phone: newMobile() },
      { type: 'email', email: `sam.${randomBytes(3).toString('hex')}@home.example` },
      { type: 'alternate_call', phone: newMobile() },
    ]);
    const [, , email, alternate] = who.methods;
    const { token } = await session(org, who);
    const before = await overview(org, token);
    const toEmail = await call(org, token, 'PUT', '/default-method', { methodId: email!.id });
    expectRefused(toEmail, ['DEFAULT_NEVER_EMAIL']);
    expect(toEmail.body.reasons[0].message).toBe('Email can never be your default sign-in method.');
    const toAlternate = await call(org, token, 'PUT', '/default-method', { methodId: alternate!.id });
    expectRefused(toAlternate, ['NOT_DEFAULT_CAPABLE']);
    expect(toAlternate.body.reasons[0].message).toBe(
      'Call to your alternate phone cannot be your default sign-in method.',
    );
    const unknown = await call(org, token, 'PUT', '/default-method', { methodId: other.adminId });
    expect(unknown.status).toBe(404);
    expect((await overview(org, token)).body).toEqual(before.body);

    const there = await person(fixed, [
      { type: 'mobile_text', phone: newMobile() },
      { type: 'authenticator_code', secret: generateSecret() },
    ]);
    const own = await session(fixed, there);
    const fixedBefore = await overview(fixed, own.token);
    expect(fixedBefore.body.userMayChooseDefault).toBe(false);
    const choice = await call(fixed, own.token, 'PUT', '/default-method', { methodId: there.methods[1]!.id });
    expectRefused(choice, ['DEFAULT_CHOICE_DISABLED']);
    expect(choice.body.reasons[0].message).toBe(
      'Your organisation uses the strongest method you have set up as your default sign-in method.',
    );
    expect((await overview(fixed, own.token)).body).toEqual(fixedBefore.body);
    expect(await sentTo(org, who.contactEmail)).toEqual([]);
    expect(await sentTo(fixed, there.contactEmail)).toEqual([]);
  });

  it('answers 400 naming the field for a number that is not a phone, and for a type it does not know', async () => {
    const who = await person(org, [
      { type: 'authenticator_code', secret: generateSecret() },
      { type: 'mobile_text', phone: newMobile() },
    ]);
    const { token } = await session(org, who);
    const before = await overview(org, token);
    for (const [body, field] of [
      [{ type: 'mobile_text', phone: '07400 12345a' }, 'phone'],
      [{ type: 'mobile_text', phone: '020 7946 0018' }, 'phone'], // a landline cannot take a text
      [{ type: 'mobile_call', phone: '0800 123 4567' }, 'phone'],
      [{ type: 'mobile_text', phone: '12' }, 'phone'],
      [{ type: 'mobile_text' }, 'phone'],
      [{ type: 'fax', phone: '020 7946 0018' }, 'type'],
      [{ type: 'app_password' }, 'type'],
      [{}, 'type'],
    ] as const) {
      const res = await call(org, token, 'POST', '/methods', body);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe(PROBLEM_JSON);
      expect(res.body.code).toBe('validation-failed');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
    }
    const badChange = await call(org, token, 'PUT', `/methods/${who.methods[1]!.id}/phone`, {
      phone: 'not a phone',
    });
    expect(badChange.status).toBe(400);
    expect(badChange.body.errors.map((e: { field: string }) => e.field)).toEqual(['phone']);
    const notAPhone = await call(org, token, 'PUT', `/methods/${who.methods[0]!.id}/phone`, {
      phone: newMobile(),
    });
    expect(notAPhone.status).toBe(400);
    expect(notAPhone.body.errors.map((e: { field: string }) => e.field)).toEqual(['methodId']);
    expect((await overview(org, token)).body).toEqual(before.body);
    expect(await registrationFlows(org, who.account.id)).toEqual([]);
  });

  // ---- 3. step-up ----

  it('refuses every change 601 s after the last authentication (401 step-up-required, nothing changed), allows it at 599 s, and still lets the person read', async () => {
    const a = newMobile();
    const added = newMobile();
    const who = await person(org, [
      { type: 'mobile_text', phone: a },
      { type: 'authenticator_code', secret: generateSecret() },
      { type: 'email', email: `sam.${randomBytes(3).toString('hex')}@home.example` },
    ]);
    const [text, app] = who.methods;
    const { token, sessionId } = await session(org, who);
    // started while the sign-in was fresh: a phone being added, and an app password
    const adding = await call(org, token, 'POST', '/methods', { type: 'mobile_text', phone: added });
    expect(adding.status).toBe(201);
    const { enrolmentId } = adding.body;
    const firstCode = await enrolmentCode(org, enrolmentId);
    const appPassword = await call(org, token, 'POST', '/app-passwords', {
      name: 'Old mail',
      scopes: ['imap'],
    });
    expect(appPassword.status).toBe(201);
    // the resend cool-down is over
    await codeSentAgo(org, enrolmentId);

    const changes: [string, 'POST' | 'PUT' | 'PATCH' | 'DELETE', string, unknown?][] = [
      ['add a method', 'POST', '/methods', { type: 'mobile_call', phone: newMobile() }],
      ['resend', 'POST', `/enrolments/${enrolmentId}/resend`],
      ['verify', 'POST', `/enrolments/${enrolmentId}/verify`, { code: firstCode }],
      ['change a phone', 'PUT', `/methods/${text!.id}/phone`, { phone: newMobile() }],
      ['rename', 'PATCH', `/methods/${app!.id}`, { label: 'My phone app' }],
      ['delete', 'DELETE', `/methods/${who.methods[2]!.id}`],
      ['default', 'PUT', '/default-method', { methodId: app!.id }],
      ['create an app password', 'POST', '/app-passwords', { name: 'Another', scopes: ['pop'] }],
      ['revoke an app password', 'DELETE', `/app-passwords/${appPassword.body.id}`],
    ];
    const snapshot = async () => ({
      overview: (await overview(org, token)).body,
      enrolment: (await call(org, token, 'GET', `/enrolments/${enrolmentId}`)).body,
      appPasswords: (await call(org, token, 'GET', '/app-passwords')).body,
      flows: await registrationFlows(org, who.account.id),
      outbox: (await outbox(org)).length,
    });

    await authenticatedAgo(org, sessionId, 601);
    const before = await snapshot();
    expect(before.enrolment.state).toBe('code_sent');
    expect(before.appPasswords.appPasswords).toHaveLength(1);
    const refused: Record<string, unknown> = {};
    for (const [name, method, path, body] of changes) {
      const res = await call(org, token, method, path, body);
      expect(res.headers['content-type']).toBe(PROBLEM_JSON);
      refused[name] = { status: res.status, body: res.body };
    }
    expect(refused).toEqual(
      Object.fromEntries(changes.map(([name]) => [name, { status: 401, body: STEP_UP_REQUIRED }])),
    );
    // reading needs only the live session; nothing above changed anything
    expect(await snapshot()).toEqual(before);
    const current = await api.request({
      method: 'GET',
      url: '/v1/session',
      key: org.key,
      headers: { 'verity-session': token },
    });
    expect(current.status).toBe(200);
    expect(Date.parse(current.body.stepUpUntil)).toBeLessThan(Date.now());

    // 599 s: each is allowed
    const allowed: Record<string, number> = {};
    for (const [name, method, path, body] of changes) {
      await authenticatedAgo(org, sessionId, 599);
      const res = await call(
        org,
        token,
        method,
        path,
        name === 'verify' ? { code: await enrolmentCode(org, enrolmentId) } : body,
      );
      allowed[name] = res.status;
      if (name === 'resend') expect(res.body).toMatchObject({ enrolmentId, state: 'code_sent' });
    }
    expect(allowed).toEqual({
      'add a method': 201,
      resend: 201,
      verify: 200,
      'change a phone': 200,
      rename: 200,
      delete: 204,
      default: 200,
      'create an app password': 201,
      'revoke an app password': 204,
    });
    const after = (await overview(org, token)).body;
    expect(after.defaultMethodId).toBe(app!.id);
    expectSameMembers(
      after.methods.map((m: { type: string; display: string | null; label: string | null }) => [
        m.type,
        m.display,
        m.label,
      ]),
      [
        ['mobile_text', maskedPhone(a), null],
        ['authenticator_code', null, 'My phone app'],
        ['mobile_text', maskedPhone(added), null],
      ],
    );
    expect((await call(org, token, 'GET', '/app-passwords')).body.appPasswords).toEqual([
      expect.objectContaining({ name: 'Another', scopes: ['pop'] }),
    ]);
  });

  // ---- 4. an authenticator app from Security info ----

  it('adds an authenticator app with its first code (an independent RFC 6238), and never shows the secret again', async () => {
    // RFC 6238 Appendix B, SHA-1, T = 59 s; and RFC 4648's base32 vector
    expect(totp(Buffer.from('12345678901234567890', 'ascii'), 59, 8)).toBe('94287082');
    expect(totp(Buffer.from('12345678901234567890', 'ascii'), 1111111109, 8)).toBe('07081804');
    expect(base32Decode('MZXW6YTBOI======').toString('ascii')).toBe('foobar');

    const who = await person(org, [
      { type: 'mobile_text', phone: newMobile() },
      { type: 'authenticator_code', secret: generateSecret() },
    ]);
    const { token } = await session(org, who);
    const started = await call(org, token, 'POST', '/methods', {
      type: 'authenticator_code',
      label: 'Work phone',
    });
    expect(started.status).toBe(201);
    expect(started.headers['cache-control']).toBe('no-store');
    expect(started.body).toEqual({
      enrolmentId: expect.stringMatching(UUID),
      type: 'authenticator_code',
      expiresAt: expect.any(String),
      state: 'waiting_for_code',
      totp: {
        uri: expect.stringMatching(/^otpauth:\/\/totp\//),
        secret: expect.stringMatching(/^[A-Z2-7]+=*$/),
        digits: 6,
        period: 30,
        qr: { png: expect.stringMatching(/^data:image\/png;base64,/), svg: expect.stringMatching(/^<svg/) },
      },
      notices: [],
    });
    const { enrolmentId, totp: shown } = started.body;
    const uri = new URL(shown.uri);
    const secret = uri.searchParams.get('secret')!;
    expect(secret).toBe(shown.secret);
    expect(uri.searchParams.get('issuer')).toBe(org.name);
    expect(decodeURIComponent(uri.pathname)).toContain(who.username);
    for (const [name, value] of [
      ['algorithm', 'SHA1'],
      ['digits', '6'],
      ['period', '30'],
    ] as const)
      if (uri.searchParams.has(name)) expect(uri.searchParams.get(name)).toBe(value);
    const key = base32Decode(secret);
    expect(key.length).toBeGreaterThanOrEqual(16);

    // until proved, the person may come back to the QR code
    const waiting = await call(org, token, 'GET', `/enrolments/${enrolmentId}`);
    expect(waiting.status).toBe(200);
    expect(waiting.body.totp.secret).toBe(secret);
    const stored = await sql(org.tenantId, `SELECT data::text AS data FROM flows WHERE id = $1`, [
      enrolmentId,
    ]);
    expect(stored[0].data).not.toContain(secret);

    const wrong = await call(org, token, 'POST', `/enrolments/${enrolmentId}/verify`, {
      code: otherThan(totp(key, Date.now() / 1000)),
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe('wrong-code');
    const at = Date.now() / 1000;
    const verified = await call(org, token, 'POST', `/enrolments/${enrolmentId}/verify`, {
      code: totp(key, at),
    });
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual({
      methods: [
        {
          id: expect.stringMatching(UUID),
          type: 'authenticator_code',
          label: 'Work phone',
          display: null,
          isDefault: false,
          createdAt: expect.any(String),
          lastUsedAt: null,
          locked: false,
        },
      ],
    });
    expect(verified.text).not.toContain(secret);
    const methodId = verified.body.methods[0].id;

    const listed = await overview(org, token);
    expectSameMembers(
      listed.body.methods.map((m: { id: string }) => m.id),
      [...who.methods.map((m) => m.id), methodId],
    );
    expect(listed.text).not.toContain(secret);
    const gone = await call(org, token, 'GET', `/enrolments/${enrolmentId}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual(ENROLMENT_GONE);
    expect(gone.text).not.toContain(secret);
    expect(
      (
        await call(org, token, 'POST', `/enrolments/${enrolmentId}/verify`, {
          code: totp(key, Date.now() / 1000),
        })
      ).status,
    ).toBe(404);

    // the new app is offered at sign-in; the code that proved it is spent
    const signingIn = await signIn(org, who.username);
    expect(signingIn.body.methods.map((m: { id: string }) => m.id)).toContain(methodId);
    const asked = await challenge(org, signingIn.body.flowId, methodId);
    const done = await api.request({
      method: 'POST',
      url: `/v1/sign-in/${signingIn.body.flowId}/challenges/${asked.body.challengeId}/verify`,
      key: org.key,
      body: { code: totp(key, at) },
    });
    expect(done.status).toBe(409);
    expect(done.body.code).toBe('code-already-used');
    expect(await sentTo(org, who.contactEmail)).toEqual([
      expect.objectContaining({
        channel: 'email',
        content: expect.objectContaining({
          text: expect.stringContaining('Authenticator app code was added'),
        }),
      }),
    ]);
  });

  // ---- 5. delete, default, rename ----

  it('sets the default, picks another when the default is deleted, renames, and tells the contact address each time', async () => {
    const phone = newMobile();
    const who = await person(org, [
      { type: 'mobile_text', phone },
      { type: 'authenticator_code', secret: generateSecret() },
      { type: 'email', email: `sam.${randomBytes(3).toString('hex')}@home.example` },
    ]);
    const [text, app, email] = who.methods;
    const { token } = await session(org, who);
    expect((await overview(org, token)).body.defaultMethodId).toBe(text!.id);
    const notices = async () =>
      (await sentTo(org, who.contactEmail)).map((d) => {
        expect(d.channel).toBe('email');
        expect(d.content.subject).toBe(`Your ${org.name} security info was changed`);
        return d.content.text;
      });

    const chosen = await call(org, token, 'PUT', '/default-method', { methodId: app!.id });
    expect(chosen.status).toBe(200);
    expect(chosen.body).toEqual({ defaultMethodId: app!.id, notices: [] });
    const withApp = await overview(org, token);
    expect(withApp.body.defaultMethodId).toBe(app!.id);
    expectSameMembers(
      withApp.body.methods.map((m: { id: string; isDefault: boolean }) => [m.id, m.isDefault]),
      [
        [text!.id, false],
        [app!.id, true],
        [email!.id, false],
      ],
    );
    expect(await notices()).toEqual([
      expect.stringContaining('Your default sign-in method is now authenticator app code.'),
    ]);

    const deleted = await call(org, token, 'DELETE', `/methods/${app!.id}`);
    expect(deleted.status).toBe(204);
    const withoutApp = await overview(org, token);
    expectSameMembers(
      withoutApp.body.methods.map((m: { id: string; isDefault: boolean }) => [m.id, m.isDefault]),
      [
        [text!.id, true],
        [email!.id, false],
      ],
    );
    expect(withoutApp.body.defaultMethodId).toBe(text!.id);
    expect(await notices()).toEqual([
      expect.stringContaining('default sign-in method is now'),
      expect.stringContaining('Authenticator app code was deleted from your security info.'),
    ]);
    expect((await call(org, token, 'DELETE', `/methods/${app!.id}`)).status).toBe(404);

    const renamed = await call(org, token, 'PATCH', `/methods/${text!.id}`, { label: 'Personal mobile' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({
      id: text!.id,
      label: 'Personal mobile',
      display: maskedPhone(phone),
    });
    expect(
      (await overview(org, token)).body.methods.find((m: { id: string }) => m.id === text!.id),
    ).toMatchObject({ label: 'Personal mobile' });
    const told = await notices();
    expect(told).toHaveLength(3);
    expect(told[2]).toContain('Text message to your mobile phone was renamed in your security info.');

    const made = await call(org, token, 'POST', '/app-passwords', { name: 'Old Outlook', scopes: ['imap'] });
    expect(made.status).toBe(201);
    expect(made.body.appPassword).toMatch(/^[a-z]{4}( [a-z]{4}){6}$/);
    expect((await call(org, token, 'DELETE', `/app-passwords/${made.body.id}`)).status).toBe(204);
    const all = await notices();
    expect(all.slice(3)).toEqual([
      expect.stringContaining('An app password named "Old Outlook" was created for your account.'),
      expect.stringContaining('The app password named "Old Outlook" was revoked.'),
    ]);
    // never on the phone whose settings changed
    expect(await sentTo(org, phone)).toEqual([]);
  });

  // ---- 6. another person, another organisation ----

  it('keeps an enrolment to the session that began it: 404 for another person, another session, another organisation', async () => {
    const a = newMobile();
    const b = newMobile();
    const alice = await person(org, [
      { type: 'mobile_text', phone: a },
      { type: 'authenticator_code', secret: generateSecret() },
    ]);
    const bob = await person(org, [
      { type: 'authenticator_code', secret: generateSecret() },
      { type: 'mobile_text', phone: newMobile() },
    ]);
    const stranger = await person(other, [
      { type: 'authenticator_code', secret: generateSecret() },
      { type: 'mobile_text', phone: newMobile() },
    ]);
    const mine = await session(org, alice);
    const bobs = await session(org, bob);
    const theirs = await session(other, stranger);
    const change = await call(org, mine.token, 'PUT', `/methods/${alice.methods[0]!.id}/phone`, { phone: b });
    expect(change.status).toBe(200);
    const { enrolmentId } = change.body;
    const code = await enrolmentCode(org, enrolmentId);
    await codeSentAgo(org, enrolmentId);
    const elsewhere = await textSession(org, alice, alice.methods[0]!.id);
    const aliceBefore = await overview(org, mine.token);

    for (const [o, token] of [
      [org, bobs.token],
      [other, theirs.token],
    ] as const) {
      for (const [method, path, body] of [
        ['GET', `/enrolments/${enrolmentId}`],
        ['POST', `/enrolments/${enrolmentId}/resend`],
        ['POST', `/enrolments/${enrolmentId}/verify`, { code }],
      ] as const) {
        const res = await call(o, token, method, path, body);
        expect({ path, status: res.status, body: res.body }).toEqual({
          path,
          status: 404,
          body: ENROLMENT_GONE,
        });
      }
      for (const [method, path, body] of [
        ['PUT', `/methods/${alice.methods[0]!.id}/phone`, { phone: newMobile() }],
        ['PATCH', `/methods/${alice.methods[0]!.id}`, { label: 'Mine now' }],
        ['DELETE', `/methods/${alice.methods[1]!.id}`],
        ['PUT', '/default-method', { methodId: alice.methods[1]!.id }],
      ] as const) {
        const res = await call(o, token, method, path, body);
        expect({ path, status: res.status, code: res.body.code }).toEqual({
          path,
          status: 404,
          code: 'not-found',
        });
      }
    }
    // Alice's own token with another organisation's key is no session at all
    for (const path of ['', `/enrolments/${enrolmentId}`]) {
      const res = await call(other, mine.token, 'GET', path);
      expect(res.status).toBe(401);
      expect(res.body).toEqual(SESSION_EXPIRED);
    }
    const foreign = await call(other, mine.token, 'POST', `/enrolments/${enrolmentId}/verify`, { code });
    expect(foreign.status).toBe(401);
    // no key at all
    expect(
      (
        await api.request({
          method: 'GET',
          url: `/v1/security-info/enrolments/${enrolmentId}`,
          headers: { 'verity-session': mine.token },
        })
      ).status,
    ).toBe(401);

    // Alice on another device (another session of hers, signed in with a text) cannot go on with it either
    for (const [method, path, body] of [
      ['GET', `/enrolments/${enrolmentId}`],
      ['POST', `/enrolments/${enrolmentId}/resend`],
      ['POST', `/enrolments/${enrolmentId}/verify`, { code }],
    ] as const) {
      const res = await call(org, elsewhere.token, method, path, body);
      expect({ path, status: res.status, body: res.body }).toEqual({
        path,
        status: 404,
        body: ENROLMENT_GONE,
      });
    }

    // nothing was counted or sent: Alice's code still works, once
    expect((await overview(org, mine.token)).body).toEqual(aliceBefore.body);
    expect(await sentTo(org, b)).toHaveLength(1);
    const done = await call(org, mine.token, 'POST', `/enrolments/${enrolmentId}/verify`, { code });
    expect(done.status).toBe(200);
    expect(done.body.methods[0]).toMatchObject({ id: alice.methods[0]!.id, display: maskedPhone(b) });
    // Bob's and the stranger's methods are as they were
    expect((await overview(org, bobs.token)).body.methods).toHaveLength(2);
    expect((await overview(other, theirs.token)).body.methods).toHaveLength(2);
  });
});
