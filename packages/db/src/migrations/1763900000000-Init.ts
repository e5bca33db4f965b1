import type { MigrationInterface, QueryRunner } from 'typeorm';
import { RUNTIME_ROLE, applyTenantRls } from './rls.js';

export class Init1763900000000 implements MigrationInterface {
  name = 'Init1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${RUNTIME_ROLE}') THEN
        CREATE ROLE ${RUNTIME_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
      END IF; END $$`);
    await q.query(`GRANT USAGE ON SCHEMA public TO ${RUNTIME_ROLE}`);

    await q.query(`CREATE FUNCTION verity_current_tenant() RETURNS uuid LANGUAGE sql STABLE AS
      $$ SELECT nullif(current_setting('app.tenant_id', true), '')::uuid $$`);
    await q.query(`CREATE FUNCTION verity_is_operator() RETURNS boolean LANGUAGE sql STABLE AS
      $$ SELECT coalesce(current_setting('app.operator', true), '') = 'on' $$`);

    await q.query(
      `CREATE TABLE "tenants" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "slug" character varying(63) NOT NULL, "name" character varying(200) NOT NULL, "email_domains" text array NOT NULL DEFAULT '{}', "policy" jsonb NOT NULL DEFAULT '{}', "policy_version" integer NOT NULL DEFAULT '1', "status" character varying(16) NOT NULL DEFAULT 'active', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_2310ecc5cb8be427097154b18fc" UNIQUE ("slug"), CONSTRAINT "PK_53be67a04681c66b87ee27c9321" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE TABLE "accounts" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tenant_id" uuid NOT NULL, "username" character varying(254) NOT NULL, "display_name" character varying(200) NOT NULL, "contact_email_enc" bytea, "password_hash" text, "roles" text array NOT NULL DEFAULT '{staff}', "elevated" boolean NOT NULL DEFAULT false, "status" character varying(16) NOT NULL DEFAULT 'active', "registration_state" character varying(16) NOT NULL DEFAULT 'required', "registration_snoozes" integer NOT NULL DEFAULT '0', "snoozed_until" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_5a7a02c20412299d198e097a8fe" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE UNIQUE INDEX "UQ_accounts_tenant_id" ON "accounts" ("tenant_id", "id")`);
    await q.query(
      `CREATE UNIQUE INDEX "UQ_accounts_tenant_username" ON "accounts" ("tenant_id", "username")`,
    );
    await q.query(
      `CREATE TABLE "api_keys" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tenant_id" uuid NOT NULL, "name" character varying(100) NOT NULL, "prefix" character varying(32) NOT NULL, "secret_hash" bytea NOT NULL, "scopes" text array NOT NULL DEFAULT '{}', "last_used_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_5c8a79801b44bd27b79228e1dad" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE UNIQUE INDEX "UQ_api_keys_prefix" ON "api_keys" ("prefix")`);
    await q.query(
      `CREATE TABLE "audit_events" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tenant_id" uuid NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "actor_type" character varying(16) NOT NULL, "actor_id" character varying(100), "action" character varying(64) NOT NULL, "target_type" character varying(32), "target_id" character varying(100), "outcome" character varying(16) NOT NULL, "ip" inet, "correlation_id" character varying(100), "details" jsonb NOT NULL DEFAULT '{}', CONSTRAINT "PK_910f64d901a5c3e9878f0d4a407" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE INDEX "IDX_audit_events_tenant_time" ON "audit_events" ("tenant_id", "occurred_at")`,
    );
    await q.query(
      `CREATE TABLE "authenticator_devices" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tenant_id" uuid NOT NULL, "account_id" uuid NOT NULL, "name" character varying(100) NOT NULL, "public_key" jsonb, "push_token_enc" bytea, "status" character varying(16) NOT NULL DEFAULT 'pending', "activated_at" TIMESTAMP WITH TIME ZONE, "last_seen_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_8baab76969bb47226c119b3ed6d" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE INDEX "IDX_authenticator_devices_tenant_account" ON "authenticator_devices" ("tenant_id", "account_id")`,
    );
    await q.query(
      `CREATE TABLE "challenges" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tenant_id" uuid NOT NULL, "account_id" uuid NOT NULL, "flow_id" uuid, "method_id" uuid, "method_type" character varying(32) NOT NULL, "purpose" character varying(16) NOT NULL, "code_hash" bytea, "status" character varying(16) NOT NULL DEFAULT 'pending', "attempts" integer NOT NULL DEFAULT '0', "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "resolved_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_1e664e93171e20fe4d6125466af" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "IDX_challenges_expires_at" ON "challenges" ("expires_at")`);
    await q.query(
      `CREATE INDEX "IDX_challenges_tenant_account_status" ON "challenges" ("tenant_id", "account_id", "status")`,
    );
    await q.query(
      `CREATE TABLE "data_keys" ("tenant_id" uuid NOT NULL, "version" integer NOT NULL, "master_key_id" character varying(32) NOT NULL, "wrapped" bytea NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_7785aecfc0a3a89c6637f6ac8cc" PRIMARY KEY ("tenant_id", "version"))`,
    );
    await q.query(
      `CREATE TABLE "deliveries" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tenant_id" uuid NOT NULL, "challenge_id" uuid, "channel" character varying(16) NOT NULL, "provider" character varying(32), "idempotency_key" character varying(100) NOT NULL, "recipient_enc" bytea NOT NULL, "content_enc" bytea NOT NULL, "status" character varying(16) NOT NULL DEFAULT 'queued', "attempts" integer NOT NULL DEFAULT '0', "provider_message_id" character varying(200), "error_code" character varying(64), "sent_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a6ef225c5c5f0974e503bfb731f" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE INDEX "IDX_deliveries_provider_message" ON "deliveries" ("provider", "provider_message_id")`,
    );
    await q.query(`CREATE INDEX "IDX_deliveries_tenant_status" ON "deliveries" ("tenant_id", "status")`);
    await q.query(
      `CREATE UNIQUE INDEX "UQ_deliveries_idempotency_key" ON "deliveries" ("tenant_id", "idempotency_key")`,
    );
    await q.query(
      `CREATE TABLE "flows" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tenant_id" uuid NOT NULL, "account_id" uuid, "kind" character varying(16) NOT NULL, "state" character varying(32) NOT NULL, "step" integer NOT NULL DEFAULT '0', "data" jsonb NOT NULL DEFAULT '{}', "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "completed_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_c346955f4318ef565e6928462fe" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "IDX_flows_expires_at" ON "flows" ("expires_at")`);
    await q.query(`CREATE INDEX "IDX_flows_tenant_account" ON "flows" ("tenant_id", "account_id")`);
    await q.query(
      `CREATE TABLE "methods" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tenant_id" uuid NOT NULL, "account_id" uuid NOT NULL, "type" character varying(32) NOT NULL, "label" character varying(100), "details_enc" bytea NOT NULL, "device_ref" bytea NOT NULL, "is_default" boolean NOT NULL DEFAULT false, "verified_at" TIMESTAMP WITH TIME ZONE, "last_used_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_bd1e1f74f71be00abd0d2bc7c33" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE UNIQUE INDEX "UQ_methods_one_default" ON "methods" ("tenant_id", "account_id") WHERE "is_default"`,
    );
    await q.query(`CREATE INDEX "IDX_methods_tenant_account" ON "methods" ("tenant_id", "account_id")`);
    for (const [table, fk] of [
      ['accounts', 'FK_c1cce1e0d9cc2557038a7f639d7'],
      ['api_keys', 'FK_3ac18429c8d27858d79432e0dda'],
      ['audit_events', 'FK_d7ff59f708e396fd6c1656a66e9'],
      ['data_keys', 'FK_85ad4e621ec80ed39d73d0b5a97'],
      ['deliveries', 'FK_0a1592a7a19aefa6b5f48de701f'],
      ['flows', 'FK_74ffaf9c9f2c04d413241a99816'],
    ]) {
      await q.query(
        `ALTER TABLE "${table}" ADD CONSTRAINT "${fk}" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
      );
    }
    // A child row's account must belong to the child's own organisation: the key includes tenant_id.
    for (const [table, fk] of [
      ['authenticator_devices', 'FK_1b6697fd07aa365d2cd4a8d1a55'],
      ['challenges', 'FK_e6cd17c471c96b8a5206223a968'],
      ['methods', 'FK_157aa055365277fbddd561fd4b0'],
    ]) {
      await q.query(
        `ALTER TABLE "${table}" ADD CONSTRAINT "${fk}" FOREIGN KEY ("account_id", "tenant_id") REFERENCES "accounts"("id","tenant_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
      );
    }

    // a migration never changes: its own list, not the current one
    const tenantTables = [
      'data_keys',
      'accounts',
      'methods',
      'authenticator_devices',
      'challenges',
      'flows',
      'deliveries',
      'audit_events',
      'api_keys',
    ];
    for (const table of tenantTables) await applyTenantRls(q, table);

    // Organisations: each sees only itself; the operator (an explicit scope) sees and creates all.
    await q.query(`ALTER TABLE "tenants" ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE "tenants" FORCE ROW LEVEL SECURITY`);
    await q.query(
      `CREATE POLICY "tenants_read" ON "tenants" FOR SELECT USING ("id" = verity_current_tenant() OR verity_is_operator())`,
    );
    await q.query(
      `CREATE POLICY "tenants_update" ON "tenants" FOR UPDATE USING ("id" = verity_current_tenant() OR verity_is_operator())`,
    );
    await q.query(`CREATE POLICY "tenants_create" ON "tenants" FOR INSERT WITH CHECK (verity_is_operator())`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON "tenants" TO ${RUNTIME_ROLE}`);

    // The audit log is append-only, whoever asks.
    await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON "audit_events" FROM ${RUNTIME_ROLE}`);
    await q.query(`CREATE FUNCTION verity_refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$`);
    await q.query(`CREATE TRIGGER "audit_events_append_only" BEFORE UPDATE OR DELETE ON "audit_events"
      FOR EACH ROW EXECUTE FUNCTION verity_refuse_audit_change()`);
    await q.query(`CREATE TRIGGER "audit_events_no_truncate" BEFORE TRUNCATE ON "audit_events"
      FOR EACH STATEMENT EXECUTE FUNCTION verity_refuse_audit_change()`);

    // The only cross-organisation reads: narrow functions that return an id, run as the owner.
    await q.query(`CREATE FUNCTION verity_tenant_for_domain(domain text) RETURNS uuid
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
      $$ SELECT id FROM tenants WHERE lower(domain) = ANY (email_domains) AND status = 'active' LIMIT 1 $$`);
    await q.query(`CREATE FUNCTION verity_tenant_for_slug(wanted text) RETURNS uuid
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
      $$ SELECT id FROM tenants WHERE slug = wanted AND status = 'active' $$`);
    await q.query(`CREATE FUNCTION verity_tenant_for_api_key(wanted text) RETURNS uuid
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
      $$ SELECT k.tenant_id FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
         WHERE k.prefix = wanted AND k.revoked_at IS NULL AND t.status = 'active' $$`);
    for (const fn of [
      'verity_tenant_for_domain(text)',
      'verity_tenant_for_slug(text)',
      'verity_tenant_for_api_key(text)',
    ]) {
      await q.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
      await q.query(`GRANT EXECUTE ON FUNCTION ${fn} TO ${RUNTIME_ROLE}`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const fn of [
      'verity_tenant_for_api_key(text)',
      'verity_tenant_for_slug(text)',
      'verity_tenant_for_domain(text)',
    ]) {
      await q.query(`DROP FUNCTION IF EXISTS ${fn}`);
    }
    for (const table of [
      'methods',
      'challenges',
      'authenticator_devices',
      'flows',
      'deliveries',
      'data_keys',
      'audit_events',
      'api_keys',
      'accounts',
      'tenants',
    ]) {
      await q.query(`DROP TABLE IF EXISTS "${table}" CASCADE`);
    }
    await q.query(`DROP FUNCTION IF EXISTS verity_refuse_audit_change()`);
    await q.query(`DROP FUNCTION IF EXISTS verity_is_operator()`);
    await q.query(`DROP FUNCTION IF EXISTS verity_current_tenant()`);
  }
}
