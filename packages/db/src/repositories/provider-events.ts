import { ProviderEvent } from '../entities/index.js';
import type { TenantScope } from '../tenancy.js';

export const providerEvents = {
  /** Records the event; false when it was already recorded (a duplicate or a replay). */
  async firstTime(scope: TenantScope, provider: string, eventId: string): Promise<boolean> {
    const result = await scope.manager
      .createQueryBuilder()
      .insert()
      .into(ProviderEvent)
      .values({ tenantId: scope.tenantId, provider, eventId: eventId.slice(0, 200) })
      .orIgnore()
      .returning('event_id')
      .execute();
    return result.raw.length > 0;
  },
};
