import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  UseGuards,
  applyDecorators,
} from '@nestjs/common';
import type { Session } from '@verity/db';
import { STEP_UP_SECONDS } from '@verity/policy';
import { sessionExpired, stepUpRequired } from './problems.js';
import { stepUpUntil } from './reauthentication.js';
import { SessionGuard, type SessionRequest } from './session.guard.js';

/**
 * Refuses (401 `step-up-required`) a session whose last authentication (the sign-in, or a later step-up) is older
 * than STEP_UP_SECONDS: before a change that affects authentication or recovery (R31), the person proves who they
 * are again with POST /v1/session/step-up.
 */
export function requireRecentAuthentication(session: Pick<Session, 'authenticatedAt'>): void {
  if (Date.now() >= stepUpUntil(session).getTime()) throw stepUpRequired(STEP_UP_SECONDS / 60);
}

/** After SessionGuard: the session must have authenticated within STEP_UP_SECONDS (see RecentAuthentication). */
@Injectable()
export class StepUpGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const { staffSession } = context.switchToHttp().getRequest<SessionRequest>();
    if (!staffSession) throw sessionExpired();
    requireRecentAuthentication(staffSession.session);
    return true;
  }
}

/**
 * A route for a live session whose person authenticated within the last 10 minutes (STEP_UP_SECONDS): the
 * session (SessionGuard, so after TenantKeyGuard), then StepUpGuard. Every change of security info uses it.
 */
export const RecentAuthentication = () => applyDecorators(UseGuards(SessionGuard, StepUpGuard));
