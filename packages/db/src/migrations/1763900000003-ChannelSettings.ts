import type { MigrationInterface, QueryRunner } from 'typeorm';
import { applyTenantRls } from './rls.js';

export class ChannelSettings1763900000003 implements MigrationInterface {
  name = 'ChannelSettings1763900000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "channel_settings" ("tenant_id" uuid NOT NULL, "kind" character varying(16) NOT NULL, "provider" character varying(32) NOT NULL, "config_enc" bytea NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_e59d5d6c6bee8762581f561a834" PRIMARY KEY ("tenant_id", "kind"))`,
    );
    await q.query(
      `ALTER TABLE "channel_settings" ADD CONSTRAINT "FK_652b3d95c0b3e79e6bb7c84e157" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await applyTenantRls(q, 'channel_settings');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "channel_settings"`);
  }
}
