import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { jobsFinished } from './metrics.js';

/** A processor whose finished jobs are counted in the worker's metrics, by queue and outcome. */
export abstract class InstrumentedProcessor extends WorkerHost {
  @OnWorkerEvent('completed')
  onCompleted(job: Job): void {
    jobsFinished.inc({ queue: job.queueName, outcome: 'completed' });
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined): void {
    jobsFinished.inc({ queue: job?.queueName ?? 'unknown', outcome: 'failed' });
  }
}
