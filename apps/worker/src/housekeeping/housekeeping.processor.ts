import { randomUUID } from 'node:crypto';
import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { type Purged, Tenancy, housekeeping, tenants } from '@verity/db';
import { HOUSEKEEPING, envelope, purgeExpiredJob, queueConfig, scheduleJob } from '@verity/queues';
import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import { StuckDeliveries } from '../delivery/stuck.js';
import { InstrumentedProcessor } from '../instrumented.js';

export const SCHEDULE_PURGE = 'schedule-purge';
export const PURGE_EXPIRED = 'purge-expired';
export const SWEEP_STUCK = 'sweep-stuck-deliveries';
/** Expired challenges and flows are kept this long for support questions, then deleted. */
export const KEEP_EXPIRED_MINUTES = 24 * 60;

/**
 * Deletes each organisation's expired challenges and flows, one job per organisation; and sweeps up
 * deliveries that no job will run any more (`StuckDeliveries`).
 */
@Processor(HOUSEKEEPING)
export class HousekeepingProcessor extends InstrumentedProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(HousekeepingProcessor.name);
  private sweeping = false;

  constructor(
    private readonly tenancy: Tenancy,
    @InjectQueue(HOUSEKEEPING) private readonly queue: Queue,
    private readonly stuck: StuckDeliveries,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(
      SCHEDULE_PURGE,
      { every: 15 * 60 * 1000 },
      { name: SCHEDULE_PURGE, data: { correlationId: 'scheduler', version: 1 } },
    );
    await this.queue.upsertJobScheduler(
      SWEEP_STUCK,
      { every: this.stuck.stuckAfterMs },
      {
        name: SWEEP_STUCK,
        data: { correlationId: 'scheduler', version: 1 },
        opts: { removeOnComplete: 10, removeOnFail: 100 },
      },
    );
  }

  protected async handle(job: Job): Promise<unknown> {
    switch (job.name) {
      case SCHEDULE_PURGE:
        return this.fanOut(job);
      case PURGE_EXPIRED:
        return this.purge(job);
      case SWEEP_STUCK:
        return this.sweep();
      default:
        throw new UnrecoverableError(`unknown job "${job.name}"`);
    }
  }

  private async fanOut(job: Job): Promise<{ organisations: number }> {
    const { correlationId } = parse(scheduleJob, job);
    const all = await this.tenancy.asOperator((scope) => tenants.list(scope));
    const window = Math.floor(Date.now() / (15 * 60 * 1000));
    const { attempts, backoffMs, keepCompleted, keepFailed } = queueConfig[HOUSEKEEPING];
    await this.queue.addBulk(
      all
        .filter((t) => t.status === 'active')
        .map((t) => ({
          name: PURGE_EXPIRED,
          data: envelope(t.id, correlationId === 'scheduler' ? randomUUID() : correlationId, {
            olderThanMinutes: KEEP_EXPIRED_MINUTES,
          }),
          // one purge per organisation per window, however often the scheduler fires
          opts: {
            jobId: `purge-${t.id}-${window}`,
            attempts,
            backoff: { type: 'exponential', delay: backoffMs },
            removeOnComplete: keepCompleted,
            removeOnFail: keepFailed,
          },
        })),
    );
    return { organisations: all.length };
  }

  private async sweep(): Promise<{ organisations: number; redispatched: number; failed: number }> {
    const total = { organisations: 0, redispatched: 0, failed: 0 };
    if (this.sweeping) return total; // the last one has not finished: one at a time is enough
    this.sweeping = true;
    try {
      const all = await this.tenancy.asOperator((scope) => tenants.list(scope));
      total.organisations = all.length;
      for (const tenant of all) {
        const { redispatched, failed } = await this.stuck.sweep(tenant.id);
        total.redispatched += redispatched;
        total.failed += failed;
      }
      return total;
    } finally {
      this.sweeping = false;
    }
  }

  private async purge(job: Job): Promise<Purged> {
    const { tenantId, data } = parse(purgeExpiredJob, job);
    const before = new Date(Date.now() - data.olderThanMinutes * 60_000);
    const removed = await this.tenancy.run(tenantId, (scope) => housekeeping.purgeExpired(scope, before));
    this.logger.log(
      `organisation ${tenantId}: removed ${removed.challenges} challenges, ${removed.flows} flows, ${removed.sessions} sessions, ${removed.rememberedDevices} remembered devices`,
    );
    return removed;
  }
}

/** A malformed job will never succeed: fail it for good instead of retrying. */
function parse<T>(
  schema: {
    safeParse(v: unknown): { success: true; data: T } | { success: false; error: { message: string } };
  },
  job: Job,
): T {
  const result = schema.safeParse(job.data);
  if (!result.success)
    throw new UnrecoverableError(`job ${job.id} (${job.name}) is malformed: ${result.error.message}`);
  return result.data;
}
