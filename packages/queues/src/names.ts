import { type ChannelKind, channelKinds } from '@verity/channel-sdk';

/** The queue of the service's own jobs: purges and the sweep of stuck deliveries. */
export const HOUSEKEEPING = 'housekeeping';

/**
 * Every BullMQ queue: housekeeping, and one delivery queue per channel kind, named after the kind
 * (`channelKinds` of @verity/channel-sdk, the one list of kinds). The names are stored in Redis and in running
 * deployments' WORKER_QUEUES: never rename one; add a new one instead.
 */
export type QueueName = typeof HOUSEKEEPING | ChannelKind;

export const allQueues: QueueName[] = [HOUSEKEEPING, ...channelKinds];

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
  [HOUSEKEEPING]: { attempts: 3, backoffMs: 5_000, keepCompleted: 100, keepFailed: 1_000 },
  // a push or a call is useless once its challenge has expired (minutes), so they give up sooner
  push: { attempts: 5, backoffMs: 500, keepCompleted: 1_000, keepFailed: 10_000 },
  sms: { attempts: 6, backoffMs: 1_000, keepCompleted: 1_000, keepFailed: 10_000 },
  voice: { attempts: 4, backoffMs: 2_000, keepCompleted: 1_000, keepFailed: 10_000 },
  email: { attempts: 8, backoffMs: 2_000, keepCompleted: 1_000, keepFailed: 10_000 },
};

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
