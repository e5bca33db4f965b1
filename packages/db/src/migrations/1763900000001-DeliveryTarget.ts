import type { MigrationInterface, QueryRunner } from 'typeorm';

export class DeliveryTarget1763900000001 implements MigrationInterface {
  name = 'DeliveryTarget1763900000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "deliveries" ADD "target_id" uuid`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "deliveries" DROP COLUMN "target_id"`);
  }
}
