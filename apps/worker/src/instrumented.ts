import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { type LogContext, withLogContext } from '@verity/logging';
import type { Job } from 'bullmq';
import { jobsFinished } from './metrics.js';

/** The organisation and correlation id a job's envelope names, for its log lines (a scheduler's job has no organisation). */
export function jobLogContext(data: unknown): LogContext {
  const { tenantId, correlationId } = (typeof data === 'object' && data !== null ? data : {}) as Record<
    string,
    unknown
  >;
  return {
    ...(typeof correlationId === 'string' ? { correlationId } : {}),
    ...(typeof tenantId === 'string' ? { tenantId } : {}),
  };
}

/**
 * A processor whose jobs run in their log context (every line written while a job runs carries its organisation
 * and correlation id) and whose finished jobs are counted in the worker's metrics, by queue and outcome.
 */
export abstract class InstrumentedProcessor extends WorkerHost {
  process(job: Job, token?: string): Promise<unknown> {
    return withLogContext(jobLogContext(job.data), () => this.handle(job, token));
  }

  /** Runs one job: what `process` is in a plain WorkerHost. */
  protected abstract handle(job: Job, token?: string): Promise<unknown>;

  @OnWorkerEvent('completed')
  onCompleted(job: Job): void {
    jobsFinished.inc({ queue: job.queueName, outcome: 'completed' });
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined): void {
    jobsFinished.inc({ queue: job?.queueName ?? 'unknown', outcome: 'failed' });
  }
}
