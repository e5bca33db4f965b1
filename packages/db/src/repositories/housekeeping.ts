import { LessThan } from 'typeorm';
import { Challenge, Flow } from '../entities/index.js';
import type { TenantScope } from '../tenancy.js';

export interface Purged {
  challenges: number;
  flows: number;
  sessions: number;
  rememberedDevices: number;
}

export const housekeeping = {
  /**
   * Deletes the organisation's challenges and flows that expired before `before`, and its sessions and
   * remembered devices that expired, went idle past their limit or were revoked before it.
   */
  async purgeExpired(scope: TenantScope, before: Date): Promise<Purged> {
    const challenges = await scope.manager
      .getRepository(Challenge)
      .delete({ tenantId: scope.tenantId, expiresAt: LessThan(before) });
    const flows = await scope.manager
      .getRepository(Flow)
      .delete({ tenantId: scope.tenantId, expiresAt: LessThan(before) });
    const [, sessions]: [unknown, number] = await scope.manager.query(
      `DELETE FROM sessions
        WHERE tenant_id = $1
          AND (expires_at < $2 OR revoked_at < $2 OR last_seen_at + idle_seconds * interval '1 second' < $2)`,
      [scope.tenantId, before],
    );
    const [, rememberedDevices]: [unknown, number] = await scope.manager.query(
      `DELETE FROM remembered_devices WHERE tenant_id = $1 AND (expires_at < $2 OR revoked_at < $2)`,
      [scope.tenantId, before],
    );
    return { challenges: challenges.affected ?? 0, flows: flows.affected ?? 0, sessions, rememberedDevices };
  },
};
