import { randomBytes, randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { Challenge, Flow, RememberedDevice, Session, accounts } from '@verity/db';
import { HOUSEKEEPING, envelope } from '@verity/queues';
import { connectAsApp, createTenant } from '@verity/testing';
import { type Job, type Queue, QueueEvents } from 'bullmq';
import { loadWorkerConfig } from '../config.js';
import { WorkerModule } from '../worker.module.js';
import { KEEP_EXPIRED_MINUTES, PURGE_EXPIRED, SCHEDULE_PURGE } from './housekeeping.processor.js';

const DAY = 24 * 60 * 60 * 1000;

describe('housekeeping worker', () => {
  let db: Awaited<ReturnType<typeof connectAsApp>>;
  let worker: INestApplicationContext;
  let queue: Queue;
  let events: QueueEvents;
  const config = loadWorkerConfig({ ...process.env, WORKER_QUEUES: 'housekeeping' });

  async function seed(tenantId: string) {
    return db.tenancy.run(tenantId, async (scope) => {
      const account = await accounts.create(scope, {
        username: `u${Math.random()}@x.nhs.uk`,
        displayName: 'U',
      });
      const make = (expiresAt: Date) =>
        scope.manager.getRepository(Challenge).save({
          tenantId,
          accountId: account.id,
          methodType: 'mobile_text',
          purpose: 'sign_in' as const,
          expiresAt,
        });
      const old = await make(new Date(Date.now() - 3 * DAY));
      const fresh = await make(new Date(Date.now() + 60_000));
      const oldFlow = await scope.manager.getRepository(Flow).save({
        tenantId,
        kind: 'sign_in' as const,
        state: 'password',
        expiresAt: new Date(Date.now() - 3 * DAY),
      });
      const session = (lastSeenAt: Date, expiresAt: Date, revokedAt: Date | null = null) =>
        scope.manager.getRepository(Session).save({
          tenantId,
          accountId: account.id,
          flowId: randomUUID(),
          tokenHash: randomBytes(32),
          acr: 'aal2',
          amr: ['pwd', 'otp', 'mfa'],
          elevated: false,
          idleSeconds: 1800,
          authenticatedAt: lastSeenAt,
          lastSeenAt,
          expiresAt,
          revokedAt,
        });
      const live = await session(new Date(), new Date(Date.now() + DAY));
      await session(new Date(Date.now() - 2 * DAY), new Date(Date.now() + DAY)); // idle for two days
      await session(new Date(), new Date(Date.now() + DAY), new Date(Date.now() - 2 * DAY)); // revoked
      const device = (expiresAt: Date) =>
        scope.manager.getRepository(RememberedDevice).save({
          tenantId,
          accountId: account.id,
          tokenHash: randomBytes(32),
          expiresAt,
        });
      await device(new Date(Date.now() - 2 * DAY));
      const remembered = await device(new Date(Date.now() + DAY));
      return {
        old: old.id,
        fresh: fresh.id,
        oldFlow: oldFlow.id,
        session: live.id,
        remembered: remembered.id,
      };
    });
  }

  const remaining = (tenantId: string) =>
    db.tenancy.run(tenantId, async (scope) => ({
      challenges: (await scope.manager.getRepository(Challenge).find()).map((c) => c.id),
      flows: (await scope.manager.getRepository(Flow).find()).map((f) => f.id),
      sessions: (await scope.manager.getRepository(Session).find()).map((s) => s.id),
      remembered: (await scope.manager.getRepository(RememberedDevice).find()).map((d) => d.id),
    }));

  beforeAll(async () => {
    db = await connectAsApp();
    worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { logger: false });
    await worker.init();
    queue = worker.get<Queue>(getQueueToken(HOUSEKEEPING));
    events = new QueueEvents(HOUSEKEEPING, {
      connection: { url: config.REDIS_URL },
      prefix: config.REDIS_PREFIX,
    });
    await events.waitUntilReady();
    // the scheduler's first run starts at boot; let it finish, so it cannot purge this test's rows first
    for (let i = 0; i < 200; i++) {
      const counts = await queue.getJobCounts('completed', 'waiting', 'active', 'prioritized');
      if (counts.completed! > 0 && counts.waiting! + counts.active! + counts.prioritized! === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  afterAll(async () => {
    await events.close();
    await worker.close();
    await db.close();
  });

  it("purges one organisation's expired rows and leaves fresh rows and other organisations alone", async () => {
    const a = (await createTenant(db.tenancy, db.cipher, 'hk-a')).id;
    const b = (await createTenant(db.tenancy, db.cipher, 'hk-b')).id;
    const rowsA = await seed(a);
    const rowsB = await seed(b);
    const job = await queue.add(
      PURGE_EXPIRED,
      envelope(a, 'test', { olderThanMinutes: KEEP_EXPIRED_MINUTES }),
    );
    expect(await job.waitUntilFinished(events, 10_000)).toEqual({
      challenges: 1,
      flows: 1,
      sessions: 2,
      rememberedDevices: 1,
    });
    expect(await remaining(a)).toEqual({
      challenges: [rowsA.fresh],
      flows: [],
      sessions: [rowsA.session],
      remembered: [rowsA.remembered],
    });
    const untouched = await remaining(b);
    expect(untouched.challenges.sort()).toEqual([rowsB.old, rowsB.fresh].sort());
    expect(untouched.flows).toEqual([rowsB.oldFlow]);
    expect(untouched.sessions).toHaveLength(3);
    expect(untouched.remembered).toHaveLength(2);
  });

  it('fans the schedule out to one job per organisation, once per window', async () => {
    const job = await queue.add(SCHEDULE_PURGE, { correlationId: 'test', version: 1 });
    const { organisations } = (await job.waitUntilFinished(events, 10_000)) as { organisations: number };
    expect(organisations).toBeGreaterThanOrEqual(2);
    const again = await queue.add(SCHEDULE_PURGE, { correlationId: 'test-2', version: 1 });
    await again.waitUntilFinished(events, 10_000);
    const purges = (await queue.getJobs(['completed', 'active', 'waiting', 'delayed'])).filter(
      (j: Job) => j.name === PURGE_EXPIRED && j.id?.startsWith('purge-'),
    );
    expect(new Set(purges.map((j) => j.id)).size).toBe(purges.length);
    expect(purges.length).toBe(organisations);
  });

  it('fails a malformed job for good instead of retrying it', async () => {
    const job = await queue.add(PURGE_EXPIRED, { tenantId: 'nope', data: {} }, { attempts: 5 });
    await expect(job.waitUntilFinished(events, 10_000)).rejects.toThrow(/malformed/);
    const failed = await queue.getJob(job.id!);
    expect(failed?.attemptsMade).toBe(1);
  });

  it('keeps no phone number, email or code in Redis job payloads', async () => {
    const jobs = await queue.getJobs(['completed', 'failed', 'waiting', 'active', 'delayed']);
    const payloads = JSON.stringify(jobs.map((j) => j.data));
    expect(payloads).not.toMatch(/\+44\d{9,10}|@[\w.-]+\.\w+|\b\d{6}\b/);
  });
});
