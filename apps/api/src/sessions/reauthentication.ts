import { Injectable } from '@nestjs/common';
import { type AuditEntry, type Session, type TenantScope, Tenancy, audit, sessions } from '@verity/db';
import { STEP_UP_SECONDS } from '@verity/policy';
import { TenantCipher } from '@verity/secrets';
import { type ClientContext, userEvent } from '../sign-in/user-events.js';
import { sessionExpired } from './problems.js';
import { SESSION_TOKEN, newSessionToken, sessionTokenHash, useSession } from './session-token.js';

// Used by the sign-in when a step-up flow finishes: like session-token.ts, nothing here imports the sign-in's
// services.

/** The session a step-up flow re-authenticates (`data.stepUp` of its `flows` row). */
export interface StepUpOf {
  sessionId: string;
}

/** When the session dies if nothing more happens: its idle limit, never beyond its absolute one. */
export function idleExpiresAt(session: Session): Date {
  const idle = session.lastSeenAt.getTime() + session.idleSeconds * 1000;
  return new Date(Math.min(idle, session.expiresAt.getTime()));
}

/** Until when the session may change security info without another step-up (R31). */
export function stepUpUntil(session: Pick<Session, 'authenticatedAt'>): Date {
  return new Date(session.authenticatedAt.getTime() + STEP_UP_SECONDS * 1000);
}

/** A finished step-up of one session, and who finished it. */
export interface SteppedUp {
  stepUp: StepUpOf;
  flowId: string;
  accountId: string;
  /** The token the caller holds (the Verity-Session header of the finishing request). */
  token: string | undefined;
  /** The method references of the factor just proved, e.g. ["otp", "mfa"]. */
  amr: string[];
  client: ClientContext & { location?: string };
}

/**
 * Step-up of a live session (R31, R32): only the caller holding the session's token may use its step-up flow, and
 * a finished step-up re-authenticates the session with a new token.
 */
@Injectable()
export class SessionReauthentication {
  constructor(
    private readonly tenancy: Tenancy,
    private readonly cipher: TenantCipher,
  ) {}

  /**
   * Whether the caller holds the session a step-up flow re-authenticates: 401 `session-expired` when the token
   * names no live session (missing, unknown, ended, replaced); false when it names another session. Counts as
   * the session's activity.
   */
  async holds(scope: TenantScope, stepUp: StepUpOf, token: string | undefined): Promise<boolean> {
    return (await useSession(scope, this.cipher, token)).session.id === stepUp.sessionId;
  }

  /**
   * The session of a finished step-up, re-authenticated in one conditional UPDATE (authenticated now, aal2, the
   * factor's `amr` added, a new token; the absolute limit unchanged). 401 `session-expired` when the session
   * ended meanwhile or the token presented is no longer its. Audited either way (`session.stepped_up`).
   */
  async renew(scope: TenantScope, done: SteppedUp) {
    const token = newSessionToken();
    const renewed =
      done.token && SESSION_TOKEN.test(done.token)
        ? await sessions.reauthenticate(scope, {
            id: done.stepUp.sessionId,
            accountId: done.accountId,
            tokenHash: await sessionTokenHash(this.cipher, scope.tenantId, done.token),
            newTokenHash: await sessionTokenHash(this.cipher, scope.tenantId, token),
            acr: 'aal2',
            amr: done.amr,
          })
        : null;
    if (!renewed) {
      // recorded apart: the caller's transaction is rolled back by the refusal
      await this.tenancy.run(scope.tenantId, (own) =>
        audit.record(own, steppedUp(done, 'failure', { reason: 'session_ended' })),
      );
      throw sessionExpired();
    }
    const { session } = renewed;
    await audit.record(scope, steppedUp(done, 'success', { acr: session.acr, amr: session.amr }));
    return {
      token,
      authenticatedAt: session.authenticatedAt,
      expiresAt: session.expiresAt,
      idleExpiresAt: idleExpiresAt(session),
      stepUpUntil: stepUpUntil(session),
    };
  }
}

function steppedUp(
  done: SteppedUp,
  outcome: 'success' | 'failure',
  details: Record<string, unknown>,
): AuditEntry {
  return userEvent(done.accountId, 'session.stepped_up', outcome, done.client, {
    sessionId: done.stepUp.sessionId,
    flowId: done.flowId,
    ...details,
  });
}
