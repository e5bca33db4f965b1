import { Logger } from '@nestjs/common';
import { type Delivery, type Tenancy, deliveries } from '@verity/db';
import type { Outbox } from '@verity/delivery';
import { queueConfig } from '@verity/queues';
import type { Queue } from 'bullmq';
import { stuckDeliveries } from '../metrics.js';

/**
 * Job states in which BullMQ will still run the job, or has run it (a completed job has settled its row, however
 * recently: the row read before may be older). Only a failed or missing job leaves its row waiting for nothing.
 */
const HANDLED = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed']);
/** Rows looked at per organisation and sweep; the rest wait for the next sweep. */
const BATCH = 500;

export interface SweepResult {
  redispatched: number;
  failed: number;
}

/**
 * Finds deliveries left `queued` or `sending` with no job that will ever run them — a job BullMQ failed
 * after its worker died holding it too often, or a dispatch lost between the API's commit and Redis — and
 * dispatches them again, or fails them for good once they have used up their queue's attempts. A text
 * dispatched again may reach the person twice: always the same content, as after any crash.
 */
export class StuckDeliveries {
  private readonly logger = new Logger('stuck-deliveries');

  constructor(
    private readonly tenancy: Tenancy,
    private readonly outbox: Outbox,
    private readonly queue: (name: string) => Queue,
    /** A row unchanged this long with no live job is stuck. */
    readonly stuckAfterMs: number,
  ) {}

  async sweep(tenantId: string): Promise<SweepResult> {
    const before = new Date(Date.now() - this.stuckAfterMs);
    const rows = await this.tenancy.run(tenantId, (scope) => deliveries.stuck(scope, before, BATCH));
    const result: SweepResult = { redispatched: 0, failed: 0 };
    for (const row of rows) {
      const queue = this.queue(row.channel);
      const state = await queue.getJobState(row.id);
      if (HANDLED.has(state)) continue;
      const taken = await this.tenancy.run(tenantId, (scope) => deliveries.takeStuck(scope, row.id, before));
      if (!taken) continue;
      if (row.attempts >= queueConfig[row.channel].attempts) {
        await this.tenancy.run(tenantId, (scope) => deliveries.markFailed(scope, row.id, 'stalled'));
        this.count(row, 'failed', state, result);
        continue;
      }
      // a failed job keeps its id, and a job id is dispatched only once
      if (state !== 'unknown') await queue.remove(row.id);
      await this.outbox.dispatch(row, `sweep-${row.id}`);
      this.count(row, 'redispatched', state, result);
    }
    return result;
  }

  private count(
    row: Pick<Delivery, 'id' | 'tenantId' | 'channel' | 'status' | 'attempts'>,
    action: 'redispatched' | 'failed',
    jobState: string,
    result: SweepResult,
  ): void {
    result[action] += 1;
    stuckDeliveries.inc({ queue: row.channel, action });
    this.logger.warn(
      `delivery ${row.id} of ${row.tenantId} was stuck ${row.status} after ${row.attempts} attempts, its job ${jobState}: ${action === 'failed' ? 'failed as stalled' : 'dispatched again'}`,
    );
  }
}
