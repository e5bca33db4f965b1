import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An authenticator app set up from Security info or the registration wizard belongs to that enrolment (a
 * `flows` row of kind `registration`): its methods count only once the person approves a test notification.
 */
export class Enrolment1763900000008 implements MigrationInterface {
  name = 'Enrolment1763900000008';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "authenticator_devices" ADD "enrolment_id" uuid`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "authenticator_devices" DROP COLUMN "enrolment_id"`);
  }
}
