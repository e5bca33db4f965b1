import { Test, type TestingModule } from '@nestjs/testing';
import type { Channel, OutboundMessage } from '@verity/channel-sdk';
import { ConfiguredChannels, Outbox } from '@verity/delivery';
import { connectAsApp, createTenant } from '@verity/testing';
import { Queue } from 'bullmq';
import { loadWorkerConfig } from '../config.js';
import { WorkerModule } from '../worker.module.js';

const PER_SECOND = 50;
const SECONDS = 3;

class RecordingChannel implements Channel {
  readonly kind = 'sms';
  readonly provider = 'recording';
  sentAt: number[] = [];
  async send(_message: OutboundMessage) {
    this.sentAt.push(Date.now());
    return { providerMessageId: `recorded-${this.sentAt.length}` };
  }
}

describe('WORKER_RATE_LIMITS', () => {
  const config = loadWorkerConfig({
    ...process.env,
    REDIS_PREFIX: `${process.env.REDIS_PREFIX ?? 'verity-test'}-rate`,
    WORKER_QUEUES: 'sms',
    WORKER_RATE_LIMITS: `sms=${PER_SECOND}/1s`,
  });
  const channel = new RecordingChannel();
  let db: Awaited<ReturnType<typeof connectAsApp>>;
  let queue: Queue;
  let moduleRef: TestingModule | undefined;

  beforeAll(async () => {
    db = await connectAsApp();
    queue = new Queue('sms', { connection: { url: config.REDIS_URL }, prefix: config.REDIS_PREFIX });
  });
  afterAll(async () => {
    await moduleRef?.close();
    await queue.obliterate({ force: true });
    await queue.close();
    await db.close();
  });

  // Only the bound is tested here (a loaded machine can make sends slower, never faster); how closely the
  // limit is held is measured by the benchmark, not by a timed test.
  it(`never sends faster than ${PER_SECOND} a second`, async () => {
    const tenantId = (await createTenant(db.tenancy, db.cipher, 'rate')).id;
    const outbox = new Outbox(db.cipher, () => queue);
    // a backlog larger than the window, queued before the worker starts
    for (let n = 0; n < PER_SECOND * (SECONDS + 1); n++) {
      const { delivery } = await db.tenancy.run(tenantId, (scope) =>
        outbox.create(scope, {
          to: `+4477009${String(n).padStart(5, '0')}`,
          content: { kind: 'sms', body: 'Your Verity code is 123456' },
          idempotencyKey: `rate-${n}`,
        }),
      );
      await outbox.dispatch(delivery, `rate-${n}`);
    }

    moduleRef = await Test.createTestingModule({ imports: [WorkerModule.forRoot(config)] })
      .overrideProvider(ConfiguredChannels)
      .useValue({ channelFor: () => channel })
      .setLogger(false as never)
      .compile();
    await moduleRef.init();
    // The limit starts PER_SECOND jobs a second (in short slices, see even-limiter.ts): the send after the
    // first PER_SECOND * SECONDS cannot come before about SECONDS seconds after the first, and a margin of
    // a second is left for a first send that came late in its slice (unlimited: milliseconds)
    const deadline = Date.now() + (SECONDS + 10) * 1000;
    while (channel.sentAt.length <= PER_SECOND * SECONDS && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    expect(channel.sentAt.length).toBeGreaterThan(PER_SECOND * SECONDS);
    const elapsed = channel.sentAt[PER_SECOND * SECONDS]! - channel.sentAt[0]!;
    expect(elapsed).toBeGreaterThanOrEqual((SECONDS - 1) * 1000);
  }, 40_000);
});
