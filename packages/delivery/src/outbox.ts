import type { Content } from '@verity/channel-sdk';
import { randomUUID } from 'node:crypto';
import { type Delivery, type NewDelivery, type TenantScope, deliveries } from '@verity/db';
import { envelope, queueConfig } from '@verity/queues';
import type { TenantCipher } from '@verity/secrets';
import type { Queue } from 'bullmq';
import { BACKOFF } from './queues.js';

export interface NewMessage {
  /** Chosen by the caller when the content must name the delivery (a call's instructions URL). */
  id?: string;
  to: string;
  content: Content;
  /** Stable for one message: a retry of the caller makes no second delivery. */
  idempotencyKey: string;
  challengeId?: string | null;
  targetId?: string | null;
}

export const recipientContext = (key: string) => `delivery:${key}:recipient`;
export const contentContext = (key: string) => `delivery:${key}:content`;

/**
 * Fixes a message's content when it is created (encrypted, in Postgres, inside the caller's transaction)
 * and hands the queue only its id once that transaction has committed.
 */
export class Outbox {
  constructor(
    private readonly cipher: TenantCipher,
    private readonly queues: (name: string) => Queue,
  ) {}

  async create(scope: TenantScope, message: NewMessage): Promise<{ delivery: Delivery; created: boolean }> {
    return deliveries.create(scope, await this.seal(scope.tenantId, message));
  }

  /** The delivery row of a message, its recipient and content encrypted, for a caller that inserts it itself. */
  async seal(tenantId: string, message: NewMessage): Promise<NewDelivery & { id: string }> {
    const key = message.idempotencyKey;
    return {
      id: message.id ?? randomUUID(),
      channel: message.content.kind,
      idempotencyKey: key,
      recipientEnc: await this.cipher.encrypt(tenantId, recipientContext(key), message.to),
      contentEnc: await this.cipher.encrypt(tenantId, contentContext(key), JSON.stringify(message.content)),
      challengeId: message.challengeId ?? null,
      targetId: message.targetId ?? null,
    };
  }

  /** Enqueues the delivery; the job id is the delivery id, so enqueuing twice queues it once. */
  async dispatch(
    delivery: Pick<Delivery, 'id' | 'tenantId' | 'channel'>,
    correlationId: string,
  ): Promise<void> {
    // each channel kind has its own queue, named after it
    const name = delivery.channel;
    const { attempts, keepCompleted, keepFailed } = queueConfig[name];
    await this.queues(name).add(
      'deliver',
      envelope(delivery.tenantId, correlationId, { deliveryId: delivery.id }),
      {
        jobId: delivery.id,
        attempts,
        backoff: { type: BACKOFF },
        removeOnComplete: keepCompleted,
        removeOnFail: keepFailed,
      },
    );
  }
}
