import { Tenancy, DeliveryLedger } from '@verity/db';
import { Outbox } from '@verity/delivery';
import { TenantCipher } from '@verity/secrets';
import { onboard, startApi, type TestApi } from '../test/api.js';

describe('developer inbox', () => {
  let api: TestApi;
  let key: string;
  let tenantId: string;

  beforeAll(async () => {
    api = await startApi();
    ({ tenantId, key } = await onboard(api, 'inbox'));
  });
  afterAll(() => api.close());

  it("shows the organisation's sandbox messages, decrypted, and nothing of other channels", async () => {
    const tenancy = api.app.get(Tenancy);
    const outbox = new Outbox(api.app.get(TenantCipher), () => {
      throw new Error('not dispatched in this test');
    });
    const [delivery, other] = await tenancy.run(tenantId, async (scope) => [
      (
        await outbox.create(scope, {
          to: '+447700900123',
          content: { kind: 'sms', body: 'Your Verity code is 493021' },
          idempotencyKey: 'inbox-1',
        })
      ).delivery,
      (
        await outbox.create(scope, {
          to: 'x@example.com',
          content: { kind: 'email', subject: 's', text: 't' },
          idempotencyKey: 'inbox-2',
        })
      ).delivery,
    ]);
    // as the worker does when the sandbox carries it
    const ledger = new DeliveryLedger(tenancy);
    await ledger.claim(tenantId, delivery!.id, 'sandbox');
    await ledger.markSent(tenantId, delivery!.id, `sandbox-${delivery!.id}`);
    await ledger.claim(tenantId, other!.id, 'sendgrid');
    const res = await api.request({ method: 'GET', url: '/v1/sandbox/messages', key });
    expect(res.status).toBe(200);
    expect(res.body.messages).toEqual([
      expect.objectContaining({
        channel: 'sms',
        status: 'sent',
        to: '+447700900123',
        content: { kind: 'sms', body: 'Your Verity code is 493021' },
      }),
    ]);
  });

  it('lists deliveries by status for the service desk, without their content', async () => {
    const all = await api.request({ method: 'GET', url: '/v1/deliveries', key });
    expect(all.status).toBe(200);
    expect(all.body.deliveries.map((d: { status: string }) => d.status).sort()).toEqual(['sending', 'sent']);
    expect(all.text).not.toContain('493021');
    expect(all.text).not.toContain('7700900123');
    const sent = await api.request({ method: 'GET', url: '/v1/deliveries?status=sent', key });
    expect(sent.body.deliveries).toHaveLength(1);
    expect((await api.request({ method: 'GET', url: '/v1/deliveries?status=lost', key })).status).toBe(400);
  });

  it('is not there when the sandbox inbox is off', async () => {
    const off = await startApi({ SANDBOX_INBOX: 'false' });
    try {
      expect((await off.request({ method: 'GET', url: '/v1/sandbox/messages', key })).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});
