import { Delivery } from '../entities/index.js';
import { type Tenancy, isUuid } from '../tenancy.js';
import { hydrate } from '../rows.js';

/**
 * Calls made while earlier ones are in flight travel together: one round trip for a whole group, however
 * many concurrent jobs are waiting. Each caller still learns its own result, and only once it is committed.
 */
export class GroupCommit<I, O> {
  private waiting: { item: I; resolve: (out: O) => void; reject: (error: unknown) => void }[] = [];
  private inFlight = 0;

  constructor(
    private readonly write: (items: I[]) => Promise<O[]>,
    private readonly parallel = 2,
    private readonly maxGroup = 200,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.inFlight < this.parallel) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.inFlight++;
    while (this.waiting.length > 0) {
      const group = this.waiting.splice(0, this.maxGroup);
      try {
        const out = await this.write(group.map((g) => g.item));
        group.forEach((g, i) => g.resolve(out[i] as O));
      } catch (error) {
        for (const g of group) g.reject(error);
      }
    }
    this.inFlight--;
  }
}

interface Claim {
  tenantId: string;
  id: string;
  provider: string;
}

interface Sent {
  tenantId: string;
  id: string;
  providerMessageId: string;
}

/**
 * The worker's two writes per message (claim before the send, the provider's id after it), grouped across
 * concurrent jobs and organisations, each group one statement (migration 004).
 */
export class DeliveryLedger {
  private readonly claims = new GroupCommit<Claim, Delivery | null>(async (items) => {
    const rows = await this.tenancy.call<Record<string, unknown>>(
      'verity_claim_deliveries',
      items.map((c) => c.tenantId),
      items.map((c) => c.id),
      items.map((c) => c.provider),
    );
    const byId = new Map(rows.map((row) => [row.id as string, row]));
    return items.map((c) => {
      const row = byId.get(c.id);
      return row && row.tenant_id === c.tenantId ? hydrate(this.tenancy.dataSource, Delivery, row) : null;
    });
  });

  private readonly sent = new GroupCommit<Sent, boolean>(async (items) => {
    const rows = await this.tenancy.call<{ verity_deliveries_sent: string }>(
      'verity_deliveries_sent',
      items.map((s) => s.tenantId),
      items.map((s) => s.id),
      items.map((s) => s.providerMessageId),
    );
    const recorded = new Set(rows.map((row) => row.verity_deliveries_sent));
    return items.map((s) => recorded.has(s.id));
  });

  constructor(private readonly tenancy: Tenancy) {}

  /** Claims the delivery for one attempt; null when it was already sent or failed for good. */
  async claim(tenantId: string, id: string, provider: string): Promise<Delivery | null> {
    if (!isUuid(tenantId) || !isUuid(id)) return null;
    return this.claims.submit({ tenantId, id, provider });
  }

  /** Records the provider's id of a claimed delivery; false when it was not being sent. */
  async markSent(tenantId: string, id: string, providerMessageId: string): Promise<boolean> {
    if (!isUuid(tenantId) || !isUuid(id)) return false;
    return this.sent.submit({ tenantId, id, providerMessageId });
  }
}
