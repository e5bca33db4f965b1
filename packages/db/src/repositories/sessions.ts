import { Session, type SessionRevokedReason } from '../entities/index.js';
import { hydrate } from '../rows.js';
import type { TenantScope } from '../tenancy.js';
import { isUuid } from '../tenancy.js';

export interface NewSession {
  accountId: string;
  flowId: string;
  tokenHash: Buffer;
  acr: string;
  amr: string[];
  elevated: boolean;
  /** When the person authenticated (the sign-in finished); the absolute limit runs from here. */
  authenticatedAt: Date;
  absoluteSeconds: number;
  idleSeconds: number;
  ip: string | null;
  userAgent: string | null;
}

/** A session that was live and has just been used, with the names of its account. */
export interface TouchedSession {
  session: Session;
  username: string;
  displayName: string;
}

// Live: not revoked, before its absolute limit, and used within its idle limit, all by the database's clock.
const LIVE = `s.revoked_at IS NULL AND s.expires_at > now()
  AND s.last_seen_at > now() - make_interval(secs => s.idle_seconds)`;

type Row = Record<string, unknown>;

function fromRow(scope: TenantScope, row: Row): Session {
  return hydrate(scope.manager.connection, Session, row)!;
}

/** A session row with its account's names (`account_username`, `account_display_name`). */
function withAccount(scope: TenantScope, row: Row): TouchedSession {
  return {
    session: fromRow(scope, row),
    username: row.account_username as string,
    displayName: row.account_display_name as string,
  };
}

export const sessions = {
  /**
   * A new session for a finished sign-in, expiring `absoluteSeconds` after the authentication; null when that
   * sign-in already has one (a result is exchanged once, however many try at the same time).
   */
  async create(scope: TenantScope, data: NewSession): Promise<Session | null> {
    const rows: Row[] = await scope.manager.query(
      `INSERT INTO sessions AS s (tenant_id, account_id, flow_id, token_hash, acr, amr, elevated, idle_seconds,
              authenticated_at, last_seen_at, expires_at, ip, user_agent)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now(), $9::timestamptz + make_interval(secs => $10), $11, $12)
       ON CONFLICT (flow_id) DO NOTHING
       RETURNING s.*`,
      [
        scope.tenantId,
        data.accountId,
        data.flowId,
        data.tokenHash,
        data.acr,
        data.amr,
        data.elevated,
        data.idleSeconds,
        data.authenticatedAt,
        data.absoluteSeconds,
        data.ip,
        data.userAgent,
      ],
    );
    return rows[0] ? fromRow(scope, rows[0]) : null;
  },

  /** The session with this token hash, in whatever state (revoked and expired ones too); null when none. */
  async findByTokenHash(scope: TenantScope, tokenHash: Buffer): Promise<Session | null> {
    const rows: Row[] = await scope.manager.query(
      `SELECT s.* FROM sessions s WHERE s.tenant_id = $1 AND s.token_hash = $2`,
      [scope.tenantId, tokenHash],
    );
    return rows[0] ? fromRow(scope, rows[0]) : null;
  },

  /**
   * Uses the session: one conditional UPDATE that moves `last_seen_at` to now only while the session is live
   * and its account active, so it refuses (null) a revoked session, one past its absolute limit, one idle
   * for longer than its limit, and one whose account was disabled. Nothing else extends a session, and this
   * never moves the absolute limit.
   */
  async touch(scope: TenantScope, tokenHash: Buffer): Promise<TouchedSession | null> {
    // an UPDATE answers [rows, affected]
    const [rows]: [Row[], number] = await scope.manager.query(
      `UPDATE sessions s SET last_seen_at = now()
         FROM accounts a
        WHERE s.tenant_id = $1 AND s.token_hash = $2 AND ${LIVE}
          AND a.tenant_id = s.tenant_id AND a.id = s.account_id AND a.status = 'active'
        RETURNING s.*, a.username AS account_username, a.display_name AS account_display_name`,
      [scope.tenantId, tokenHash],
    );
    return rows[0] ? withAccount(scope, rows[0]) : null;
  },

  /**
   * Re-authentication (a step-up) of the account's live session held with `tokenHash`: one conditional UPDATE
   * that sets `authenticated_at` (and `last_seen_at`) to now, raises `acr`, adds the factor's method references
   * to `amr` and swaps the token for `newTokenHash`, so the old token is refused from then on. The absolute limit
   * (`expires_at`) does not move. Null when there is no such live session of an active account (revoked,
   * expired, idle, another person's, or its token already replaced).
   */
  async reauthenticate(
    scope: TenantScope,
    change: {
      id: string;
      accountId: string;
      tokenHash: Buffer;
      newTokenHash: Buffer;
      acr: string;
      amr: string[];
    },
  ): Promise<TouchedSession | null> {
    if (!isUuid(change.id)) return null;
    const [rows]: [Row[], number] = await scope.manager.query(
      `UPDATE sessions s SET authenticated_at = now(), last_seen_at = now(), acr = $6, token_hash = $5,
              amr = ARRAY(SELECT m FROM unnest(s.amr || $7::text[]) WITH ORDINALITY AS t(m, n)
                           GROUP BY m ORDER BY min(n))
         FROM accounts a
        WHERE s.tenant_id = $1 AND s.id = $2 AND s.account_id = $3 AND s.token_hash = $4 AND ${LIVE}
          AND a.tenant_id = s.tenant_id AND a.id = s.account_id AND a.status = 'active'
        RETURNING s.*, a.username AS account_username, a.display_name AS account_display_name`,
      [
        scope.tenantId,
        change.id,
        change.accountId,
        change.tokenHash,
        change.newTokenHash,
        change.acr,
        change.amr,
      ],
    );
    return rows[0] ? withAccount(scope, rows[0]) : null;
  },

  /**
   * Ends one live session; with `accountId`, only if it is that account's. False when there is no such live
   * session (unknown, another person's or another organisation's, already ended).
   */
  async revoke(
    scope: TenantScope,
    id: string,
    reason: SessionRevokedReason,
    accountId?: string,
  ): Promise<boolean> {
    if (!isUuid(id)) return false;
    const [, affected]: [unknown, number] = await scope.manager.query(
      `UPDATE sessions s SET revoked_at = now(), revoked_reason = $3
        WHERE s.tenant_id = $1 AND s.id = $2 AND ($4::uuid IS NULL OR s.account_id = $4) AND ${LIVE}`,
      [scope.tenantId, id, reason, accountId ?? null],
    );
    return affected === 1;
  },

  /** Ends every live session of the account; how many there were. */
  async revokeAllOf(scope: TenantScope, accountId: string, reason: SessionRevokedReason): Promise<number> {
    const [, affected]: [unknown, number] = await scope.manager.query(
      `UPDATE sessions s SET revoked_at = now(), revoked_reason = $3
        WHERE s.tenant_id = $1 AND s.account_id = $2 AND ${LIVE}`,
      [scope.tenantId, accountId, reason],
    );
    return affected;
  },

  /** The account's live sessions, the most recently used first. */
  async listOf(scope: TenantScope, accountId: string): Promise<Session[]> {
    const rows: Row[] = await scope.manager.query(
      `SELECT s.* FROM sessions s WHERE s.tenant_id = $1 AND s.account_id = $2 AND ${LIVE}
        ORDER BY s.last_seen_at DESC, s.created_at DESC`,
      [scope.tenantId, accountId],
    );
    return rows.map((row) => fromRow(scope, row));
  },
};
