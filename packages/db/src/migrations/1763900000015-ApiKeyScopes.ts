import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The scopes of apps/api/src/auth/scope-names.ts as they were when this migration was written. */
const EVERY_SCOPE = [
  'sign-in',
  'security-info',
  'password-reset',
  'devices',
  'people',
  'policy',
  'channels',
  'directory',
  'audit',
  'sandbox',
  'forwarded-address',
];
/** The names keys could be issued with before scopes were checked, and what each meant. */
const LEGACY = { 'accounts:read': 'people', 'accounts:write': 'people', 'audit:read': 'audit' };

/**
 * Scopes are checked from now on. A key issued without scopes (every key the CLI and seed-demo made) could do
 * everything, portal keys included: it keeps every scope, `forwarded-address` too, so no relying app or portal
 * stops working or loses its users' addresses at the upgrade. Reissue such keys with only what each needs and
 * revoke the old ones. A key issued with the old names keeps what they named (accounts:* → people, audit:read →
 * audit), its issuer's stated intent.
 */
export class ApiKeyScopes1763900000015 implements MigrationInterface {
  name = 'ApiKeyScopes1763900000015';

  async up(q: QueryRunner): Promise<void> {
    // every organisation's keys at once: the owner steps outside the forced row-level security for this
    await q.query(`ALTER TABLE "api_keys" NO FORCE ROW LEVEL SECURITY`);
    await q.query(`UPDATE "api_keys" SET "scopes" = $1 WHERE cardinality("scopes") = 0`, [EVERY_SCOPE]);
    await q.query(
      `UPDATE "api_keys" k SET "scopes" = ARRAY(
         SELECT DISTINCT coalesce(($1::jsonb) ->> s, s) FROM unnest(k."scopes") s
          WHERE s = ANY ($2::text[]) OR ($1::jsonb) ? s ORDER BY 1)
        WHERE NOT (k."scopes" <@ $2::text[])`,
      [JSON.stringify(LEGACY), EVERY_SCOPE],
    );
    await q.query(`ALTER TABLE "api_keys" FORCE ROW LEVEL SECURITY`);
  }

  async down(): Promise<void> {
    // scopes named before stay named: the older code did not read them
  }
}
