import { Flow, type FlowKind } from '../entities/index.js';
import type { TenantScope } from '../tenancy.js';
import { isUuid } from '../tenancy.js';

export interface NewFlow {
  /** Chosen by the caller when something must be bound to the id before the row exists. */
  id?: string;
  kind: FlowKind;
  accountId: string | null;
  state: string;
  data: Record<string, unknown>;
  expiresAt: Date;
}

export const flows = {
  create(scope: TenantScope, data: NewFlow): Promise<Flow> {
    const repo = scope.manager.getRepository(Flow);
    return repo.save(repo.create({ ...data, tenantId: scope.tenantId, step: 0 }));
  },

  /**
   * The flow while it is alive; null when unknown, of another organisation, or expired. `lock` holds its row
   * until the transaction ends, so that requests on one flow take their turns and each reads what the last wrote.
   */
  async findLive(
    scope: TenantScope,
    id: string,
    kind: FlowKind,
    options: { lock?: boolean } = {},
  ): Promise<Flow | null> {
    if (!isUuid(id)) return null;
    const flow = await scope.manager.getRepository(Flow).findOne({
      where: { tenantId: scope.tenantId, id, kind },
      ...(options.lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    return flow && flow.expiresAt.getTime() > Date.now() ? flow : null;
  },

  /**
   * The finished flow (state `complete`), whether or not its ten minutes have passed since (a sign-in result
   * outlives its flow by up to five minutes); null when unknown, of another organisation, or not finished.
   */
  async findCompleted(scope: TenantScope, id: string, kind: FlowKind): Promise<Flow | null> {
    if (!isUuid(id)) return null;
    const flow = await scope.manager
      .getRepository(Flow)
      .findOne({ where: { tenantId: scope.tenantId, id, kind, state: 'complete' } });
    return flow?.completedAt ? flow : null;
  },

  /**
   * Moves the flow on from the step the caller read: a second caller with the same step (a replay, a race)
   * finds nothing to move and gets false.
   */
  async advance(
    scope: TenantScope,
    flow: Pick<Flow, 'id' | 'step' | 'data'>,
    change: { state: string; data?: Record<string, unknown>; completed?: boolean },
  ): Promise<boolean> {
    const [, affected]: [unknown, number] = await scope.manager.query(
      `UPDATE flows SET state = $4, data = $5, step = step + 1, updated_at = now(),
              completed_at = CASE WHEN $6 THEN now() ELSE completed_at END
        WHERE tenant_id = $1 AND id = $2 AND step = $3 AND expires_at > now() AND completed_at IS NULL`,
      [scope.tenantId, flow.id, flow.step, change.state, change.data ?? flow.data, change.completed ?? false],
    );
    return affected === 1;
  },
};
