import type { MigrationInterface, QueryRunner } from 'typeorm';
import { applyTenantRls, dropTenantRls } from './rls.js';

/** An organisation's directory for password writeback (one per organisation), its settings encrypted. */
export class DirectorySettings1763900000010 implements MigrationInterface {
  name = 'DirectorySettings1763900000010';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "directory_settings" ("tenant_id" uuid NOT NULL, "kind" character varying(16) NOT NULL, "settings_enc" bytea NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_directory_settings" PRIMARY KEY ("tenant_id"))`,
    );
    await q.query(
      `ALTER TABLE "directory_settings" ADD CONSTRAINT "FK_directory_settings_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await applyTenantRls(q, 'directory_settings');
  }

  async down(q: QueryRunner): Promise<void> {
    await dropTenantRls(q, 'directory_settings');
    await q.query(`DROP TABLE "directory_settings"`);
  }
}
