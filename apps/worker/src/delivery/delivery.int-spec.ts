import { Writable } from 'node:stream';
import { getQueueToken } from '@nestjs/bullmq';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  type Channel,
  ChannelError,
  type ChannelKind,
  ChannelRegistry,
  type OutboundMessage,
} from '@verity/channel-sdk';
import { sandbox } from '@verity/channel-sandbox';
import { AuthenticatorDevice, Tenancy, accounts, deliveries } from '@verity/db';
import { ConfiguredChannels, Outbox } from '@verity/delivery';
import { NestPinoLogger, createLogger } from '@verity/logging';
import type { QueueName } from '@verity/queues';
import { connectAsApp, createTenant } from '@verity/testing';
import { type Queue, QueueEvents } from 'bullmq';
import { loadWorkerConfig } from '../config.js';
import { WorkerModule } from '../worker.module.js';

/** A provider stand-in whose answers each test scripts; it records when each attempt came. */
class ScriptedChannel implements Channel {
  readonly provider = 'scripted';
  attempts: { at: number; message: OutboundMessage }[] = [];
  script: (ChannelError | null)[] = [];
  constructor(readonly kind: ChannelKind) {}
  async send(message: OutboundMessage) {
    this.attempts.push({ at: Date.now(), message });
    const next = this.script.shift();
    if (next) throw next;
    return { providerMessageId: `scripted-${this.attempts.length}` };
  }
}

describe('delivery worker', () => {
  // its own prefix: other test files run workers too, which must not take these jobs
  const config = loadWorkerConfig({
    ...process.env,
    REDIS_PREFIX: `${process.env.REDIS_PREFIX ?? 'verity-test'}-delivery`,
  });
  let moduleRef: TestingModule;
  let db: Awaited<ReturnType<typeof connectAsApp>>;
  let tenantId: string;
  let outbox: Outbox;
  let events: Map<string, QueueEvents>;
  const push = new ScriptedChannel('push');
  const real = new ConfiguredChannels(new ChannelRegistry([sandbox]), {});
  const resolver = {
    channelFor: (t: string, kind: ChannelKind) => (kind === 'push' ? push : real.channelFor(t, kind)),
  };
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of String(chunk).trim().split('\n'))
        logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });

  beforeAll(async () => {
    db = await connectAsApp();
    tenantId = (await createTenant(db.tenancy, db.cipher, 'deliver')).id;
    moduleRef = await Test.createTestingModule({ imports: [WorkerModule.forRoot(config)] })
      .overrideProvider(ConfiguredChannels)
      .useValue(resolver)
      .setLogger(
        new NestPinoLogger(
          createLogger({ LOG_LEVEL: 'warn', NODE_ENV: 'production' }, { destination: sink }),
        ),
      )
      .compile();
    await moduleRef.init();
    outbox = new Outbox(db.cipher, (name) => moduleRef.get<Queue>(getQueueToken(name)));
    events = new Map(
      ['push', 'sms'].map((q) => [
        q,
        new QueueEvents(q, { connection: { url: config.REDIS_URL }, prefix: config.REDIS_PREFIX }),
      ]),
    );
    await Promise.all([...events.values()].map((e) => e.waitUntilReady()));
  });
  afterAll(async () => {
    await Promise.all([...events.values()].map((e) => e.close()));
    await moduleRef.close();
    await db.close();
  });
  beforeEach(() => {
    push.attempts = [];
    push.script = [];
  });

  async function send(kind: 'sms' | 'push', key: string, targetId: string | null = null) {
    const content =
      kind === 'sms'
        ? ({ kind: 'sms', body: 'Your Verity code is 493021' } as const)
        : ({ kind: 'push', data: { challengeId: 'c-1' }, ttlSeconds: 120 } as const);
    const { delivery } = await db.tenancy.run(tenantId, (scope) =>
      outbox.create(scope, {
        to: kind === 'sms' ? '+447700900123' : 'device-token-1',
        content,
        idempotencyKey: key,
        targetId,
      }),
    );
    await outbox.dispatch(delivery, `test-${key}`);
    return delivery;
  }

  const finished = async (queue: QueueName, id: string) => {
    const job = await moduleRef.get<Queue>(getQueueToken(queue)).getJob(id);
    return job!.waitUntilFinished(events.get(queue)!, 20_000).catch((e: unknown) => e);
  };
  const row = (id: string) => db.tenancy.run(tenantId, (scope) => deliveries.findById(scope, id));

  it('sends through the sandbox, records the provider id, and keeps the content out of Redis', async () => {
    const delivery = await send('sms', `sandbox-${Date.now()}`);
    await finished('sms', delivery.id);
    expect(await row(delivery.id)).toMatchObject({
      status: 'sent',
      provider: 'sandbox',
      providerMessageId: `sandbox-${delivery.id}`,
      attempts: 1,
    });
    const job = await moduleRef.get<Queue>(getQueueToken('sms')).getJob(delivery.id);
    const payload = JSON.stringify(job?.data);
    expect(payload).not.toContain('493021');
    expect(payload).not.toContain('7700900123');
    expect(job?.data).toEqual({
      tenantId,
      correlationId: expect.any(String),
      version: 1,
      data: { deliveryId: delivery.id },
    });
  });

  it('makes one delivery and one send for the same message created and dispatched twice', async () => {
    const key = `twice-${Date.now()}`;
    const first = await send('push', key);
    const second = await send('push', key);
    expect(second.id).toBe(first.id);
    await finished('push', first.id);
    await outbox.dispatch(first, 'again');
    await new Promise((r) => setTimeout(r, 300));
    expect(push.attempts).toHaveLength(1);
  });

  it('retries 503 three times with growing waits, then delivers once', async () => {
    push.script = [1, 2, 3].map(() => new ChannelError('unavailable', 'down'));
    const delivery = await send('push', `flaky-${Date.now()}`);
    await finished('push', delivery.id);
    expect(push.attempts).toHaveLength(4);
    const waits = push.attempts.slice(1).map((a, i) => a.at - push.attempts[i]!.at);
    expect(waits[0]).toBeGreaterThanOrEqual(240);
    // lower bounds only (a loaded machine makes waits longer, never shorter): 250 ms, then 1 s floors
    expect(waits[2]!).toBeGreaterThanOrEqual(990);
    expect(await row(delivery.id)).toMatchObject({
      status: 'sent',
      attempts: 4,
      providerMessageId: 'scripted-4',
    });
    expect(new Set(push.attempts.map((a) => JSON.stringify(a.message.content))).size).toBe(1);
  });

  it('waits as long as a 429 Retry-After asks', async () => {
    push.script = [new ChannelError('rate_limited', 'slow down', { retryAfterMs: 1500 })];
    const delivery = await send('push', `limited-${Date.now()}`);
    await finished('push', delivery.id);
    expect(push.attempts).toHaveLength(2);
    expect(push.attempts[1]!.at - push.attempts[0]!.at).toBeGreaterThanOrEqual(1450);
  });

  it('tries a permanent failure once, records it, and deactivates a device the push service no longer knows', async () => {
    const device = await db.tenancy.run(tenantId, async (scope) => {
      const account = await accounts.create(scope, {
        username: `dev${Date.now()}@x.nhs.uk`,
        displayName: 'D',
      });
      return scope.manager
        .getRepository(AuthenticatorDevice)
        .save({ tenantId, accountId: account.id, name: 'Phone', status: 'active' as const });
    });
    push.script = [new ChannelError('unregistered_device', 'gone')];
    const delivery = await send('push', `gone-${Date.now()}`, device.id);
    expect(await finished('push', delivery.id)).toBeInstanceOf(Error);
    expect(push.attempts).toHaveLength(1);
    expect(await row(delivery.id)).toMatchObject({
      status: 'failed',
      errorCode: 'unregistered_device',
      attempts: 1,
    });
    const after = await db.tenancy.run(tenantId, (scope) =>
      scope.manager.getRepository(AuthenticatorDevice).findOneBy({ id: device.id }),
    );
    expect(after?.status).toBe('inactive');
  });

  it("logs a job's lines with its organisation and correlation id", async () => {
    push.script = [new ChannelError('invalid_recipient', 'no such token')];
    const key = `logged-${Date.now()}`;
    const delivery = await send('push', key);
    expect(await finished('push', delivery.id)).toBeInstanceOf(Error);
    const line = logs.find((entry) => String(entry.msg).includes(delivery.id));
    expect(line).toMatchObject({ tenantId, correlationId: `test-${key}`, context: 'delivery' });
  });

  it("never sends another organisation's delivery", async () => {
    const other = (await createTenant(db.tenancy, db.cipher, 'other')).id;
    const delivery = await send('push', `cross-${Date.now()}`);
    await finished('push', delivery.id);
    const forged = await moduleRef.get<Queue>(getQueueToken('push')).add('deliver', {
      tenantId: other,
      correlationId: 'forged',
      version: 1,
      data: { deliveryId: delivery.id },
    });
    await forged.waitUntilFinished(events.get('push')!, 10_000);
    expect(push.attempts).toHaveLength(1);
    expect(moduleRef.get(Tenancy)).toBeDefined();
  });
});
