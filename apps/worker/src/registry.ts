import type { Type } from '@nestjs/common';
import type { WorkerHost } from '@nestjs/bullmq';
import { channelKinds } from '@verity/channel-sdk';
import { HOUSEKEEPING, type QueueName } from '@verity/queues';
import type { WorkerOptions } from 'bullmq';
import { DeliveryProcessor, deliveryOptions } from './delivery/delivery.processor.js';
import { HousekeepingProcessor } from './housekeeping/housekeeping.processor.js';

export interface ProcessorEntry {
  queue: QueueName;
  processor: Type<WorkerHost>;
  /** BullMQ worker options of this queue's own, besides the deployment's (concurrency, lock, rate limit). */
  options?: Partial<WorkerOptions>;
}

/** Which processor serves which queue. A new queue's processor is one entry here. */
export const processors: ProcessorEntry[] = [
  { queue: HOUSEKEEPING, processor: HousekeepingProcessor },
  // one delivery queue per channel kind, all served by the same class
  ...channelKinds.map((queue) => ({
    queue,
    processor: DeliveryProcessor,
    options: deliveryOptions(queue),
  })),
];

/** Boot refuses a queue served by no processor, or by two. */
export function processorsFor(
  queues: QueueName[],
  registry: ProcessorEntry[] = processors,
): ProcessorEntry[] {
  const problems: string[] = [];
  const chosen: ProcessorEntry[] = [];
  for (const queue of queues) {
    const found = registry.filter((entry) => entry.queue === queue);
    if (found.length === 0) problems.push(`queue "${queue}" has no processor`);
    if (found.length > 1) problems.push(`queue "${queue}" has ${found.length} processors`);
    if (found.length === 1) chosen.push(found[0]!);
  }
  if (problems.length > 0) throw new Error(`Worker cannot start: ${problems.join('; ')}`);
  return chosen;
}
