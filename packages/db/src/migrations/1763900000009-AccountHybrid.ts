import type { MigrationInterface, QueryRunner } from 'typeorm';

/** "Office phone verification cannot be used by NHSmail Office 365 Hybrid users" (seed 001): set per account. */
export class AccountHybrid1763900000009 implements MigrationInterface {
  name = 'AccountHybrid1763900000009';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "accounts" ADD "hybrid" boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "accounts" DROP COLUMN "hybrid"`);
  }
}
