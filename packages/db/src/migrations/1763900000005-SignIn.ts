import type { MigrationInterface, QueryRunner } from 'typeorm';
import { applyTenantRls, dropTenantRls } from './rls.js';

/** Sign-in with MFA: factor lockout and TOTP single use, fraud reports, remembered devices, device activation. */
export class SignIn1763900000005 implements MigrationInterface {
  name = 'SignIn1763900000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "remembered_devices" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tenant_id" uuid NOT NULL, "account_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "token_hash" bytea NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_d0498d28b37f3c88dc26d54d9c3" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE UNIQUE INDEX "UQ_remembered_devices_token_hash" ON "remembered_devices" ("token_hash")`,
    );
    await q.query(
      `CREATE INDEX "IDX_remembered_devices_tenant_account" ON "remembered_devices" ("tenant_id", "account_id")`,
    );
    await q.query(
      `ALTER TABLE "remembered_devices" ADD CONSTRAINT "FK_2ff6c9f3c66440aedce250a8595" FOREIGN KEY ("account_id", "tenant_id") REFERENCES "accounts"("id","tenant_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await applyTenantRls(q, 'remembered_devices');

    await q.query(`ALTER TABLE "accounts" ADD "at_risk_since" TIMESTAMP WITH TIME ZONE`);
    await q.query(`ALTER TABLE "authenticator_devices" ADD "activation_hash" bytea`);
    await q.query(`ALTER TABLE "authenticator_devices" ADD "activation_expires_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(`ALTER TABLE "authenticator_devices" ADD "platform" character varying(16)`);
    await q.query(`ALTER TABLE "challenges" ADD "context" jsonb NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE "methods" ADD "failed_attempts" integer NOT NULL DEFAULT '0'`);
    await q.query(`ALTER TABLE "methods" ADD "locked_until" TIMESTAMP WITH TIME ZONE`);
    await q.query(`ALTER TABLE "methods" ADD "last_time_step" bigint`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [table, column] of [
      ['methods', 'last_time_step'],
      ['methods', 'locked_until'],
      ['methods', 'failed_attempts'],
      ['challenges', 'context'],
      ['authenticator_devices', 'platform'],
      ['authenticator_devices', 'activation_expires_at'],
      ['authenticator_devices', 'activation_hash'],
      ['accounts', 'at_risk_since'],
    ])
      await q.query(`ALTER TABLE "${table}" DROP COLUMN "${column}"`);
    await dropTenantRls(q, 'remembered_devices');
    await q.query(`DROP TABLE "remembered_devices"`);
  }
}
