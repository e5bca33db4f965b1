import type { ChannelKind } from '@verity/channel-sdk';
import { QueueName } from '@verity/queues';

/** Each channel kind has its own queue, so an operator scales SMS senders apart from push senders. */
export const queueOf: Record<ChannelKind, QueueName> = {
  push: QueueName.Push,
  sms: QueueName.Sms,
  voice: QueueName.Voice,
  email: QueueName.Email,
};

export const kindOf: Partial<Record<QueueName, ChannelKind>> = {
  [QueueName.Push]: 'push',
  [QueueName.Sms]: 'sms',
  [QueueName.Voice]: 'voice',
  [QueueName.Email]: 'email',
};

/** The name of BullMQ's custom backoff that honours a provider's Retry-After. */
export const BACKOFF = 'verity';
