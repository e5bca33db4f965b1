import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ChannelSetting, channelSettings, deliveries } from '@verity/db';
import { ChannelChanges, Outbox, settingsContext } from '@verity/delivery';
import { Redis } from 'ioredis';

import { connectAsApp, createTenant, startTwilioFake, type TwilioFake } from '@verity/testing';
import type { Queue } from 'bullmq';
import { loadWorkerConfig } from '../config.js';
import { WorkerModule } from '../worker.module.js';

const accountSid = `AC${'b'.repeat(32)}`;
const authToken = 'org-a-auth-token';

describe("each organisation's own sender", () => {
  const config = loadWorkerConfig({
    ...process.env,
    WORKER_QUEUES: 'sms',
    REDIS_PREFIX: `${process.env.REDIS_PREFIX ?? 'verity-test'}-orgch`,
  });
  let db: Awaited<ReturnType<typeof connectAsApp>>;
  let worker: INestApplicationContext;
  let fake: TwilioFake;
  let outbox: Outbox;
  const ids: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };

  beforeAll(async () => {
    fake = await startTwilioFake({ accountSid, authToken });
    db = await connectAsApp();
    for (const k of ['a', 'b', 'c'] as const)
      ids[k] = (await createTenant(db.tenancy, db.cipher, `sender-${k}`)).id;
    const own = { accountSid, authToken, from: '+447700900111', apiBaseUrl: fake.url };
    await db.tenancy.run(ids.a, async (scope) =>
      channelSettings.save(
        scope,
        'sms',
        'twilio-sms',
        await db.cipher.encrypt(ids.a, settingsContext('sms'), JSON.stringify(own)),
      ),
    );
    // an organisation whose stored settings no longer pass the channel's schema
    await db.tenancy.run(ids.c, async (scope) =>
      channelSettings.save(
        scope,
        'sms',
        'twilio-sms',
        await db.cipher.encrypt(ids.c, settingsContext('sms'), '{"from":"07700"}'),
      ),
    );
    worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { logger: false });
    await worker.init();
    outbox = new Outbox(db.cipher, (name) => worker.get<Queue>(getQueueToken(name)));
  });
  afterAll(async () => {
    await worker.close();
    await db.close();
    await fake.close();
  });

  async function text(tenantId: string, to: string) {
    const { delivery } = await db.tenancy.run(tenantId, (scope) =>
      outbox.create(scope, {
        to,
        content: { kind: 'sms', body: 'Your Verity code is 120934' },
        idempotencyKey: `org-${to}`,
      }),
    );
    await outbox.dispatch(delivery, 'test');
    for (let i = 0; i < 100; i += 1) {
      const row = await db.tenancy.run(tenantId, (scope) => deliveries.findById(scope, delivery.id));
      if (row && ['sent', 'failed'].includes(row.status)) return row;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('delivery did not finish');
  }

  it('sends through the organisation’s own Twilio account and number', async () => {
    const row = await text(ids.a, '+447700900201');
    expect(row).toMatchObject({ status: 'sent', provider: 'twilio-sms' });
    const request = fake.requests().find((r) => (r.body as Record<string, string>).To === '+447700900201');
    expect(request?.path).toContain(`/Accounts/${accountSid}/`);
    expect((request?.body as Record<string, string>).From).toBe('+447700900111');
  });

  it('sends with a new sender at once when a change is announced, as the API announces it', async () => {
    expect((await text(ids.a, '+447700900204')).status).toBe('sent'); // the settings are cached now
    const publisher = new Redis(config.REDIS_URL);
    const api = new ChannelChanges(publisher, new Redis(config.REDIS_URL), config.REDIS_PREFIX);
    try {
      const changed = { accountSid, authToken, from: '+447700900112', apiBaseUrl: fake.url };
      await db.tenancy.run(ids.a, async (scope) =>
        channelSettings.save(
          scope,
          'sms',
          'twilio-sms',
          await db.cipher.encrypt(ids.a, settingsContext('sms'), JSON.stringify(changed)),
        ),
      );
      await api.announce(ids.a, 'sms');
      const started = Date.now();
      await text(ids.a, '+447700900205');
      const request = fake.requests().find((r) => (r.body as Record<string, string>).To === '+447700900205');
      expect((request?.body as Record<string, string>).From).toBe('+447700900112');
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      api.close();
      await publisher.quit();
    }
  });

  it('leaves an organisation without settings on the service default, never on another’s account', async () => {
    const row = await text(ids.b, '+447700900202');
    expect(row).toMatchObject({ status: 'sent', provider: 'sandbox' });
    expect(fake.acceptedCount('+447700900202')).toBe(0);
  });

  it('fails closed when an organisation’s settings are unusable', async () => {
    const row = await text(ids.c, '+447700900203');
    expect(row).toMatchObject({ status: 'failed', errorCode: 'invalid_config' });
    expect(fake.acceptedCount('+447700900203')).toBe(0);
  });

  it('keeps the settings encrypted at rest', async () => {
    const stored = await db.tenancy.run(ids.a, (scope) =>
      scope.manager.getRepository(ChannelSetting).findOneByOrFail({ kind: 'sms' }),
    );
    expect(stored.configEnc.toString('latin1')).not.toContain(authToken);
  });
});
