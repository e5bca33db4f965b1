import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { TouchedSession } from '@verity/db';
import type { AuthedRequest } from '../auth/guards.js';
import { SESSION_HEADER } from './schemas.js';
import { SessionsService } from './sessions.service.js';

export type SessionRequest = AuthedRequest & { staffSession?: TouchedSession };

/**
 * The signed-in person behind a relying application's request: the token in the Verity-Session header, for the
 * organisation whose key the request carries (so after TenantKeyGuard). Using it counts as activity.
 */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(private readonly sessions: SessionsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<SessionRequest>();
    const header = request.headers[SESSION_HEADER];
    request.staffSession = await this.sessions.use(
      request.tenant!.tenantId,
      typeof header === 'string' ? header : undefined,
    );
    return true;
  }
}
