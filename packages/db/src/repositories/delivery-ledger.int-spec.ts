import { randomBytes } from 'node:crypto';
import { createDataSource } from '../data-source.js';
import { Delivery } from '../entities/index.js';
import { Tenancy } from '../tenancy.js';
import { deliveries } from './deliveries.js';
import { DeliveryLedger } from './delivery-ledger.js';
import { tenants } from './tenants.js';

describe(DeliveryLedger.name, () => {
  const dataSource = createDataSource({ url: process.env.DATABASE_URL!, poolSize: 8 });
  const tenancy = new Tenancy(dataSource);
  const ledger = new DeliveryLedger(tenancy);
  let a: string;
  let b: string;

  const tenant = async (base: string) => {
    const slug = `${base}-${randomBytes(4).toString('hex')}`;
    return (
      await tenancy.asOperator((scope) =>
        tenants.create(scope, { slug, name: slug, emailDomains: [`${slug}.nhs.uk`], policy: {} }),
      )
    ).id;
  };
  const queued = (tenantId: string, key = randomBytes(6).toString('hex')) =>
    tenancy.run(tenantId, async (scope) => {
      const { delivery } = await deliveries.create(scope, {
        channel: 'sms',
        idempotencyKey: key,
        recipientEnc: Buffer.from('to'),
        contentEnc: Buffer.from('content'),
      });
      return delivery;
    });
  const reload = (tenantId: string, id: string) =>
    tenancy.run(tenantId, (scope) => scope.manager.getRepository(Delivery).findOneByOrFail({ id }));

  beforeAll(async () => {
    await dataSource.initialize();
    [a, b] = [await tenant('ledger-a'), await tenant('ledger-b')];
  });
  afterAll(() => dataSource.destroy());

  it('claims, then records the provider id once; a sent delivery is never claimed again', async () => {
    const delivery = await queued(a);
    const claimed = await ledger.claim(a, delivery.id, 'twilio-sms');
    expect(claimed).toMatchObject({
      id: delivery.id,
      status: 'sending',
      attempts: 1,
      provider: 'twilio-sms',
    });
    expect(claimed?.recipientEnc).toEqual(Buffer.from('to'));
    await expect(ledger.markSent(a, delivery.id, 'SM1')).resolves.toBe(true);
    await expect(ledger.markSent(a, delivery.id, 'SM2')).resolves.toBe(false);
    await expect(ledger.claim(a, delivery.id, 'twilio-sms')).resolves.toBeNull();
    expect(await reload(a, delivery.id)).toMatchObject({ status: 'sent', providerMessageId: 'SM1' });
  });

  it("cannot claim or record another organisation's delivery, even in the same group", async () => {
    const ofB = await queued(b);
    const ofA = await queued(a);
    const [stolen, own] = await Promise.all([
      ledger.claim(a, ofB.id, 'twilio-sms'),
      ledger.claim(a, ofA.id, 'twilio-sms'),
      ledger.claim(
        b,
        randomBytes(16)
          .toString('hex')
          .replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, '$1-$2-$3-$4-$5'),
        'x',
      ),
    ]);
    expect(stolen).toBeNull();
    expect(own?.id).toBe(ofA.id);
    await expect(ledger.markSent(a, ofB.id, 'SM-stolen')).resolves.toBe(false);
    expect(await reload(b, ofB.id)).toMatchObject({ status: 'queued', attempts: 0, providerMessageId: null });
  });

  it('gives each of many concurrent claims across organisations its own row', async () => {
    const made = await Promise.all(Array.from({ length: 40 }, (_, i) => queued(i % 2 ? a : b)));
    const claims = await Promise.all(made.map((d) => ledger.claim(d.tenantId, d.id, 'twilio-sms')));
    expect(claims.map((c) => c?.id)).toEqual(made.map((d) => d.id));
    const sent = await Promise.all(made.map((d) => ledger.markSent(d.tenantId, d.id, `SM-${d.id}`)));
    expect(sent.every(Boolean)).toBe(true);
  });

  it('refuses ids that are not UUIDs without a query', async () => {
    await expect(ledger.claim(a, 'not-a-uuid', 'twilio-sms')).resolves.toBeNull();
    await expect(ledger.claim('nope', randomBytes(1).toString('hex'), 'x')).resolves.toBeNull();
  });
});
