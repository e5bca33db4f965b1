import type { MigrationInterface, QueryRunner } from 'typeorm';
import { RUNTIME_ROLE } from './rls.js';

const FUNCTIONS = ['verity_tenant_directory()', 'verity_create_tenant(text, text, text[], jsonb)'];

/**
 * The runtime role could set `app.operator` itself and read every organisation's row. Now no variable widens
 * what it sees: `tenants` shows only the organisation of `app.tenant_id`, and the operator's two needs — the
 * list of organisations and creating one — are narrow functions run as the owner.
 */
export class OperatorFunctions1763900000016 implements MigrationInterface {
  name = 'OperatorFunctions1763900000016';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP POLICY "tenants_read" ON "tenants"`);
    await q.query(`DROP POLICY "tenants_update" ON "tenants"`);
    await q.query(`DROP POLICY "tenants_create" ON "tenants"`);
    await q.query(`DROP FUNCTION verity_is_operator()`);
    await q.query(
      `CREATE POLICY "tenants_read" ON "tenants" FOR SELECT USING ("id" = verity_current_tenant())`,
    );
    await q.query(
      `CREATE POLICY "tenants_update" ON "tenants" FOR UPDATE USING ("id" = verity_current_tenant())`,
    );
    // no insert policy: with RLS forced, only verity_create_tenant (run as the owner) adds organisations
    await q.query(`REVOKE INSERT ON "tenants" FROM ${RUNTIME_ROLE}`);

    // The directory of organisations, never a policy or anything inside an organisation.
    await q.query(`CREATE FUNCTION verity_tenant_directory()
      RETURNS TABLE (id uuid, slug varchar, name varchar, email_domains text[], status varchar,
                     policy_version integer, created_at timestamptz, updated_at timestamptz)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
      $$ SELECT id, slug, name, email_domains, status, policy_version, created_at, updated_at FROM tenants $$`);
    await q.query(`CREATE FUNCTION verity_create_tenant(p_slug text, p_name text, p_email_domains text[], p_policy jsonb)
      RETURNS uuid LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS
      $$ INSERT INTO tenants (slug, name, email_domains, policy)
         VALUES (p_slug, p_name, p_email_domains, p_policy) RETURNING id $$`);
    for (const fn of FUNCTIONS) {
      await q.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
      await q.query(`GRANT EXECUTE ON FUNCTION ${fn} TO ${RUNTIME_ROLE}`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const fn of FUNCTIONS) await q.query(`DROP FUNCTION ${fn}`);
    await q.query(`GRANT INSERT ON "tenants" TO ${RUNTIME_ROLE}`);
    await q.query(`DROP POLICY "tenants_read" ON "tenants"`);
    await q.query(`DROP POLICY "tenants_update" ON "tenants"`);
    await q.query(`CREATE FUNCTION verity_is_operator() RETURNS boolean LANGUAGE sql STABLE AS
      $$ SELECT coalesce(current_setting('app.operator', true), '') = 'on' $$`);
    await q.query(
      `CREATE POLICY "tenants_read" ON "tenants" FOR SELECT USING ("id" = verity_current_tenant() OR verity_is_operator())`,
    );
    await q.query(
      `CREATE POLICY "tenants_update" ON "tenants" FOR UPDATE USING ("id" = verity_current_tenant() OR verity_is_operator())`,
    );
    await q.query(`CREATE POLICY "tenants_create" ON "tenants" FOR INSERT WITH CHECK (verity_is_operator())`);
  }
}
