import type { QueryRunner } from 'typeorm';

/** The group role the application's login role belongs to. It owns nothing and cannot bypass RLS. */
export const RUNTIME_ROLE = 'verity_runtime';

/**
 * Every tenant table goes through this in its migration, so isolation cannot be forgotten: row-level
 * security on, forced even for the owner, one policy comparing `tenant_id` with the transaction's
 * `app.tenant_id`, and the runtime role's grants.
 */
export async function applyTenantRls(q: QueryRunner, table: string): Promise<void> {
  await q.query(`ALTER TABLE "${table}" ENABLE ROW LEVEL SECURITY`);
  await q.query(`ALTER TABLE "${table}" FORCE ROW LEVEL SECURITY`);
  await q.query(
    `CREATE POLICY "${table}_tenant_isolation" ON "${table}"
       USING ("tenant_id" = verity_current_tenant())
       WITH CHECK ("tenant_id" = verity_current_tenant())`,
  );
  await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON "${table}" TO ${RUNTIME_ROLE}`);
}

export async function dropTenantRls(q: QueryRunner, table: string): Promise<void> {
  await q.query(`DROP POLICY IF EXISTS "${table}_tenant_isolation" ON "${table}"`);
}
