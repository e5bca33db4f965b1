import type { MigrationInterface, QueryRunner } from 'typeorm';
import { applyTenantRls } from './rls.js';

export class ProviderEvents1763900000002 implements MigrationInterface {
  name = 'ProviderEvents1763900000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "provider_events" ("tenant_id" uuid NOT NULL, "provider" character varying(32) NOT NULL, "event_id" character varying(200) NOT NULL, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_bb44efc9b9617d67942ae4e5513" PRIMARY KEY ("tenant_id", "provider", "event_id"))`,
    );
    await q.query(
      `ALTER TABLE "provider_events" ADD CONSTRAINT "FK_23d972c59d29074eb45079a15af" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await applyTenantRls(q, 'provider_events');
    await q.query(`REVOKE UPDATE ON "provider_events" FROM verity_runtime`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "provider_events"`);
  }
}
