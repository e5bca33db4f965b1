import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Delivery } from '@verity/db';
import type { Outbox } from '@verity/delivery';

type Dispatchable = Pick<Delivery, 'id' | 'tenantId' | 'channel'>;

/** How long a request waits for the queue to take a delivery before it gives up on the queue for now. */
export const QUEUE_WAIT_MS = 1000;
/** How often deliveries the queue could not take are offered again. */
const RETRY_EVERY_MS = 2000;
/** After this, a delivery never queued is given up on (its code would have expired long before). */
const GIVE_UP_AFTER_MS = 30 * 60_000;

/**
 * Hands committed deliveries to the queue (the outbox's dispatch) without letting Redis hold a request: each add
 * waits at most `QUEUE_WAIT_MS`. What the queue could not take stays in the outbox (`queued`) and is offered
 * again from this process every few seconds until the queue takes it, so a message committed while Redis was
 * down is sent once Redis is back. Adding twice is harmless: the job id is the delivery id.
 */
export class QueueDispatch implements OnApplicationShutdown {
  private readonly logger = new Logger(QueueDispatch.name);
  private readonly waiting = new Map<
    string,
    { delivery: Dispatchable; correlationId: string; since: number }
  >();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly outbox: Outbox) {}

  /** True when the queue took every delivery now; the others are retried in the background. */
  async send(deliveries: (Dispatchable | null)[], correlationId: string): Promise<boolean> {
    const due = deliveries.filter((d): d is Dispatchable => d !== null);
    const taken = await Promise.all(due.map((d) => this.offer(d, correlationId)));
    const left = due.filter((_, i) => !taken[i]);
    for (const delivery of left) {
      this.logger.warn(`delivery ${delivery.id} could not be queued now (Redis unavailable): retrying`);
      this.waiting.set(delivery.id, { delivery, correlationId, since: Date.now() });
    }
    if (left.length > 0) this.schedule();
    return left.length === 0;
  }

  onApplicationShutdown(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.waiting.size > 0)
      this.logger.warn(`${this.waiting.size} deliveries were never queued; they stay in the outbox`);
  }

  private async offer(delivery: Dispatchable, correlationId: string): Promise<boolean> {
    let timeout: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.outbox.dispatch(delivery, correlationId).then(() => true),
        new Promise<boolean>((resolve) => {
          timeout = setTimeout(() => resolve(false), QUEUE_WAIT_MS);
        }),
      ]);
    } catch {
      return false;
    } finally {
      clearTimeout(timeout);
    }
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => void this.retry(), RETRY_EVERY_MS);
    this.timer.unref();
  }

  private async retry(): Promise<void> {
    for (const [id, { delivery, correlationId, since }] of this.waiting) {
      if (await this.offer(delivery, correlationId)) {
        this.waiting.delete(id);
        this.logger.log(`delivery ${id} queued after ${Math.round((Date.now() - since) / 1000)} s`);
      } else if (Date.now() - since > GIVE_UP_AFTER_MS) {
        this.waiting.delete(id);
        this.logger.error(`delivery ${id} was never queued: it stays in the outbox as queued`);
      }
    }
    this.timer = null;
    if (this.waiting.size > 0) this.schedule();
  }
}
