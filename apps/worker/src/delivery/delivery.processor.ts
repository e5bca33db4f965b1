import { Injectable, Logger } from '@nestjs/common';
import type { ChannelKind } from '@verity/channel-sdk';
import { DeliveryRunner, retryDelay } from '@verity/delivery';
import { type DeliveryJob, deliveryJob, queueConfig } from '@verity/queues';
import { DelayedError, type Job, UnrecoverableError, type WorkerOptions } from 'bullmq';
import { InstrumentedProcessor } from '../instrumented.js';
import { deliveriesFinished } from '../metrics.js';
import { Fairness } from './fairness.js';

/** Worker deaths a delivery job survives (BullMQ's default is 1: two deaths and it fails). */
export const MAX_STALLED = 5;

/** The delivery queues' own worker options; the deployment's settings are added in WorkerModule. */
export function deliveryOptions(queue: ChannelKind): Partial<WorkerOptions> {
  return {
    // A job runs again each time its worker dies holding it, up to this many times; then BullMQ fails it
    // and the housekeeping sweep (StuckDeliveries) dispatches its delivery again.
    maxStalledCount: MAX_STALLED,
    settings: {
      backoffStrategy: (attemptsMade: number, _type?: string, error?: Error) =>
        retryDelay(attemptsMade, error, queueConfig[queue].backoffMs),
    },
  };
}

/**
 * Sends one delivery per job through the channel of its queue's kind; the job carries only the delivery's id.
 * One class serves every delivery queue: WorkerModule registers it once per queue served (`registry.ts`), and
 * each instance learns its queue from the jobs its worker hands it.
 */
@Injectable()
export class DeliveryProcessor extends InstrumentedProcessor {
  private readonly logger = new Logger('delivery');

  constructor(
    private readonly runner: DeliveryRunner,
    private readonly fairness: Fairness,
  ) {
    super();
  }

  protected async handle(job: Job, token?: string): Promise<unknown> {
    const parsed = deliveryJob.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`job ${job.id} is malformed`);
    // each channel kind has its own queue, named after it
    const queue = job.queueName as ChannelKind;
    const { tenantId } = parsed.data;
    if (!(await this.fairness.take(queue, tenantId))) {
      // this organisation already has its share in flight: step aside briefly for the others
      await job.moveToDelayed(Date.now() + 100 + Math.floor(Math.random() * 150), token);
      throw new DelayedError();
    }
    try {
      return await this.deliver(job, queue, parsed.data);
    } finally {
      await this.fairness.give(queue, tenantId);
    }
  }

  private async deliver(job: Job, queue: ChannelKind, parsed: DeliveryJob): Promise<unknown> {
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const result = await this.runner.attempt(parsed, queue, lastAttempt);
    deliveriesFinished.inc({
      queue,
      outcome: result.outcome === 'failed' ? (result.retry ? 'retry' : 'failed') : result.outcome,
    });
    if (result.outcome !== 'failed') return result;
    this.logger.warn(
      `delivery ${parsed.data.deliveryId} of ${parsed.tenantId}: ${result.code}${result.retry ? ', will retry' : ''}`,
    );
    if (!result.retry) throw new UnrecoverableError(result.code);
    throw result.error;
  }
}
