import type { MigrationInterface, QueryRunner } from 'typeorm';
import { RUNTIME_ROLE } from './rls.js';

const FUNCTIONS = [
  'verity_claim_deliveries(uuid[], uuid[], text[])',
  'verity_deliveries_sent(uuid[], uuid[], text[])',
];

/**
 * The worker's two statements per delivery, for many deliveries in one round trip (see `DeliveryLedger`). Before
 * each row the function sets that row's organisation, then updates it under row-level security as the caller
 * (SECURITY INVOKER), so isolation holds exactly as in `Tenancy.run`.
 */
export class DeliveryStatements1763900000004 implements MigrationInterface {
  name = 'DeliveryStatements1763900000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE FUNCTION verity_claim_deliveries(tenants uuid[], ids uuid[], providers text[])
      RETURNS SETOF deliveries LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        FOR i IN 1 .. coalesce(array_length(ids, 1), 0) LOOP
          PERFORM set_config('app.tenant_id', tenants[i]::text, true);
          RETURN QUERY UPDATE deliveries
             SET status = 'sending', attempts = attempts + 1, provider = providers[i], updated_at = now()
           WHERE tenant_id = tenants[i] AND id = ids[i] AND status IN ('queued', 'sending')
          RETURNING *;
        END LOOP;
        PERFORM set_config('app.tenant_id', '', true);
      END $$`);
    await q.query(`CREATE FUNCTION verity_deliveries_sent(tenants uuid[], ids uuid[], message_ids text[])
      RETURNS SETOF uuid LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        FOR i IN 1 .. coalesce(array_length(ids, 1), 0) LOOP
          PERFORM set_config('app.tenant_id', tenants[i]::text, true);
          RETURN QUERY UPDATE deliveries
             SET status = 'sent', provider_message_id = message_ids[i], sent_at = now(), error_code = NULL,
                 updated_at = now()
           WHERE tenant_id = tenants[i] AND id = ids[i] AND status = 'sending'
          RETURNING id;
        END LOOP;
        PERFORM set_config('app.tenant_id', '', true);
      END $$`);
    for (const fn of FUNCTIONS) {
      await q.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
      await q.query(`GRANT EXECUTE ON FUNCTION ${fn} TO ${RUNTIME_ROLE}`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const fn of FUNCTIONS) await q.query(`DROP FUNCTION IF EXISTS ${fn}`);
  }
}
