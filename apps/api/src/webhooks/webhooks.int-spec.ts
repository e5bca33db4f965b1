import { randomBytes } from 'node:crypto';
import { AuditEvent, Challenge, Delivery, ProviderEvent, Tenancy, accounts } from '@verity/db';
import { sendGridWebhookSigner, signedTwilioCallback } from '@verity/testing';
import { startApi, uniqueTenantBody, type TestApi } from '../test/api.js';

const PUBLIC_URL = 'https://verity.example.nhs.uk';
const AUTH_TOKEN = 'twilio-auth-token-for-tests';
const twilio = { accountSid: `AC${'a'.repeat(32)}`, authToken: AUTH_TOKEN, from: '+447700900001' };
const sendgrid = sendGridWebhookSigner();
const sid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

describe('provider webhooks', () => {
  let api: TestApi;
  let tenancy: Tenancy;
  let tenantId: string;
  let slug: string;
  let accountId: string;

  beforeAll(async () => {
    api = await startApi({
      PUBLIC_URL,
      CHANNELS: JSON.stringify({
        sms: { provider: 'twilio-sms', config: twilio },
        voice: { provider: 'twilio-voice', config: twilio },
        email: {
          provider: 'sendgrid',
          config: {
            apiKey: 'SG.test',
            from: { email: 'no-reply@example.nhs.uk' },
            eventWebhookPublicKey: sendgrid.publicKey,
          },
        },
      }),
    });
    tenancy = api.app.get(Tenancy);
    const body = uniqueTenantBody('hooks');
    slug = body.slug;
    tenantId = (await api.request({ method: 'POST', url: '/admin/tenants', key: api.operatorKey, body })).body
      .tenant.id;
    accountId = (
      await tenancy.run(tenantId, (s) =>
        accounts.create(s, { username: `u@${slug}.nhs.uk`, displayName: 'U' }),
      )
    ).id;
  });
  afterAll(() => api.close());

  /** A sent delivery (and, for calls, the pending challenge it asks about), as the worker leaves them. */
  function sent(channel: 'sms' | 'voice' | 'email', provider: string, withChallenge = false) {
    return tenancy.run(tenantId, async (scope) => {
      const challenge = withChallenge
        ? await scope.manager.getRepository(Challenge).save({
            tenantId,
            accountId,
            methodType: 'mobile_call',
            purpose: 'sign_in' as const,
            expiresAt: new Date(Date.now() + 300_000),
          })
        : null;
      const delivery = await scope.manager.getRepository(Delivery).save({
        tenantId,
        channel,
        provider,
        idempotencyKey: sid('key'),
        recipientEnc: randomBytes(40),
        contentEnc: randomBytes(40),
        status: 'sent' as const,
        attempts: 1,
        providerMessageId: sid(channel === 'voice' ? 'CA' : 'SM'),
        challengeId: challenge?.id ?? null,
      });
      return { delivery, challengeId: challenge?.id ?? null };
    });
  }

  async function post(path: string, params: Record<string, string>, tamper?: (rawBody: string) => string) {
    const signed = signedTwilioCallback(AUTH_TOKEN, `${PUBLIC_URL}${path}`, params);
    return api.request({
      method: 'POST',
      url: path,
      payload: tamper ? tamper(signed.rawBody) : signed.rawBody,
      headers: signed.headers,
    });
  }

  const challengeStatus = (id: string) =>
    tenancy.run(
      tenantId,
      async (s) => (await s.manager.getRepository(Challenge).findOneByOrFail({ id })).status,
    );
  const auditActions = (targetId: string) =>
    tenancy.run(tenantId, async (s) =>
      (await s.manager.getRepository(AuditEvent).findBy({ targetId })).map((e) => e.action),
    );

  it('answers the call with TwiML asking for # (or 0 then #), posting the keys back', async () => {
    const { delivery } = await sent('voice', 'twilio-voice', true);
    const path = `/webhooks/twilio/${slug}/voice/${delivery.id}`;
    const res = await post(path, { CallSid: delivery.providerMessageId!, AccountSid: twilio.accountSid });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/xml/);
    expect(res.text).toContain('finishOnKey="#"');
    expect(res.text).toContain(`action="${PUBLIC_URL}${path}/keypress"`);
    expect(res.text).toMatch(/press the hash key to approve/);
  });

  it('approves with #, once: a replay changes nothing', async () => {
    const { delivery, challengeId } = await sent('voice', 'twilio-voice', true);
    const path = `/webhooks/twilio/${slug}/voice/${delivery.id}/keypress`;
    const params = { CallSid: delivery.providerMessageId!, Digits: '' };
    const res = await post(path, params);
    expect(res.status).toBe(200);
    expect(res.text).toContain('approved');
    expect(await challengeStatus(challengeId!)).toBe('approved');
    expect((await post(path, params)).status).toBe(200);
    expect(await auditActions(challengeId!)).toEqual(['challenge.approved']);
  });

  it('denies with 0# and raises a fraud report', async () => {
    const { delivery, challengeId } = await sent('voice', 'twilio-voice', true);
    await post(`/webhooks/twilio/${slug}/voice/${delivery.id}/keypress`, {
      CallSid: delivery.providerMessageId!,
      Digits: '0',
    });
    expect(await challengeStatus(challengeId!)).toBe('denied');
    expect(await auditActions(challengeId!)).toEqual(['fraud.reported']);
  });

  it('denies any other keys, without a fraud report', async () => {
    const { delivery, challengeId } = await sent('voice', 'twilio-voice', true);
    await post(`/webhooks/twilio/${slug}/voice/${delivery.id}/keypress`, {
      CallSid: delivery.providerMessageId!,
      Digits: '5',
    });
    expect(await challengeStatus(challengeId!)).toBe('denied');
    expect(await auditActions(challengeId!)).toEqual(['challenge.denied']);
  });

  it("reports fraud with the policy's own code (9#): the call names it, and 0# then only denies", async () => {
    const setVoicePolicy = (json: string) =>
      tenancy.run(tenantId, (s) =>
        s.manager.query(
          `UPDATE tenants SET policy = policy || $2::jsonb, policy_version = policy_version + 1 WHERE id = $1`,
          [tenantId, json],
        ),
      );
    await setVoicePolicy('{"voice":{"fraudCode":"9#"}}');
    try {
      const asked = await sent('voice', 'twilio-voice', true);
      const twiml = await post(`/webhooks/twilio/${slug}/voice/${asked.delivery.id}`, {
        CallSid: asked.delivery.providerMessageId!,
      });
      expect(twiml.text).toContain('If you are not, press 9, then the hash key.');

      const reported = await sent('voice', 'twilio-voice', true);
      await post(`/webhooks/twilio/${slug}/voice/${reported.delivery.id}/keypress`, {
        CallSid: reported.delivery.providerMessageId!,
        Digits: '9',
      });
      expect(await challengeStatus(reported.challengeId!)).toBe('denied');
      expect(await auditActions(reported.challengeId!)).toEqual(['fraud.reported']);

      const zero = await sent('voice', 'twilio-voice', true);
      const res = await post(`/webhooks/twilio/${slug}/voice/${zero.delivery.id}/keypress`, {
        CallSid: zero.delivery.providerMessageId!,
        Digits: '0',
      });
      expect(res.text).not.toContain('reported');
      expect(await challengeStatus(zero.challengeId!)).toBe('denied');
      expect(await auditActions(zero.challengeId!)).toEqual(['challenge.denied']);
    } finally {
      await setVoicePolicy('{"voice":{"fraudCode":"0#"}}');
    }
  });

  it('refuses unsigned, mutated or misaddressed callbacks with 403 and changes nothing', async () => {
    const { delivery, challengeId } = await sent('voice', 'twilio-voice', true);
    const path = `/webhooks/twilio/${slug}/voice/${delivery.id}/keypress`;
    const params = { CallSid: delivery.providerMessageId!, Digits: '' };
    const unsigned = await api.request({
      method: 'POST',
      url: path,
      payload: new URLSearchParams(params).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers['content-type']).toMatch(/problem\+json/);
    expect((await post(path, params, (raw) => raw.replace('Digits=', 'Digits=0'))).status).toBe(403);
    const elsewhere = signedTwilioCallback(AUTH_TOKEN, `https://attacker.example${path}`, params);
    expect(
      (
        await api.request({
          method: 'POST',
          url: path,
          payload: elsewhere.rawBody,
          headers: elsewhere.headers,
        })
      ).status,
    ).toBe(403);
    expect(await challengeStatus(challengeId!)).toBe('pending');
  });

  it('applies a text status callback once, however often it arrives', async () => {
    const { delivery } = await sent('sms', 'twilio-sms');
    const params = {
      MessageSid: delivery.providerMessageId!,
      MessageStatus: 'delivered',
      AccountSid: twilio.accountSid,
    };
    const path = `/webhooks/twilio/${slug}/sms/status`;
    expect((await post(path, params)).status).toBe(204);
    expect((await post(path, params)).status).toBe(204);
    await tenancy.run(tenantId, async (s) => {
      expect((await s.manager.getRepository(Delivery).findOneByOrFail({ id: delivery.id })).status).toBe(
        'delivered',
      );
      expect(await s.manager.getRepository(ProviderEvent).countBy({ provider: 'twilio-sms' })).toBe(1);
    });
  });

  it('applies a signed call status callback as status, not as the call being answered', async () => {
    const { delivery } = await sent('voice', 'twilio-voice', true);
    const path = `/webhooks/twilio/${slug}/voice/status`;
    const params = {
      CallSid: delivery.providerMessageId!,
      CallStatus: 'no-answer',
      AccountSid: twilio.accountSid,
    };
    const res = await post(path, params);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    await tenancy.run(tenantId, async (s) => {
      const row = await s.manager.getRepository(Delivery).findOneByOrFail({ id: delivery.id });
      expect(row).toMatchObject({ status: 'failed', errorCode: 'no-answer' });
    });
  });

  it('answers a call for a delivery id that is not one with 404', async () => {
    const res = await post(`/webhooks/twilio/${slug}/voice/not-a-delivery`, { CallSid: sid('CA') });
    expect(res.status).toBe(404);
  });

  it('applies signed SendGrid events, refusing a forged or stale batch', async () => {
    const { delivery } = await sent('email', 'sendgrid');
    const events = JSON.stringify([
      {
        event: 'delivered',
        sg_message_id: `${delivery.providerMessageId}.filter0001`,
        sg_event_id: sid('ev'),
        timestamp: 1,
      },
    ]);
    const path = `/webhooks/sendgrid/${slug}/events`;
    const headers = { 'content-type': 'application/json', ...sendgrid.sign(events) };
    const forgedRes = await api.request({
      method: 'POST',
      url: path,
      payload: events.replace('delivered', 'bounce'),
      headers,
    });
    expect(forgedRes.status).toBe(403);
    const stale = {
      'content-type': 'application/json',
      ...sendgrid.sign(events, Math.floor(Date.now() / 1000) - 360),
    };
    expect((await api.request({ method: 'POST', url: path, payload: events, headers: stale })).status).toBe(
      403,
    );
    expect((await api.request({ method: 'POST', url: path, payload: events, headers })).status).toBe(204);
    await tenancy.run(tenantId, async (s) => {
      expect((await s.manager.getRepository(Delivery).findOneByOrFail({ id: delivery.id })).status).toBe(
        'delivered',
      );
    });
  });

  it('finds an email by the delivery id its SendGrid event carries, whatever the message id', async () => {
    const { delivery } = await sent('email', 'sendgrid');
    const events = JSON.stringify([
      {
        event: 'bounce',
        delivery_id: delivery.id,
        sg_message_id: `not-the-recorded-id.filterdrecv-1.0`,
        sg_event_id: sid('ev'),
        timestamp: 1,
      },
    ]);
    const headers = { 'content-type': 'application/json', ...sendgrid.sign(events) };
    const res = await api.request({
      method: 'POST',
      url: `/webhooks/sendgrid/${slug}/events`,
      payload: events,
      headers,
    });
    expect(res.status).toBe(204);
    await tenancy.run(tenantId, async (s) => {
      const row = await s.manager.getRepository(Delivery).findOneByOrFail({ id: delivery.id });
      expect(row).toMatchObject({ status: 'failed', errorCode: 'bounce' });
    });
  });

  it('answers an unknown organisation with 404', async () => {
    const res = await post('/webhooks/twilio/no-such-trust/sms/status', {
      MessageSid: 'SMx',
      MessageStatus: 'delivered',
    });
    expect(res.status).toBe(404);
  });
});
