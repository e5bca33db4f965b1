import type { Type } from '@nestjs/common';
import type { WorkerHost } from '@nestjs/bullmq';
import { QueueName } from '@verity/queues';
import {
  EmailDeliveryProcessor,
  PushDeliveryProcessor,
  SmsDeliveryProcessor,
  VoiceDeliveryProcessor,
} from './delivery/delivery.processor.js';
import { HousekeepingProcessor } from './housekeeping/housekeeping.processor.js';

export interface ProcessorEntry {
  queue: QueueName;
  processor: Type<WorkerHost>;
}

/** Which processor serves which queue. A new queue's processor is one line here. */
export const processors: ProcessorEntry[] = [
  { queue: QueueName.Housekeeping, processor: HousekeepingProcessor },
  { queue: QueueName.Push, processor: PushDeliveryProcessor },
  { queue: QueueName.Sms, processor: SmsDeliveryProcessor },
  { queue: QueueName.Voice, processor: VoiceDeliveryProcessor },
  { queue: QueueName.Email, processor: EmailDeliveryProcessor },
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
