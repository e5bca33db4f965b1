import { Injectable } from '@nestjs/common';
import {
  type Session,
  type TenantScope,
  type TouchedSession,
  Tenancy,
  accounts,
  audit,
  flows,
  sessions,
} from '@verity/db';
import { sessionLimits } from '@verity/policy';
import { TenantCipher } from '@verity/secrets';
import { problems } from '../problem/problem.js';
import { ResultSigner } from '../sign-in/result-signer.js';
import { recordUserEvent } from '../sign-in/user-events.js';
import { resultRefused, resultUsed, sessionExpired } from './problems.js';
import { idleExpiresAt, stepUpUntil } from './reauthentication.js';
import type { ExchangeBody } from './schemas.js';
import { newSessionToken, sessionTokenHash, useSession } from './session-token.js';

/** The administrator (an organisation's console key) behind an action. */
export interface Administrator {
  tenantId: string;
  keyId: string;
}

function clientAtSignIn(data: Record<string, unknown>): { ip?: string; userAgent?: string } {
  const client = (data.client ?? {}) as Record<string, unknown>;
  return {
    ...(typeof client.ip === 'string' ? { ip: client.ip } : {}),
    ...(typeof client.userAgent === 'string' ? { userAgent: client.userAgent } : {}),
  };
}

/**
 * Sessions of signed-in staff at relying applications (R30, R32): made once from a finished sign-in's result,
 * held as a random token (only its HMAC is stored), used through one conditional UPDATE that enforces the idle
 * and absolute limits by the database's clock, and ended by sign-out, by the person, by an administrator or by
 * disabling the account.
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly tenancy: Tenancy,
    private readonly cipher: TenantCipher,
    private readonly signer: ResultSigner,
  ) {}

  /** The result of a finished sign-in, exchanged once for a session; the token is in this answer only. */
  async exchange(tenantId: string, body: ExchangeBody) {
    const result = await this.signer.verify(body.result, tenantId);
    if (!result) {
      await this.tenancy.run(tenantId, (scope) =>
        audit.record(scope, {
          actorType: 'anonymous',
          action: 'session.created',
          targetType: 'account',
          outcome: 'failure',
          ip: body.client?.ip ?? null,
          details: { reason: 'result_invalid' },
        }),
      );
      throw resultRefused();
    }
    const token = newSessionToken();
    const tokenHash = await this.hash(tenantId, token);
    const outcome = await this.tenancy.run(tenantId, async (scope) => {
      const flow = await flows.findCompleted(scope, result.flowId, 'sign_in');
      const account =
        flow?.accountId === result.accountId ? await accounts.findById(scope, result.accountId) : null;
      const client = { ...(flow ? clientAtSignIn(flow.data) : {}), ...body.client };
      if (!flow || !account || account.status !== 'active') {
        await recordUserEvent(scope, result.accountId, 'session.created', 'failure', client, {
          flowId: result.flowId,
          reason: account ? 'account_disabled' : 'sign_in_not_found',
        });
        return 'refused' as const;
      }
      const limits = sessionLimits({ elevatedRights: account.elevated });
      const session = await sessions.create(scope, {
        accountId: account.id,
        flowId: flow.id,
        tokenHash,
        acr: result.acr,
        amr: result.amr,
        elevated: account.elevated,
        authenticatedAt: flow.completedAt!,
        absoluteSeconds: limits.absoluteSeconds,
        idleSeconds: limits.idleSeconds,
        ip: client.ip ?? null,
        userAgent: client.userAgent ?? null,
      });
      if (!session) {
        await recordUserEvent(scope, account.id, 'session.created', 'failure', client, {
          flowId: flow.id,
          reason: 'result_already_used',
        });
        return 'used' as const;
      }
      await recordUserEvent(scope, account.id, 'session.created', 'success', client, {
        sessionId: session.id,
        acr: session.acr,
      });
      return { session, username: account.username, displayName: account.displayName };
    });
    if (outcome === 'refused') throw resultRefused();
    if (outcome === 'used') throw resultUsed();
    return { ...this.view(outcome), token };
  }

  /** The live session the token names, used now (its idle limit starts again); 401 in every other case. */
  use(tenantId: string, token: string | undefined): Promise<TouchedSession> {
    return this.tenancy.run(tenantId, (scope) => useSession(scope, this.cipher, token));
  }

  view({ session, username, displayName }: TouchedSession) {
    return {
      sessionId: session.id,
      account: { id: session.accountId, username, displayName },
      acr: session.acr,
      amr: session.amr,
      authenticatedAt: session.authenticatedAt,
      createdAt: session.createdAt,
      expiresAt: session.expiresAt,
      idleExpiresAt: idleExpiresAt(session),
      stepUpUntil: stepUpUntil(session),
    };
  }

  /** Sign-out: this session ends; its token is refused from now on. */
  async signOut(tenantId: string, current: Session): Promise<void> {
    const ended = await this.tenancy.run(tenantId, async (scope) => {
      if (!(await sessions.revoke(scope, current.id, 'signed_out', current.accountId))) return false;
      await recordUserEvent(
        scope,
        current.accountId,
        'session.signed_out',
        'success',
        {},
        {
          sessionId: current.id,
        },
      );
      return true;
    });
    if (!ended) throw sessionExpired();
  }

  /** The person's own live sessions, the most recently used first. */
  list(tenantId: string, current: Session) {
    return this.tenancy.run(tenantId, async (scope) => ({
      sessions: (await sessions.listOf(scope, current.accountId)).map((s) => ({
        id: s.id,
        createdAt: s.createdAt,
        lastSeenAt: s.lastSeenAt,
        expiresAt: s.expiresAt,
        idleExpiresAt: idleExpiresAt(s),
        acr: s.acr,
        ip: s.ip,
        userAgent: s.userAgent,
        current: s.id === current.id,
      })),
    }));
  }

  /** Ends one of the person's own live sessions (another device's, or this one); 404 for anyone else's. */
  async revokeOwn(tenantId: string, current: Session, sessionId: string): Promise<void> {
    const ended = await this.tenancy.run(tenantId, async (scope) => {
      if (!(await sessions.revoke(scope, sessionId, 'revoked_by_user', current.accountId))) return false;
      await recordUserEvent(
        scope,
        current.accountId,
        'session.revoked',
        'success',
        {},
        {
          sessionId,
          current: sessionId === current.id,
        },
      );
      return true;
    });
    if (!ended) throw problems.notFound('session');
  }

  /** An administrator ends every session of the account. */
  revokeAll(admin: Administrator, accountId: string): Promise<void> {
    return this.asAdministrator(admin, accountId, 'sessions.revoked', async (scope) => ({
      sessionsRevoked: await sessions.revokeAllOf(scope, accountId, 'revoked_by_admin'),
    }));
  }

  /** An administrator disables the account: it cannot sign in, and every session of it ends now. */
  disable(admin: Administrator, accountId: string): Promise<void> {
    return this.asAdministrator(admin, accountId, 'account.disabled', async (scope) => {
      const changed = await accounts.setStatus(scope, accountId, 'disabled');
      return { changed, sessionsRevoked: await sessions.revokeAllOf(scope, accountId, 'account_disabled') };
    });
  }

  /** An administrator enables the account again; sessions ended when it was disabled stay ended. */
  enable(admin: Administrator, accountId: string): Promise<void> {
    return this.asAdministrator(admin, accountId, 'account.enabled', async (scope) => ({
      changed: await accounts.setStatus(scope, accountId, 'active'),
    }));
  }

  private asAdministrator(
    { tenantId, keyId }: Administrator,
    accountId: string,
    action: string,
    change: (scope: TenantScope) => Promise<Record<string, unknown>>,
  ): Promise<void> {
    return this.tenancy.run(tenantId, async (scope) => {
      if (!(await accounts.findById(scope, accountId))) throw problems.notFound('account');
      const details = await change(scope);
      await audit.record(scope, {
        actorType: 'admin',
        actorId: `api-key:${keyId}`,
        action,
        targetType: 'account',
        targetId: accountId,
        outcome: 'success',
        details,
      });
    });
  }

  private hash(tenantId: string, token: string): Promise<Buffer> {
    return sessionTokenHash(this.cipher, tenantId, token);
  }
}
