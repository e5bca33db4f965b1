import { randomBytes } from 'node:crypto';
import { DeliveryLedger, Tenancy } from '@verity/db';
import { onboard, startApi, type TestApi } from '../test/api.js';
import { PASSWORD, messageOf, staffMember, twilioPosts } from '../test/sign-in.js';

const PUBLIC_URL = 'https://verity.example.nhs.uk';
const AUTH_TOKEN = 'twilio-auth-token-for-voice-sign-in';
const twilio = { accountSid: `AC${'b'.repeat(32)}`, authToken: AUTH_TOKEN, from: '+447700900001' };

describe('sign-in with a phone call answered on the keypad', () => {
  let api: TestApi;
  let org: Awaited<ReturnType<typeof onboard>>;

  beforeAll(async () => {
    api = await startApi({
      PUBLIC_URL,
      CHANNELS: JSON.stringify({ voice: { provider: 'twilio-voice', config: twilio } }),
    });
    org = await onboard(api, 'voice');
  });
  afterAll(() => api.close());

  /** Starts a sign-in, asks for a call, and leaves the call placed as the worker would (a Call SID recorded). */
  async function called(phone = '+447700900401') {
    const { username, methods, account } = await staffMember(api, org.tenantId, {
      methods: [{ type: 'mobile_call', phone }],
    });
    const flowId = (
      await api.request({
        method: 'POST',
        url: '/v1/sign-in',
        key: org.key,
        body: { username, password: PASSWORD },
      })
    ).body.flowId as string;
    const call = await api.request({
      method: 'POST',
      url: `/v1/sign-in/${flowId}/challenges`,
      key: org.key,
      body: { methodId: methods[0]!.id },
    });
    expect(call.status).toBe(201);
    const { delivery, content } = await messageOf(api, org.tenantId, call.body.challengeId);
    const callSid = `CA${randomBytes(16).toString('hex')}`;
    const ledger = new DeliveryLedger(api.app.get(Tenancy));
    await ledger.claim(org.tenantId, delivery.id, 'twilio-voice');
    await ledger.markSent(org.tenantId, delivery.id, callSid);
    return { flowId, call: call.body, account, callSid, instructionsUrl: content.instructionsUrl as string };
  }

  const posts = (url: string, params: Record<string, string>) => twilioPosts(api, AUTH_TOKEN, url, params);

  const status = (flowId: string) =>
    api.request({ method: 'GET', url: `/v1/sign-in/${flowId}`, key: org.key });

  it('approves with #: the call asks for it, the keypress settles the challenge, the sign-in completes', async () => {
    const { flowId, call, callSid, instructionsUrl } = await called();
    expect(call).toMatchObject({ type: 'mobile_call', calling: expect.stringMatching(/01$/) });
    expect(instructionsUrl).toMatch(
      new RegExp(`^${PUBLIC_URL}/webhooks/twilio/[a-z0-9-]+/voice/[0-9a-f-]{36}$`),
    );
    const twiml = await posts(instructionsUrl, { CallSid: callSid, AccountSid: twilio.accountSid });
    expect(twiml.status).toBe(200);
    expect(twiml.text).toContain('press the hash key to approve');
    expect((await status(flowId)).body.state).toBe('mfa_required');
    await posts(`${instructionsUrl}/keypress`, {
      CallSid: callSid,
      AccountSid: twilio.accountSid,
      Digits: '',
    });
    const done = await status(flowId);
    expect(done.body).toMatchObject({ state: 'complete', result: expect.any(String) });
  });

  it('with 0 then # denies, marks the account at risk and blocks the next sign-in', async () => {
    const { flowId, callSid, instructionsUrl, account } = await called('+447700900402');
    await posts(`${instructionsUrl}/keypress`, {
      CallSid: callSid,
      AccountSid: twilio.accountSid,
      Digits: '0',
    });
    expect((await status(flowId)).body.challenge.status).toBe('denied');
    const next = await api.request({
      method: 'POST',
      url: '/v1/sign-in',
      key: org.key,
      body: { username: account.username, password: PASSWORD },
    });
    expect(next.body).toMatchObject({ state: 'blocked', reasons: [{ code: 'FRAUD_REPORTED' }] });
  });

  it('where the policy asks for it, approves only when the number shown on screen is keyed', async () => {
    await api.app
      .get(Tenancy)
      .run(org.tenantId, (scope) =>
        scope.manager.query(
          `UPDATE tenants SET policy = policy || '{"voice":{"confirmation":"key_number"}}'::jsonb, policy_version = policy_version + 1 WHERE id = $1`,
          [org.tenantId],
        ),
      );
    try {
      const wrong = await called('+447700900403');
      expect(wrong.call.number).toMatch(/^\d{2,}$/);
      const twiml = await posts(wrong.instructionsUrl, {
        CallSid: wrong.callSid,
        AccountSid: twilio.accountSid,
      });
      expect(twiml.text).toContain('enter the number shown on your sign-in screen');
      await posts(`${wrong.instructionsUrl}/keypress`, {
        CallSid: wrong.callSid,
        AccountSid: twilio.accountSid,
        Digits: '',
      });
      expect((await status(wrong.flowId)).body.challenge.status).toBe('denied');

      const right = await called('+447700900404');
      await posts(`${right.instructionsUrl}/keypress`, {
        CallSid: right.callSid,
        AccountSid: twilio.accountSid,
        Digits: right.call.number,
      });
      expect((await status(right.flowId)).body.state).toBe('complete');
    } finally {
      await api.app
        .get(Tenancy)
        .run(org.tenantId, (scope) =>
          scope.manager.query(
            `UPDATE tenants SET policy = policy - 'voice', policy_version = policy_version + 1 WHERE id = $1`,
            [org.tenantId],
          ),
        );
    }
  });
});
