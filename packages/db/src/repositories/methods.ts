import { IsNull, Not } from 'typeorm';
import { Method } from '../entities/index.js';
import type { TenantScope } from '../tenancy.js';
import { isUuid } from '../tenancy.js';

export interface NewMethod {
  /** Chosen by the caller, so the encrypted details can be bound to the row's id. */
  id: string;
  accountId: string;
  type: string;
  label?: string | null;
  detailsEnc: Buffer;
  deviceRef: Buffer;
  isDefault?: boolean;
  verifiedAt?: Date | null;
}

export interface FailureCount {
  failedAttempts: number;
  lockedUntil: Date | null;
}

export const methods = {
  /** Every verified method of the organisation, for readiness reports over the whole population. */
  allVerified(scope: TenantScope): Promise<Method[]> {
    return scope.manager
      .getRepository(Method)
      .find({ where: { tenantId: scope.tenantId, verifiedAt: Not(IsNull()) } });
  },

  /** A new row: inserted without the look-up `save` would make for a caller-chosen id. */
  async create(scope: TenantScope, data: NewMethod): Promise<Method> {
    const repo = scope.manager.getRepository(Method);
    const method = repo.create({
      ...data,
      tenantId: scope.tenantId,
      label: data.label ?? null,
      isDefault: data.isDefault ?? false,
      verifiedAt: data.verifiedAt ?? null,
    });
    await repo.insert(method as Parameters<typeof repo.insert>[0]);
    return method;
  },

  verifiedOf(scope: TenantScope, accountId: string): Promise<Method[]> {
    return scope.manager.getRepository(Method).find({
      where: { tenantId: scope.tenantId, accountId, verifiedAt: Not(IsNull()) },
      // methods saved in one transaction share their time: the id keeps the order stable
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  },

  async findOfAccount(scope: TenantScope, accountId: string, id: string): Promise<Method | null> {
    if (!isUuid(id)) return null;
    return scope.manager
      .getRepository(Method)
      .findOne({ where: { tenantId: scope.tenantId, accountId, id } });
  },

  /** One more wrong answer; at `limit` in a row the factor locks for `lockSeconds`. Atomic under concurrency. */
  async recordFailure(
    scope: TenantScope,
    id: string,
    limit: number,
    lockSeconds: number,
  ): Promise<FailureCount> {
    const [rows]: [{ failed_attempts: number; locked_until: Date | null }[], number] =
      await scope.manager.query(
        `UPDATE methods SET failed_attempts = failed_attempts + 1,
              locked_until = CASE WHEN failed_attempts + 1 >= $3 THEN now() + make_interval(secs => $4)
                                  ELSE locked_until END
        WHERE tenant_id = $1 AND id = $2
        RETURNING failed_attempts, locked_until`,
        [scope.tenantId, id, limit, lockSeconds],
      );
    const row = rows[0];
    return { failedAttempts: row?.failed_attempts ?? 0, lockedUntil: row?.locked_until ?? null };
  },

  /** A right answer: the count of failures starts again, and the method was used now. */
  async recordSuccess(scope: TenantScope, id: string): Promise<void> {
    await scope.manager.query(
      `UPDATE methods SET failed_attempts = 0, locked_until = NULL, last_used_at = now()
        WHERE tenant_id = $1 AND id = $2`,
      [scope.tenantId, id],
    );
  },

  ofType(scope: TenantScope, accountId: string, type: string): Promise<Method[]> {
    return scope.manager
      .getRepository(Method)
      .find({ where: { tenantId: scope.tenantId, accountId, type }, order: { createdAt: 'ASC' } });
  },

  async remove(scope: TenantScope, accountId: string, id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const result = await scope.manager
      .getRepository(Method)
      .delete({ tenantId: scope.tenantId, accountId, id });
    return (result.affected ?? 0) > 0;
  },

  /**
   * An administrator's reset: every method of the account whose type is not in `keepTypes` is deleted, in one
   * statement; the rows deleted (id, type, whether it was the default).
   */
  async removeAllOfAccountExcept(
    scope: TenantScope,
    accountId: string,
    keepTypes: string[],
  ): Promise<{ id: string; type: string; isDefault: boolean }[]> {
    if (!isUuid(accountId)) return [];
    const [rows]: [{ id: string; type: string; is_default: boolean }[], number] = await scope.manager.query(
      `DELETE FROM methods WHERE tenant_id = $1 AND account_id = $2 AND NOT (type = ANY($3::text[]))
        RETURNING id, type, is_default`,
      [scope.tenantId, accountId, keepTypes],
    );
    return rows.map((r) => ({ id: r.id, type: r.type, isDefault: r.is_default }));
  },

  /** Makes this method of the account its default, when the account has none (after its default was deleted). */
  async promoteToDefault(scope: TenantScope, accountId: string, id: string): Promise<boolean> {
    const [, affected]: [unknown, number] = await scope.manager.query(
      `UPDATE methods SET is_default = true
        WHERE tenant_id = $1 AND account_id = $2 AND id = $3
          AND NOT EXISTS (SELECT 1 FROM methods d WHERE d.tenant_id = $1 AND d.account_id = $2 AND d.is_default)`,
      [scope.tenantId, accountId, id],
    );
    return affected === 1;
  },

  /** An administrator lifts a lock before it runs out. */
  async unlock(scope: TenantScope, id: string): Promise<boolean> {
    const [, affected]: [unknown, number] = await scope.manager.query(
      `UPDATE methods SET failed_attempts = 0, locked_until = NULL WHERE tenant_id = $1 AND id = $2`,
      [scope.tenantId, id],
    );
    return affected === 1;
  },

  /** The methods on one physical device (a phone, an authenticator app installation), by its HMAC. */
  onDevice(scope: TenantScope, accountId: string, deviceRef: Buffer): Promise<Method[]> {
    return scope.manager
      .getRepository(Method)
      .find({ where: { tenantId: scope.tenantId, accountId, deviceRef }, order: { createdAt: 'ASC' } });
  },

  /** Methods that waited for their own proof (an authenticator app's test notification) count from now. */
  async markVerified(scope: TenantScope, ids: string[]): Promise<void> {
    await scope.manager.query(
      `UPDATE methods SET verified_at = now() WHERE tenant_id = $1 AND id = ANY($2::uuid[]) AND verified_at IS NULL`,
      [scope.tenantId, ids],
    );
  },

  /** The TOTP step that proved a new method is spent: the same code cannot sign in afterwards. */
  async useTimeStep(scope: TenantScope, id: string, timeStep: number): Promise<void> {
    await scope.manager.query(`UPDATE methods SET last_time_step = $3 WHERE tenant_id = $1 AND id = $2`, [
      scope.tenantId,
      id,
      timeStep,
    ]);
  },

  /**
   * A TOTP step proves a check once: true when this step is newer than any accepted before (and the factor is not
   * locked), recorded in the same statement, so two answers with one code cannot both pass.
   */
  async spendTimeStep(scope: TenantScope, id: string, timeStep: number): Promise<boolean> {
    const [, affected]: [unknown, number] = await scope.manager.query(
      `UPDATE methods SET last_time_step = $3, failed_attempts = 0, locked_until = NULL, last_used_at = now()
        WHERE tenant_id = $1 AND id = $2 AND (last_time_step IS NULL OR last_time_step < $3)
          AND (locked_until IS NULL OR locked_until <= now())`,
      [scope.tenantId, id, timeStep],
    );
    return affected === 1;
  },

  /** The default sign-in method becomes this one (one default per account: the old one is cleared first). */
  async makeDefault(scope: TenantScope, accountId: string, id: string): Promise<void> {
    await scope.manager.query(
      `UPDATE methods SET is_default = false WHERE tenant_id = $1 AND account_id = $2 AND is_default AND id <> $3`,
      [scope.tenantId, accountId, id],
    );
    await scope.manager.query(
      `UPDATE methods SET is_default = true WHERE tenant_id = $1 AND account_id = $2 AND id = $3`,
      [scope.tenantId, accountId, id],
    );
  },

  async rename(scope: TenantScope, accountId: string, id: string, label: string): Promise<void> {
    await scope.manager.query(
      `UPDATE methods SET label = $4 WHERE tenant_id = $1 AND account_id = $2 AND id = $3`,
      [scope.tenantId, accountId, id, label],
    );
  },

  /** New details for the same method (a changed phone number): a new device, so its failures start again. */
  async replaceDetails(scope: TenantScope, id: string, detailsEnc: Buffer, deviceRef: Buffer): Promise<void> {
    await scope.manager.query(
      `UPDATE methods SET details_enc = $3, device_ref = $4, failed_attempts = 0, locked_until = NULL
        WHERE tenant_id = $1 AND id = $2`,
      [scope.tenantId, id, detailsEnc, deviceRef],
    );
  },
};
