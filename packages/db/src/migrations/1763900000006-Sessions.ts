import type { MigrationInterface, QueryRunner } from 'typeorm';
import { applyTenantRls, dropTenantRls } from './rls.js';

/**
 * Sessions of signed-in staff at relying applications (the portal): one per finished sign-in (`flow_id`, not a
 * foreign key, since finished flows are purged), found by the HMAC of its token, with its limits in the row.
 */
export class Sessions1763900000006 implements MigrationInterface {
  name = 'Sessions1763900000006';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "sessions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tenant_id" uuid NOT NULL, "account_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "flow_id" uuid NOT NULL, "token_hash" bytea NOT NULL, "acr" text NOT NULL, "amr" text array NOT NULL, "elevated" boolean NOT NULL, "idle_seconds" integer NOT NULL, "authenticated_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "revoked_at" TIMESTAMP WITH TIME ZONE, "revoked_reason" text, "ip" text, "user_agent" text, CONSTRAINT "PK_3238ef96f18b355b671619111bc" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE UNIQUE INDEX "UQ_sessions_flow_id" ON "sessions" ("flow_id")`);
    await q.query(`CREATE UNIQUE INDEX "UQ_sessions_token_hash" ON "sessions" ("token_hash")`);
    await q.query(`CREATE INDEX "IDX_sessions_tenant_account" ON "sessions" ("tenant_id", "account_id")`);
    // the account must belong to the session's own organisation: the key includes tenant_id
    await q.query(
      `ALTER TABLE "sessions" ADD CONSTRAINT "FK_870d9be364afa08cc64ec23ca37" FOREIGN KEY ("account_id", "tenant_id") REFERENCES "accounts"("id","tenant_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await applyTenantRls(q, 'sessions');
  }

  async down(q: QueryRunner): Promise<void> {
    await dropTenantRls(q, 'sessions');
    await q.query(`DROP TABLE "sessions"`);
  }
}
