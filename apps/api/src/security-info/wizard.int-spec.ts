import { Tenancy } from '@verity/db';
import { onboard, startApi, type TestApi } from '../test/api.js';
import { readQr as qrText } from '../test/qr.js';
import { base32Decode, rfc6238 } from '../test/rfc6238.js';
import { PASSWORD, activateApp, codeIn, messageOf, staffMember } from '../test/sign-in.js';

/** The QR code's text, which must be there. */
function readQr(dataUrl: string): string {
  const text = qrText(dataUrl);
  if (text === undefined) throw new Error('no QR code in the image');
  return text;
}

describe('the "Keep your account secure" registration wizard', () => {
  let api: TestApi;
  let org: Awaited<ReturnType<typeof onboard>>;
  let other: Awaited<ReturnType<typeof onboard>>;

  beforeAll(async () => {
    api = await startApi();
    org = await onboard(api, 'wizard');
    other = await onboard(api, 'wizard-other');
  });
  afterAll(() => api.close());

  const call = (method: 'GET' | 'POST', url: string, body?: unknown, key = org.key) =>
    api.request({ method, url, key, ...(body !== undefined ? { body } : {}) });
  const signIn = (username: string) =>
    call('POST', '/v1/sign-in', {
      username,
      password: PASSWORD,
      client: { ip: '81.2.69.160', app: 'NHSmail' },
    });
  const wizard = (flowId: string) => `/v1/sign-in/${flowId}/registration`;

  async function challengeOf(enrolmentId: string): Promise<string> {
    const rows: { challenge: string }[] = await api.app
      .get(Tenancy)
      .run(org.tenantId, (scope) =>
        scope.manager.query(`SELECT data->>'challengeId' AS challenge FROM flows WHERE id = $1`, [
          enrolmentId,
        ]),
      );
    return rows[0]!.challenge;
  }

  it('walks a new member of staff through Method 1 of 2 (the app, approved by a test notification) and Method 2 of 2 (a phone, by text), then Done', async () => {
    const { username } = await staffMember(api, org.tenantId);
    const started = await signIn(username);
    expect(started.status).toBe(200);
    expect(started.body.state).toBe('registration_required');
    const flowId = started.body.flowId as string;

    const first = await call('GET', wizard(flowId));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      state: 'registration_required',
      outcome: 'required',
      step: { method: 1, of: 2 },
      offerFirst: 'authenticator_push',
      snooze: { allowed: true },
      methods: [],
      defaultMethod: null,
    });
    expect(first.body.reasons[0].message).toBe(
      'Your organisation requires you to set up the following methods of proving who you are.',
    );
    // "I want to set up a different method"
    expect(first.body.otherChoices).toEqual(expect.arrayContaining(['authenticator_code', 'mobile_text']));
    expect(first.body.notOffered).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'office_call' }),
        expect.objectContaining({ type: 'email' }),
      ]),
    );

    // "Scan the QR code": the link in the QR image activates the app
    const app = await call('POST', `${wizard(flowId)}/methods`, { type: 'authenticator_push' });
    expect(app.status).toBe(201);
    expect(app.body.state).toBe('waiting_for_app');
    const link = new URL(readQr(app.body.activation.qr.png));
    expect(link.href).toBe(app.body.activation.link);
    expect(app.body.activation.qr.svg).toMatch(/^<svg[\s\S]*<path/);
    const { device, base, deviceId } = await activateApp(api, link.href);

    // not counted before the test notification is approved
    const early = await call('POST', `${wizard(flowId)}/enrolments/${app.body.enrolmentId}/verify`, {});
    expect(early.status).toBe(409);
    expect((await call('GET', wizard(flowId))).body.step).toEqual({ method: 1, of: 2 });
    const before = await signIn(username);
    expect(before.body.state).toBe('registration_required');

    // "Next": a notification is sent to the app to test the account
    const ready = await call('GET', `${wizard(flowId)}/enrolments/${app.body.enrolmentId}`);
    expect(ready.body.state).toBe('app_activated');
    const test = await call('POST', `${wizard(flowId)}/enrolments/${app.body.enrolmentId}/resend`);
    expect(test.status).toBe(201);
    expect(test.body).toMatchObject({ state: 'notification_sent', number: expect.stringMatching(/^\d{2}$/) });
    const pending = await api.request({
      method: 'GET',
      url: `${base}/challenges`,
      headers: { 'device-proof': await device.proof(deviceId, { act: 'list' }) },
    });
    expect(pending.body.challenges).toHaveLength(1);
    const challengeId = pending.body.challenges[0].challengeId as string;
    const approved = await api.request({
      method: 'POST',
      url: `${base}/challenges/${challengeId}/answer`,
      headers: {
        'device-proof': await device.proof(deviceId, {
          act: 'answer',
          challengeId,
          decision: 'approve',
          number: test.body.number,
        }),
      },
    });
    expect(approved.body.outcome).toBe('approved');
    const appDone = await call('POST', `${wizard(flowId)}/enrolments/${app.body.enrolmentId}/verify`, {});
    expect(appDone.status).toBe(200);
    expect(appDone.body.methods.map((m: { type: string }) => m.type).sort()).toEqual([
      'authenticator_code',
      'authenticator_push',
    ]);
    // "Your security info is updated to use the Microsoft Authenticator app by default"
    expect(appDone.body.wizard).toMatchObject({
      step: { method: 2, of: 2 },
      defaultMethod: { type: 'authenticator_push' },
    });
    expect(appDone.body.wizard.offerFirst).not.toBe('authenticator_code');

    // Method 2 of 2: Phone. "We just sent a 6 digit code to +44 …"
    const phone = await call('POST', `${wizard(flowId)}/methods`, {
      type: 'mobile_text',
      phone: '07400 123456',
    });
    expect(phone.status).toBe(201);
    expect(phone.body).toMatchObject({
      state: 'code_sent',
      sentTo: expect.stringMatching(/^\+44 •+56$/),
      codeLength: 6,
    });
    const { delivery, content } = await messageOf(
      api,
      org.tenantId,
      await challengeOf(phone.body.enrolmentId),
    );
    expect(delivery.channel).toBe('sms');
    const wrong = await call('POST', `${wizard(flowId)}/enrolments/${phone.body.enrolmentId}/verify`, {
      code: '000000',
    });
    expect(wrong.status).toBe(400);
    const phoneDone = await call('POST', `${wizard(flowId)}/enrolments/${phone.body.enrolmentId}/verify`, {
      code: codeIn(content.body),
    });
    expect(phoneDone.status).toBe(200);
    expect(phoneDone.body.wizard).toMatchObject({
      outcome: 'complete',
      reasons: [{ code: 'REGISTRATION_COMPLETE' }],
      defaultMethod: { type: 'authenticator_push' },
    });

    // "Done" gives the sign-in's result: the methods proved in the wizard made it a two-factor sign-in
    const done = await call('POST', `${wizard(flowId)}/done`);
    expect(done.status).toBe(200);
    expect(done.body.state).toBe('complete');
    const claims = JSON.parse(Buffer.from(done.body.result.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ acr: 'aal2', jti: flowId });
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'swk', 'sms', 'mfa']));
    const session = await call('POST', '/v1/sessions', { result: done.body.result });
    expect(session.status).toBe(201);
    expect((await call('POST', `${wizard(flowId)}/done`)).status).toBe(404);

    // the next sign-in asks for the default method, and no more registration
    const next = await signIn(username);
    expect(next.body.state).toBe('mfa_required');
    expect(next.body.methods.find((m: { id: string }) => m.id === next.body.defaultMethodId).type).toBe(
      'authenticator_push',
    );
  });

  it('sets up any authenticator app from the otpauth:// QR code, proved with a code from an independent TOTP implementation', async () => {
    const { username } = await staffMember(api, org.tenantId);
    const flowId = (await signIn(username)).body.flowId as string;
    const totp = await call('POST', `${wizard(flowId)}/methods`, { type: 'authenticator_code' });
    expect(totp.status).toBe(201);
    expect(totp.body.state).toBe('waiting_for_code');
    const uri = new URL(readQr(totp.body.totp.qr.png));
    expect(uri.href).toBe(totp.body.totp.uri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    const organisation = uri.searchParams.get('issuer')!;
    expect(organisation).toMatch(/NHS Foundation Trust$/);
    expect(decodeURIComponent(uri.pathname.slice(1))).toBe(`${organisation}:${username}`);
    // "Can't scan the QR image": the same secret, shown
    const secret = uri.searchParams.get('secret')!;
    expect(totp.body.totp.secret).toBe(secret);

    const now = Math.floor(Date.now() / 1000);
    const code = rfc6238(base32Decode(secret), now);
    const done = await call('POST', `${wizard(flowId)}/enrolments/${totp.body.enrolmentId}/verify`, { code });
    expect(done.status).toBe(200);
    expect(done.body.methods[0]).toMatchObject({ type: 'authenticator_code', isDefault: true });
    // never readable again
    expect((await call('GET', `${wizard(flowId)}/enrolments/${totp.body.enrolmentId}`)).status).toBe(404);
    expect(JSON.stringify((await call('GET', wizard(flowId))).body)).not.toContain(secret);

    // the code that proved the app is spent: it cannot sign in too
    await call('POST', `${wizard(flowId)}/snooze`);
    const next = await signIn(username);
    expect(next.body.state).toBe('mfa_required');
    const challenge = await call('POST', `/v1/sign-in/${next.body.flowId}/challenges`, {
      methodId: done.body.methods[0].id,
    });
    const replay = await call(
      'POST',
      `/v1/sign-in/${next.body.flowId}/challenges/${challenge.body.challengeId}/verify`,
      {
        code,
      },
    );
    expect(replay.status).toBe(409);
    expect(replay.body.code).toBe('code-already-used');
  });

  it('checks the RFC 6238 implementation the tests use against the RFC’s own vector', () => {
    expect(rfc6238(Buffer.from('12345678901234567890'), 59, 8)).toBe('94287082');
    expect(rfc6238(Buffer.from('12345678901234567890'), 1111111109, 8)).toBe('07081804');
  });

  it('lets a person skip for now as often as the policy allows, and not after; never with elevated rights', async () => {
    const { account, username } = await staffMember(api, org.tenantId);
    const flowId = (await signIn(username)).body.flowId as string;
    const skipped = await call('POST', `${wizard(flowId)}/snooze`);
    expect(skipped.status).toBe(200);
    const claims = JSON.parse(Buffer.from(skipped.body.result.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ acr: 'aal1', amr: ['pwd'] });
    // within the snooze the sign-in ends with the password
    expect((await signIn(username)).body.state).toBe('complete');

    // the snooze has run out and the three allowed have been used
    await api.app
      .get(Tenancy)
      .run(org.tenantId, (scope) =>
        scope.manager.query(
          `UPDATE accounts SET snoozed_until = now() - interval '1 minute', registration_snoozes = 3 WHERE id = $1`,
          [account.id],
        ),
      );
    const again = await signIn(username);
    expect(again.body.state).toBe('registration_required');
    const view = await call('GET', wizard(again.body.flowId));
    expect(view.body.snooze).toMatchObject({ allowed: false, reasons: [{ code: 'SNOOZE_USED_UP' }] });
    const refused = await call('POST', `${wizard(again.body.flowId)}/snooze`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'snooze-refused', reasons: [{ code: 'SNOOZE_USED_UP' }] });
    expect((await call('GET', wizard(again.body.flowId))).status).toBe(200);

    const admin = await staffMember(api, org.tenantId, { elevated: true });
    const elevated = await signIn(admin.username);
    const no = await call('POST', `${wizard(elevated.body.flowId)}/snooze`);
    expect(no.status).toBe(409);
    expect(no.body.reasons[0].code).toBe('SNOOZE_NOT_FOR_ELEVATED');
  });

  it('refuses Done until the policy is satisfied, and keeps the wizard to its own sign-in and organisation', async () => {
    const { username } = await staffMember(api, org.tenantId);
    const flowId = (await signIn(username)).body.flowId as string;
    const early = await call('POST', `${wizard(flowId)}/done`);
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({
      code: 'registration-incomplete',
      reasons: [{ code: 'REGISTRATION_NEEDS_METHODS' }],
    });

    expect((await call('GET', wizard(flowId), undefined, other.key)).status).toBe(404);
    expect(
      (await call('POST', `${wizard(flowId)}/methods`, { type: 'authenticator_code' }, other.key)).status,
    ).toBe(404);

    // an enrolment belongs to the wizard that started it
    const mine = await call('POST', `${wizard(flowId)}/methods`, { type: 'authenticator_code' });
    const stranger = await staffMember(api, org.tenantId);
    const theirs = (await signIn(stranger.username)).body.flowId as string;
    expect((await call('GET', `${wizard(theirs)}/enrolments/${mine.body.enrolmentId}`)).status).toBe(404);

    // a sign-in that is not at the wizard's step has no wizard
    const ready = await staffMember(api, org.tenantId, {
      methods: [{ type: 'mobile_text', phone: '+447400123499' }],
    });
    const mfa = await signIn(ready.username);
    expect(mfa.body.state).toBe('mfa_required');
    expect((await call('GET', wizard(mfa.body.flowId))).status).toBe(409);

    const bad = await call('POST', `${wizard(flowId)}/methods`, {
      type: 'mobile_text',
      phone: 'not a number',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('phone');
  });

  it('after the second factor, hands a person who has too few methods to the wizard before the result', async () => {
    const { username, methods } = await staffMember(api, org.tenantId, {
      methods: [{ type: 'mobile_text', phone: '+447400123400' }],
      registrationDue: true,
    });
    const started = await signIn(username);
    expect(started.body.state).toBe('mfa_required');
    const challenge = await call('POST', `/v1/sign-in/${started.body.flowId}/challenges`, {
      methodId: methods[0]!.id,
    });
    const { content } = await messageOf(api, org.tenantId, challenge.body.challengeId);
    const verified = await call(
      'POST',
      `/v1/sign-in/${started.body.flowId}/challenges/${challenge.body.challengeId}/verify`,
      { code: codeIn(content.body) },
    );
    expect(verified.status).toBe(200);
    expect(verified.body.state).toBe('registration_required');
    expect(verified.body.result).toBeUndefined();
    const flowId = verified.body.flowId as string;
    expect(flowId).not.toBe(started.body.flowId);

    const view = await call('GET', wizard(flowId));
    expect(view.body).toMatchObject({ step: { method: 2, of: 2 }, defaultMethod: { type: 'mobile_text' } });
    // a text and a call to the same phone are one device: they do not make two methods
    expect(view.body.notOffered).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'mobile_text' })]),
    );

    const skipped = await call('POST', `${wizard(flowId)}/snooze`);
    const claims = JSON.parse(Buffer.from(skipped.body.result.split('.')[1], 'base64url').toString());
    // the text was proved at this sign-in: skipping the wizard does not undo it
    expect(claims).toMatchObject({ acr: 'aal2', jti: flowId });
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'sms', 'mfa']));
  });
});
