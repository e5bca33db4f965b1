import { In, LessThan } from 'typeorm';
import { Delivery, type DeliveryChannel } from '../entities/index.js';
import type { TenantScope } from '../tenancy.js';
import { isUuid } from '../tenancy.js';

export interface NewDelivery {
  /** Chosen by the caller when the content must name the delivery (a call's instructions URL). */
  id?: string;
  channel: DeliveryChannel;
  idempotencyKey: string;
  recipientEnc: Buffer;
  contentEnc: Buffer;
  challengeId?: string | null;
  targetId?: string | null;
}

export const deliveries = {
  /** Inserts the delivery, or returns the one already made with this idempotency key. */
  async create(scope: TenantScope, data: NewDelivery): Promise<{ delivery: Delivery; created: boolean }> {
    const repo = scope.manager.getRepository(Delivery);
    const inserted = await repo
      .createQueryBuilder()
      .insert()
      .values({ tenantId: scope.tenantId, status: 'queued', attempts: 0, ...data })
      .orIgnore()
      .returning('id')
      .execute();
    const delivery = await repo.findOneOrFail({
      where: { tenantId: scope.tenantId, idempotencyKey: data.idempotencyKey },
    });
    return { delivery, created: inserted.raw.length > 0 };
  },

  async findById(scope: TenantScope, id: string): Promise<Delivery | null> {
    if (!isUuid(id)) return null;
    return scope.manager.getRepository(Delivery).findOne({ where: { tenantId: scope.tenantId, id } });
  },

  async markFailed(scope: TenantScope, id: string, errorCode: string): Promise<void> {
    await scope.manager
      .getRepository(Delivery)
      .update(
        { tenantId: scope.tenantId, id, status: In(['queued', 'sending']) },
        { status: 'failed', errorCode },
      );
  },

  async noteError(scope: TenantScope, id: string, errorCode: string): Promise<void> {
    await scope.manager.getRepository(Delivery).update({ tenantId: scope.tenantId, id }, { errorCode });
  },

  /**
   * Applies a provider's report: sent may become delivered or failed; a final status never changes. The
   * delivery is found by its own id where the provider echoes it, else by the provider's message id.
   */
  async applyStatus(
    scope: TenantScope,
    report: {
      provider: string;
      providerMessageId: string;
      deliveryId?: string;
      status: 'sent' | 'delivered' | 'failed';
      errorCode?: string;
    },
  ): Promise<Delivery | null> {
    const { provider, providerMessageId, deliveryId, status, errorCode } = report;
    const repo = scope.manager.getRepository(Delivery);
    const delivery = await repo.findOne({
      where:
        deliveryId && isUuid(deliveryId)
          ? { tenantId: scope.tenantId, provider, id: deliveryId }
          : { tenantId: scope.tenantId, provider, providerMessageId },
    });
    if (!delivery || status === 'sent' || delivery.status !== 'sent') return delivery;
    await repo.update(
      { tenantId: scope.tenantId, id: delivery.id, status: 'sent' },
      { status, errorCode: status === 'failed' ? (errorCode ?? 'provider_failed') : delivery.errorCode },
    );
    return repo.findOne({ where: { tenantId: scope.tenantId, id: delivery.id } });
  },

  /** Deliveries still to leave whose row has not changed since `before`, oldest first: the worker's sweep. */
  stuck(scope: TenantScope, before: Date, limit: number): Promise<Delivery[]> {
    return scope.manager.getRepository(Delivery).find({
      select: { id: true, tenantId: true, channel: true, status: true, attempts: true, updatedAt: true },
      where: { tenantId: scope.tenantId, status: In(['queued', 'sending']), updatedAt: LessThan(before) },
      order: { updatedAt: 'ASC' },
      take: limit,
    });
  },

  /**
   * Takes a stuck delivery for the sweep: true only if it is still queued or sending and unchanged since
   * `before`, and then restarts its clock, so neither a worker that moved it on nor another sweep acts twice.
   */
  async takeStuck(scope: TenantScope, id: string, before: Date): Promise<boolean> {
    const [, affected]: [unknown, number] = await scope.manager.query(
      `UPDATE deliveries SET updated_at = now()
        WHERE tenant_id = $1 AND id = $2 AND status IN ('queued', 'sending') AND updated_at < $3`,
      [scope.tenantId, id, before],
    );
    return affected === 1;
  },

  list(scope: TenantScope, filter: { status?: Delivery['status']; limit: number }): Promise<Delivery[]> {
    return scope.manager.getRepository(Delivery).find({
      where: { tenantId: scope.tenantId, ...(filter.status ? { status: filter.status } : {}) },
      order: { createdAt: 'DESC' },
      take: filter.limit,
    });
  },

  listByProvider(scope: TenantScope, provider: string, limit: number): Promise<Delivery[]> {
    return scope.manager
      .getRepository(Delivery)
      .find({ where: { tenantId: scope.tenantId, provider }, order: { createdAt: 'DESC' }, take: limit });
  },
};
