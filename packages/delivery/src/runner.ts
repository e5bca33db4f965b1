import { type Channel, ChannelError, type ChannelKind, type Content } from '@verity/channel-sdk';
import { DeliveryLedger, type Tenancy, deliveries, devices } from '@verity/db';
import type { DeliveryJob } from '@verity/queues';
import type { TenantCipher } from '@verity/secrets';
import { contentContext, recipientContext } from './outbox.js';
import type { StatusCallbacks } from './status-callbacks.js';

/** Which channel carries an organisation's messages of one kind. */
export interface ChannelResolver {
  channelFor(tenantId: string, kind: ChannelKind): Channel | Promise<Channel>;
}

export type Outcome =
  | { outcome: 'sent'; providerMessageId: string; attempt: number }
  | { outcome: 'already-done' }
  | { outcome: 'failed'; code: string; retry: boolean; error: ChannelError };

/**
 * One attempt at one delivery: claim it, decrypt it, send it, record the provider's id. A delivery already
 * sent (or failed for good) is never sent again, however often its job runs.
 */
export class DeliveryRunner {
  private readonly ledger: DeliveryLedger;

  constructor(
    private readonly tenancy: Tenancy,
    private readonly cipher: TenantCipher,
    private readonly channels: ChannelResolver,
    /** Without it no provider is asked for delivery receipts, and deliveries stay `sent`. */
    private readonly statusCallbacks?: StatusCallbacks,
  ) {
    this.ledger = new DeliveryLedger(tenancy);
  }

  async attempt(job: DeliveryJob, kind: ChannelKind, lastAttempt: boolean): Promise<Outcome> {
    const { tenantId, data } = job;
    let channel: Channel;
    try {
      channel = await this.channels.channelFor(tenantId, kind);
    } catch (cause) {
      return this.unusable(job, cause);
    }
    const statusCallbackUrl = await this.statusCallbacks?.urlFor(tenantId, channel.provider);
    const claimed = await this.ledger.claim(tenantId, data.deliveryId, channel.provider);
    if (!claimed) return { outcome: 'already-done' };
    const key = claimed.idempotencyKey;
    const to = await this.cipher.decryptText(tenantId, recipientContext(key), claimed.recipientEnc);
    const content = JSON.parse(
      await this.cipher.decryptText(tenantId, contentContext(key), claimed.contentEnc),
    ) as Content;
    try {
      const { providerMessageId } = await channel.send({
        deliveryId: claimed.id,
        tenantId,
        idempotencyKey: key,
        to,
        content,
        ...(statusCallbackUrl ? { statusCallbackUrl } : {}),
      });
      await this.ledger.markSent(tenantId, claimed.id, providerMessageId);
      return { outcome: 'sent', providerMessageId, attempt: claimed.attempts };
    } catch (cause) {
      const error = ChannelError.from(cause, 'unavailable', 'the channel failed unexpectedly');
      const retry = error.retryable && !lastAttempt;
      await this.tenancy.run(tenantId, async (scope) => {
        if (retry) return deliveries.noteError(scope, claimed.id, error.code);
        await deliveries.markFailed(scope, claimed.id, error.code);
        if (error.code === 'unregistered_device' && claimed.targetId)
          await devices.deactivate(scope, claimed.targetId);
      });
      return { outcome: 'failed', code: error.code, retry, error };
    }
  }

  /** No usable channel for this organisation and kind: the delivery fails for good, visibly. */
  private async unusable(job: DeliveryJob, cause: unknown): Promise<Outcome> {
    const error = ChannelError.from(cause, 'invalid_config', 'no usable channel');
    const claimed = await this.ledger.claim(job.tenantId, job.data.deliveryId, 'unconfigured');
    if (claimed)
      await this.tenancy.run(job.tenantId, (scope) => deliveries.markFailed(scope, claimed.id, error.code));
    return claimed
      ? { outcome: 'failed', code: error.code, retry: false, error }
      : { outcome: 'already-done' };
  }
}
