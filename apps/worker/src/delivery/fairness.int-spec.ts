import { getQueueToken } from '@nestjs/bullmq';
import { Test, type TestingModule } from '@nestjs/testing';
import type { Channel, OutboundMessage } from '@verity/channel-sdk';
import { ConfiguredChannels, Outbox } from '@verity/delivery';
import { connectAsApp, createTenant } from '@verity/testing';
import type { Queue } from 'bullmq';
import { loadWorkerConfig } from '../config.js';
import { WorkerModule } from '../worker.module.js';

/** A provider taking 40 ms per message, recording which organisation each message was for, in order. */
class SlowChannel implements Channel {
  readonly kind = 'sms' as const;
  readonly provider = 'slow';
  readonly order: string[] = [];
  async send(message: OutboundMessage) {
    await new Promise((r) => setTimeout(r, 40));
    this.order.push(message.tenantId);
    return { providerMessageId: `slow-${this.order.length}` };
  }
}

describe('per-organisation fairness', () => {
  const config = loadWorkerConfig({
    ...process.env,
    WORKER_QUEUES: 'sms',
    WORKER_CONCURRENCY: '4',
    WORKER_TENANT_SHARE: '2',
    REDIS_PREFIX: `${process.env.REDIS_PREFIX ?? 'verity-test'}-fair`,
  });
  const channel = new SlowChannel();
  let moduleRef: TestingModule;
  let db: Awaited<ReturnType<typeof connectAsApp>>;

  beforeAll(async () => {
    db = await connectAsApp();
    moduleRef = await Test.createTestingModule({ imports: [WorkerModule.forRoot(config)] })
      .overrideProvider(ConfiguredChannels)
      .useValue({ channelFor: () => channel })
      .setLogger(false as never)
      .compile();
  });
  afterAll(async () => {
    await moduleRef.close();
    await db.close();
  });

  it('serves a small organisation while a large one floods the queue', async () => {
    const flood = (await createTenant(db.tenancy, db.cipher, 'flood')).id;
    const small = (await createTenant(db.tenancy, db.cipher, 'small')).id;
    const outbox = new Outbox(db.cipher, (name) => moduleRef.get<Queue>(getQueueToken(name)));
    const queueUp = async (tenantId: string, count: number) => {
      for (let i = 0; i < count; i += 1) {
        const { delivery } = await db.tenancy.run(tenantId, (scope) =>
          outbox.create(scope, {
            to: `+4477009${String(i).padStart(5, '0')}`,
            content: { kind: 'sms', body: 'code' },
            idempotencyKey: `fair-${i}`,
          }),
        );
        await outbox.dispatch(delivery, 'fair');
      }
    };
    await queueUp(flood, 60);
    await queueUp(small, 5);
    await moduleRef.init();
    for (let i = 0; i < 200 && channel.order.length < 65; i += 1) await new Promise((r) => setTimeout(r, 50));
    expect(channel.order).toHaveLength(65);
    const lastSmall = channel.order.lastIndexOf(small);
    // first come, first served would put the small organisation's 5 messages last (positions 60–64)
    expect(lastSmall).toBeLessThan(30);
  });
});
