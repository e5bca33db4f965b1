import type { MigrationInterface, QueryRunner } from 'typeorm';
import { RUNTIME_ROLE } from './rls.js';

const FUNCTIONS = [
  'verity_sign_in_account(uuid, text)',
  'verity_sign_in_started(uuid, jsonb, jsonb)',
  'verity_sign_in_context(uuid, uuid, uuid, uuid)',
  'verity_challenge_created(uuid, uuid, integer, jsonb, jsonb, jsonb, jsonb)',
  'verity_answer_accepted(uuid, uuid, integer, jsonb, uuid, uuid, bigint, bytea, jsonb)',
];

// Rows built by the API arrive as jsonb (bytea as '\x…' hex); these name the columns each insert takes.
const CHALLENGE_COLUMNS =
  'id, tenant_id, account_id, flow_id, method_id, method_type, purpose, code_hash, expires_at, context';
const DELIVERY_COLUMNS =
  'id, tenant_id, challenge_id, channel, idempotency_key, recipient_enc, content_enc, target_id';
const FLOW_COLUMNS = 'id, tenant_id, account_id, kind, state, data, expires_at';
const AUDIT_COLUMNS =
  'tenant_id, actor_type, actor_id, action, target_type, target_id, outcome, ip, correlation_id, details';

/** The read of a step (as first written; migration 011 scopes its challenge to the flow's account). */
export const SIGN_IN_CONTEXT = `CREATE OR REPLACE FUNCTION verity_sign_in_context(p_tenant uuid, p_flow uuid, p_challenge uuid, p_method uuid)
      RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $$
      DECLARE
        f flows; c challenges; m methods; a accounts; t tenants;
      BEGIN
        PERFORM set_config('app.tenant_id', p_tenant::text, true);
        SELECT * INTO f FROM flows WHERE tenant_id = p_tenant AND id = p_flow AND kind = 'sign_in';
        IF f.id IS NOT NULL THEN
          SELECT * INTO c FROM challenges
           WHERE tenant_id = p_tenant AND flow_id = f.id
             AND id = coalesce(p_challenge, (f.data ->> 'challengeId')::uuid);
          SELECT * INTO m FROM methods
           WHERE tenant_id = p_tenant AND account_id = f.account_id AND id = coalesce(p_method, c.method_id);
          SELECT * INTO a FROM accounts WHERE tenant_id = p_tenant AND id = f.account_id;
        END IF;
        SELECT * INTO t FROM tenants WHERE id = p_tenant;
        PERFORM set_config('app.tenant_id', '', true);
        IF f.id IS NULL THEN RETURN NULL; END IF;
        RETURN jsonb_build_object(
          'flow', to_jsonb(f),
          'challenge', CASE WHEN c.id IS NULL THEN NULL ELSE to_jsonb(c) END,
          'method', CASE WHEN m.id IS NULL THEN NULL ELSE to_jsonb(m) END,
          'account', CASE WHEN a.id IS NULL THEN NULL ELSE to_jsonb(a) END,
          'tenant', to_jsonb(t));
      END $$`;

/** A new challenge (as first written; migration 011 scopes the old codes it kills to the account). */
export const CHALLENGE_CREATED = `CREATE OR REPLACE FUNCTION verity_challenge_created(p_tenant uuid, p_flow uuid, p_step integer,
        p_data jsonb, p_challenge jsonb, p_delivery jsonb, p_audit jsonb)
      RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        PERFORM set_config('app.tenant_id', p_tenant::text, true);
        UPDATE flows SET state = 'challenged', data = p_data, step = step + 1, updated_at = now()
         WHERE tenant_id = p_tenant AND id = p_flow AND step = p_step AND expires_at > now()
           AND completed_at IS NULL;
        IF NOT FOUND THEN
          PERFORM set_config('app.tenant_id', '', true);
          RETURN false;
        END IF;
        UPDATE challenges SET status = 'expired', resolved_at = now()
         WHERE tenant_id = p_tenant AND flow_id = p_flow AND status = 'pending'
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
        RETURN true;
      END $$`;

/**
 * The sign-in's hot path in two round trips instead of a dozen (see `SignInStatements`): one read of the flow,
 * its challenge, method, account and organisation, and one write per step. Each function sets the organisation
 * first and works under row-level security as the caller (SECURITY INVOKER), so isolation holds as in
 * `Tenancy.run`; each runs as one statement, so its writes commit or roll back together.
 */
export class SignInStatements1763900000007 implements MigrationInterface {
  name = 'SignInStatements1763900000007';

  async up(q: QueryRunner): Promise<void> {
    // The password step: the account of a username with its verified methods, and the organisation.
    await q.query(`CREATE FUNCTION verity_sign_in_account(p_tenant uuid, p_username text)
      RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $$
      DECLARE
        a accounts; t tenants; ms jsonb;
      BEGIN
        PERFORM set_config('app.tenant_id', p_tenant::text, true);
        SELECT * INTO a FROM accounts WHERE tenant_id = p_tenant AND username = p_username;
        IF a.id IS NOT NULL THEN
          SELECT coalesce(jsonb_agg(to_jsonb(m) ORDER BY m.created_at), '[]') INTO ms FROM methods m
           WHERE tenant_id = p_tenant AND account_id = a.id AND verified_at IS NOT NULL;
        END IF;
        SELECT * INTO t FROM tenants WHERE id = p_tenant;
        PERFORM set_config('app.tenant_id', '', true);
        RETURN jsonb_build_object(
          'account', CASE WHEN a.id IS NULL THEN NULL ELSE to_jsonb(a) END,
          'methods', coalesce(ms, '[]'),
          'tenant', to_jsonb(t));
      END $$`);

    // After the password: the audit row, and the flow when the password was right.
    await q.query(`CREATE FUNCTION verity_sign_in_started(p_tenant uuid, p_flow jsonb, p_audit jsonb)
      RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        PERFORM set_config('app.tenant_id', p_tenant::text, true);
        IF p_flow IS NOT NULL THEN
          INSERT INTO flows (${FLOW_COLUMNS})
            SELECT ${FLOW_COLUMNS} FROM jsonb_populate_record(NULL::flows, p_flow);
        END IF;
        INSERT INTO audit_events (${AUDIT_COLUMNS})
          SELECT ${AUDIT_COLUMNS} FROM jsonb_populate_record(NULL::audit_events, p_audit);
        PERFORM set_config('app.tenant_id', '', true);
        RETURN true;
      END $$`);

    await q.query(SIGN_IN_CONTEXT);

    // A new challenge: the flow moves on from the step the caller read (or nothing happens), the flow's pending
    // challenges of the same method die (a resend kills the old code), then the challenge, its delivery and the
    // audit row are written.
    await q.query(CHALLENGE_CREATED);

    // A right answer: the factor takes it once (a TOTP step is accepted once; a locked factor takes nothing),
    // the challenge settles once, the flow completes from the step the caller read, and the audit row is written.
    // 'replayed' or 'locked' change nothing; a settled challenge or a moved flow raise and roll everything back.
    await q.query(`CREATE FUNCTION verity_answer_accepted(p_tenant uuid, p_flow uuid, p_step integer,
        p_data jsonb, p_challenge uuid, p_method uuid, p_time_step bigint, p_details_enc bytea, p_audit jsonb)
      RETURNS text LANGUAGE plpgsql VOLATILE AS $$
      DECLARE
        verdict text := 'accepted';
      BEGIN
        PERFORM set_config('app.tenant_id', p_tenant::text, true);
        UPDATE methods
           SET last_time_step = coalesce(p_time_step, last_time_step),
               details_enc = coalesce(p_details_enc, details_enc),
               failed_attempts = 0, locked_until = NULL, last_used_at = now()
         WHERE tenant_id = p_tenant AND id = p_method
           AND (locked_until IS NULL OR locked_until <= now())
           AND (p_time_step IS NULL OR last_time_step IS NULL OR last_time_step < p_time_step);
        IF NOT FOUND THEN
          verdict := CASE WHEN EXISTS (SELECT 1 FROM methods WHERE tenant_id = p_tenant AND id = p_method
                                          AND locked_until > now()) THEN 'locked' ELSE 'replayed' END;
        ELSE
          UPDATE challenges SET status = 'approved', resolved_at = now()
           WHERE tenant_id = p_tenant AND id = p_challenge AND status = 'pending' AND expires_at > now();
          IF NOT FOUND THEN RAISE EXCEPTION 'challenge no longer pending' USING ERRCODE = 'VY410'; END IF;
          UPDATE flows SET state = 'complete', data = p_data, step = step + 1, updated_at = now(),
                 completed_at = now()
           WHERE tenant_id = p_tenant AND id = p_flow AND step = p_step AND expires_at > now()
             AND completed_at IS NULL;
          IF NOT FOUND THEN RAISE EXCEPTION 'flow moved on' USING ERRCODE = 'VY404'; END IF;
          INSERT INTO audit_events (${AUDIT_COLUMNS})
            SELECT ${AUDIT_COLUMNS} FROM jsonb_populate_record(NULL::audit_events, p_audit);
        END IF;
        PERFORM set_config('app.tenant_id', '', true);
        RETURN verdict;
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
