/**
 * Every BullMQ queue. The values are stored in Redis and in running deployments' WORKER_QUEUES:
 * never rename one; add a new name instead.
 */
export enum QueueName {
  Housekeeping = 'housekeeping',
  Push = 'push',
  Sms = 'sms',
  Voice = 'voice',
  Email = 'email',
}

export interface QueueConfig {
  /** Attempts before a job is failed for good. */
  attempts: number;
  /** First retry delay; later ones grow exponentially. */
  backoffMs: number;
  /** Finished jobs kept for the dashboard, per state. */
  keepCompleted: number;
  keepFailed: number;
}

/** One entry per queue, so adding a queue without deciding its settings does not compile. */
export const queueConfig: Record<QueueName, QueueConfig> = {
  [QueueName.Housekeeping]: { attempts: 3, backoffMs: 5_000, keepCompleted: 100, keepFailed: 1_000 },
  // a push or a call is useless once its challenge has expired (minutes), so they give up sooner
  [QueueName.Push]: { attempts: 5, backoffMs: 500, keepCompleted: 1_000, keepFailed: 10_000 },
  [QueueName.Sms]: { attempts: 6, backoffMs: 1_000, keepCompleted: 1_000, keepFailed: 10_000 },
  [QueueName.Voice]: { attempts: 4, backoffMs: 2_000, keepCompleted: 1_000, keepFailed: 10_000 },
  [QueueName.Email]: { attempts: 8, backoffMs: 2_000, keepCompleted: 1_000, keepFailed: 10_000 },
};

export const allQueues = Object.values(QueueName);

/** Parses WORKER_QUEUES ("sms,voice"; empty means all), refusing names that are not queues. */
export function parseQueueList(value: string): QueueName[] {
  const names = value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  if (names.length === 0) return [...allQueues];
  const unknown = names.filter((n) => !allQueues.includes(n as QueueName));
  if (unknown.length > 0) {
    throw new Error(
      `WORKER_QUEUES names unknown queues: ${unknown.join(', ')} (known: ${allQueues.join(', ')})`,
    );
  }
  return [...new Set(names)] as QueueName[];
}
