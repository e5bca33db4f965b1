import { AuditEvent, type ActorType, type Outcome } from '../entities/index.js';
import type { TenantScope } from '../tenancy.js';

export interface AuditEntry {
  actorType: ActorType;
  actorId?: string | null;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  outcome: Outcome;
  ip?: string | null;
  correlationId?: string | null;
  details?: Record<string, unknown>;
}

export const audit = {
  record(scope: TenantScope, entry: AuditEntry): Promise<AuditEvent> {
    const repo = scope.manager.getRepository(AuditEvent);
    return repo.save(
      repo.create({
        tenantId: scope.tenantId,
        actorType: entry.actorType,
        actorId: entry.actorId ?? null,
        action: entry.action,
        targetType: entry.targetType ?? null,
        targetId: entry.targetId ?? null,
        outcome: entry.outcome,
        ip: entry.ip ?? null,
        correlationId: entry.correlationId ?? null,
        details: entry.details ?? {},
      }),
    );
  },

  list(scope: TenantScope, limit: number): Promise<AuditEvent[]> {
    return scope.manager
      .getRepository(AuditEvent)
      .find({ where: { tenantId: scope.tenantId }, order: { occurredAt: 'DESC' }, take: limit });
  },
};
