import { Account, type AccountStatus, type Role } from '../entities/index.js';
import type { TenantScope } from '../tenancy.js';
import { isUuid } from '../tenancy.js';

export interface NewAccount {
  username: string;
  displayName: string;
  contactEmailEnc?: Buffer | null;
  passwordHash?: string | null;
  roles?: Role[];
  elevated?: boolean;
  hybrid?: boolean;
}

export const accounts = {
  create(scope: TenantScope, data: NewAccount): Promise<Account> {
    const repo = scope.manager.getRepository(Account);
    return repo.save(
      repo.create({
        tenantId: scope.tenantId,
        username: data.username.toLowerCase(),
        displayName: data.displayName,
        contactEmailEnc: data.contactEmailEnc ?? null,
        passwordHash: data.passwordHash ?? null,
        roles: data.roles ?? ['staff'],
        elevated: data.elevated ?? false,
        hybrid: data.hybrid ?? false,
      }),
    );
  },

  async findById(scope: TenantScope, id: string): Promise<Account | null> {
    if (!isUuid(id)) return null;
    return scope.manager.getRepository(Account).findOne({ where: { tenantId: scope.tenantId, id } });
  },

  /** The account, its row locked until the transaction ends: an administrator's changes to it one at a time. */
  async findForUpdate(scope: TenantScope, id: string): Promise<Account | null> {
    if (!isUuid(id)) return null;
    return scope.manager
      .getRepository(Account)
      .findOne({ where: { tenantId: scope.tenantId, id }, lock: { mode: 'pessimistic_write' } });
  },

  /**
   * The person must register security info at the next sign-in: any snooze ends now; with `resetSnoozes` (an
   * administrator's reset) the count of snoozes used starts again too.
   */
  async requireRegistration(
    scope: TenantScope,
    id: string,
    options: { resetSnoozes: boolean } = { resetSnoozes: true },
  ): Promise<boolean> {
    const [, affected]: [unknown, number] = await scope.manager.query(
      `UPDATE accounts SET registration_state = 'required', snoozed_until = NULL,
              registration_snoozes = CASE WHEN $3 THEN 0 ELSE registration_snoozes END, updated_at = now()
        WHERE tenant_id = $1 AND id = $2`,
      [scope.tenantId, id, options.resetSnoozes],
    );
    return affected === 1;
  },

  findByUsername(scope: TenantScope, username: string): Promise<Account | null> {
    return scope.manager
      .getRepository(Account)
      .findOne({ where: { tenantId: scope.tenantId, username: username.toLowerCase() } });
  },

  async setPasswordHash(scope: TenantScope, id: string, passwordHash: string): Promise<void> {
    await scope.manager.getRepository(Account).update({ tenantId: scope.tenantId, id }, { passwordHash });
  },

  /** Marks the account at risk after a fraud report; true only the first time (so administrators are told once). */
  async markAtRisk(scope: TenantScope, id: string): Promise<boolean> {
    const [, affected]: [unknown, number] = await scope.manager.query(
      `UPDATE accounts SET at_risk_since = now() WHERE tenant_id = $1 AND id = $2 AND at_risk_since IS NULL`,
      [scope.tenantId, id],
    );
    return affected === 1;
  },

  async clearRisk(scope: TenantScope, id: string): Promise<boolean> {
    const [, affected]: [unknown, number] = await scope.manager.query(
      `UPDATE accounts SET at_risk_since = NULL WHERE tenant_id = $1 AND id = $2 AND at_risk_since IS NOT NULL`,
      [scope.tenantId, id],
    );
    return affected === 1;
  },

  /** Disables or re-enables the account; true only when that changed its status. */
  async setStatus(scope: TenantScope, id: string, status: AccountStatus): Promise<boolean> {
    const [, affected]: [unknown, number] = await scope.manager.query(
      `UPDATE accounts SET status = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2 AND status <> $3`,
      [scope.tenantId, id, status],
    );
    return affected === 1;
  },

  /** The wizard finished (`complete`) or was postponed (`snoozed` until then: one more of the snoozes allowed). */
  async setRegistration(
    scope: TenantScope,
    id: string,
    state: 'complete' | 'snoozed',
    snoozedUntil: Date | null,
  ): Promise<void> {
    await scope.manager.query(
      `UPDATE accounts SET registration_state = $3, snoozed_until = $4,
              registration_snoozes = registration_snoozes + $5, updated_at = now()
        WHERE tenant_id = $1 AND id = $2`,
      [scope.tenantId, id, state, snoozedUntil, state === 'snoozed' ? 1 : 0],
    );
  },

  /** The organisation's administrators, to alert. */
  administrators(scope: TenantScope): Promise<Account[]> {
    return scope.manager
      .getRepository(Account)
      .createQueryBuilder('a')
      .where('a.tenant_id = :tenantId', { tenantId: scope.tenantId })
      .andWhere(`'tenant_admin' = ANY(a.roles) AND a.status = 'active'`)
      .getMany();
  },

  list(scope: TenantScope, page: { limit: number; offset: number }): Promise<[Account[], number]> {
    return scope.manager.getRepository(Account).findAndCount({
      where: { tenantId: scope.tenantId },
      order: { username: 'ASC' },
      take: page.limit,
      skip: page.offset,
    });
  },
};
