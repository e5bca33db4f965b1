import { onboard, startApi, type TestApi } from '../test/api.js';

const twilio = { accountSid: `AC${'c'.repeat(32)}`, authToken: 'secret-token-value', from: '+447700900321' };

describe('organisation channel settings API', () => {
  let api: TestApi;
  let key: string;

  beforeAll(async () => {
    api = await startApi();
    ({ key } = await onboard(api, 'senders'));
  });
  afterAll(() => api.close());

  it('saves the organisation’s own SMS sender and never shows its credentials again', async () => {
    const res = await api.request({
      method: 'PUT',
      url: '/v1/channels/sms',
      key,
      body: { provider: 'twilio-sms', config: twilio },
    });
    expect(res.status).toBe(200);
    const list = await api.request({ method: 'GET', url: '/v1/channels', key });
    expect(list.body.channels).toEqual([expect.objectContaining({ kind: 'sms', provider: 'twilio-sms' })]);
    expect(list.text).not.toContain('secret-token-value');
    const log = await api.request({ method: 'GET', url: '/v1/audit-events', key });
    expect(log.body.events.map((e: { action: string }) => e.action)).toContain('channel.configured');
    expect(log.text).not.toContain('secret-token-value');
  });

  it('refuses settings the channel cannot use, naming the field', async () => {
    const res = await api.request({
      method: 'PUT',
      url: '/v1/channels/sms',
      key,
      body: { provider: 'twilio-sms', config: { ...twilio, from: '07700 900321' } },
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('channel-invalid');
    expect(res.body.detail).toContain('from');
  });

  it('refuses a provider that does not carry that kind, or an unknown kind', async () => {
    const wrong = await api.request({
      method: 'PUT',
      url: '/v1/channels/sms',
      key,
      body: { provider: 'sendgrid', config: { apiKey: 'SG.x', from: { email: 'no-reply@example.nhs.uk' } } },
    });
    expect(wrong.status).toBe(422);
    expect(wrong.body.code).toBe('wrong-channel-kind');
    expect(
      (
        await api.request({
          method: 'PUT',
          url: '/v1/channels/fax',
          key,
          body: { provider: 'x', config: {} },
        })
      ).status,
    ).toBe(400);
  });

  it('goes back to the service default when the setting is removed', async () => {
    expect((await api.request({ method: 'DELETE', url: '/v1/channels/sms', key })).status).toBe(204);
    expect((await api.request({ method: 'DELETE', url: '/v1/channels/sms', key })).status).toBe(404);
    expect((await api.request({ method: 'GET', url: '/v1/channels', key })).body.channels).toEqual([]);
  });
});
