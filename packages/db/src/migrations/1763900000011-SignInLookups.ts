import type { MigrationInterface, QueryRunner } from 'typeorm';
import { CHALLENGE_CREATED, SIGN_IN_CONTEXT } from './1763900000007-SignInStatements.js';

/** `sql` with `from` replaced by `to`; refuses to run if `from` is not there. */
function edited(sql: string, from: string, to: string): string {
  if (!sql.includes(from)) throw new Error(`migration 011: "${from}" not found`);
  return sql.replace(from, to);
}

// challenges has no index on flow_id: a lookup by the organisation and the flow alone can read every challenge
// of the organisation (every pending one, for the resend), and did once the planner kept a plan made while the
// table was small. Scoped to the flow's account, any index the planner picks finds a handful of rows.
const CONTEXT_READ = 'WHERE tenant_id = p_tenant AND flow_id = f.id';
const CONTEXT_READ_SCOPED = 'WHERE tenant_id = p_tenant AND account_id = f.account_id AND flow_id = f.id';
const RESEND_KILL = "WHERE tenant_id = p_tenant AND flow_id = p_flow AND status = 'pending'";
const RESEND_KILL_SCOPED =
  "WHERE tenant_id = p_tenant AND account_id = (p_challenge ->> 'account_id')::uuid AND flow_id = p_flow AND status = 'pending'";

/** The sign-in's challenge lookups by flow, scoped to the flow's account (see above). */
export class SignInLookups1763900000011 implements MigrationInterface {
  name = 'SignInLookups1763900000011';

  async up(q: QueryRunner): Promise<void> {
    await q.query(edited(SIGN_IN_CONTEXT, CONTEXT_READ, CONTEXT_READ_SCOPED));
    await q.query(edited(CHALLENGE_CREATED, RESEND_KILL, RESEND_KILL_SCOPED));
    // A method's row is updated at every use (the TOTP step, the failure count): room on its page lets the new
    // version stay there without touching the indexes (a HOT update).
    await q.query(`ALTER TABLE methods SET (fillfactor = 90)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE methods RESET (fillfactor)`);
    await q.query(SIGN_IN_CONTEXT);
    await q.query(CHALLENGE_CREATED);
  }
}
