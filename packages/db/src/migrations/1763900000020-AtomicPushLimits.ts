import type { MigrationInterface, QueryRunner } from 'typeorm';
import { SignInLookups1763900000011 } from './1763900000011-SignInLookups.js';
import { RUNTIME_ROLE } from './rls.js';

const OLD = 'verity_challenge_created(uuid, uuid, integer, jsonb, jsonb, jsonb, jsonb)';
const NEW = 'verity_challenge_created(uuid, uuid, integer, jsonb, jsonb, jsonb, jsonb, jsonb)';

const CHALLENGE_COLUMNS =
  'id, tenant_id, account_id, flow_id, method_id, method_type, purpose, code_hash, expires_at, context';
const DELIVERY_COLUMNS =
  'id, tenant_id, challenge_id, channel, idempotency_key, recipient_enc, content_enc, target_id';
const AUDIT_COLUMNS =
  'tenant_id, actor_type, actor_id, action, target_type, target_id, outcome, ip, correlation_id, details';

/**
 * A new challenge, with the person's push limits checked in the same statement. `p_push_limits`
 * (`{maxOutstanding, maxPerWindow, windowMinutes}`, null for anything but a push) makes the function take a
 * lock per account for the rest of the transaction, count the account's pushes, and write nothing when a limit
 * is reached: `{outcome: 'limited', outstanding, sentInWindow}`. Otherwise as before (migrations 007 and 011):
 * `{outcome: 'flow-moved'}` when the flow is no longer at the step read, else `{outcome: 'created'}`.
 */
const CHALLENGE_CREATED_LIMITED = `CREATE FUNCTION verity_challenge_created(p_tenant uuid, p_flow uuid, p_step integer,
        p_data jsonb, p_challenge jsonb, p_delivery jsonb, p_audit jsonb, p_push_limits jsonb)
      RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $$
      DECLARE
        v_account uuid := (p_challenge ->> 'account_id')::uuid;
        v_outstanding integer;
        v_sent integer;
      BEGIN
        PERFORM set_config('app.tenant_id', p_tenant::text, true);
        IF p_push_limits IS NOT NULL THEN
          -- one push decision at a time per account: the count below sees every push committed before it
          PERFORM pg_advisory_xact_lock(hashtext('verity:push-limits'), hashtext(v_account::text));
          SELECT count(*) FILTER (WHERE status = 'pending' AND expires_at > now()),
                 count(*) FILTER (WHERE created_at >= now() - make_interval(mins => (p_push_limits ->> 'windowMinutes')::integer))
            INTO v_outstanding, v_sent
            FROM challenges
           WHERE tenant_id = p_tenant AND account_id = v_account AND method_type = 'authenticator_push';
          IF v_outstanding >= (p_push_limits ->> 'maxOutstanding')::integer
             OR v_sent >= (p_push_limits ->> 'maxPerWindow')::integer THEN
            PERFORM set_config('app.tenant_id', '', true);
            RETURN jsonb_build_object('outcome', 'limited', 'outstanding', v_outstanding, 'sentInWindow', v_sent);
          END IF;
        END IF;
        UPDATE flows SET state = 'challenged', data = p_data, step = step + 1, updated_at = now()
         WHERE tenant_id = p_tenant AND id = p_flow AND step = p_step AND expires_at > now()
           AND completed_at IS NULL;
        IF NOT FOUND THEN
          PERFORM set_config('app.tenant_id', '', true);
          RETURN jsonb_build_object('outcome', 'flow-moved');
        END IF;
        UPDATE challenges SET status = 'expired', resolved_at = now()
         WHERE tenant_id = p_tenant AND account_id = v_account AND flow_id = p_flow AND status = 'pending'
           AND method_id = (p_challenge ->> 'method_id')::uuid;
        INSERT INTO challenges (${CHALLENGE_COLUMNS})
          SELECT ${CHALLENGE_COLUMNS} FROM jsonb_populate_record(NULL::challenges, p_challenge);
        IF p_delivery IS NOT NULL THEN
          INSERT INTO deliveries (${DELIVERY_COLUMNS})
            SELECT ${DELIVERY_COLUMNS} FROM jsonb_populate_record(NULL::deliveries, p_delivery);
        END IF;
        INSERT INTO audit_events (${AUDIT_COLUMNS})
          SELECT ${AUDIT_COLUMNS} FROM jsonb_populate_record(NULL::audit_events, p_audit);
        PERFORM set_config('app.tenant_id', '', true);
        RETURN jsonb_build_object('outcome', 'created');
      END $$`;

/**
 * Push limits (one outstanding, N per window) held under concurrency: they were counted in one transaction and
 * the challenge inserted in another, so ten sign-ins asking at once all passed the count. The check and the
 * insert are now one statement under a lock per account (issue 17, item 9).
 */
export class AtomicPushLimits1763900000020 implements MigrationInterface {
  name = 'AtomicPushLimits1763900000020';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION ${OLD}`);
    await q.query(CHALLENGE_CREATED_LIMITED);
    await q.query(`REVOKE ALL ON FUNCTION ${NEW} FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION ${NEW} TO ${RUNTIME_ROLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION ${NEW}`);
    // migration 011's version of the old function (its other changes are made again, to the same effect)
    await new SignInLookups1763900000011().up(q);
    await q.query(`REVOKE ALL ON FUNCTION ${OLD} FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION ${OLD} TO ${RUNTIME_ROLE}`);
  }
}
