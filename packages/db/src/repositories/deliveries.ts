import { In } from 'typeorm';
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

  /** Applies a provider's report: sent may become delivered or failed; a final status never changes. */
  async applyStatus(
    scope: TenantScope,
    provider: string,
    providerMessageId: string,
    status: 'sent' | 'delivered' | 'failed',
    errorCode?: string,
  ): Promise<Delivery | null> {
    const repo = scope.manager.getRepository(Delivery);
    const delivery = await repo.findOne({ where: { tenantId: scope.tenantId, provider, providerMessageId } });
    if (!delivery || status === 'sent' || delivery.status !== 'sent') return delivery;
    await repo.update(
      { tenantId: scope.tenantId, id: delivery.id, status: 'sent' },
      { status, errorCode: status === 'failed' ? (errorCode ?? 'provider_failed') : delivery.errorCode },
    );
    return repo.findOne({ where: { tenantId: scope.tenantId, id: delivery.id } });
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
