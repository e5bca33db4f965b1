import { type AuditEntry, type TenantScope, audit } from '@verity/db';

/** Where a person's request came from, as the relying application tells it. */
export interface ClientContext {
  ip?: string;
  userAgent?: string;
  /** The relying application the person is signing in to, shown in the authenticator app. */
  app?: string;
}

/** One step of a person's own sign-in or session in the organisation's audit log, with where it came from. */
export function recordUserEvent(scope: TenantScope, ...event: Parameters<typeof userEvent>) {
  return audit.record(scope, userEvent(...event));
}

export function userEvent(
  accountId: string,
  action: string,
  outcome: 'success' | 'failure' | 'denied',
  client: ClientContext & { location?: string },
  details: Record<string, unknown> = {},
): AuditEntry {
  return {
    actorType: 'user',
    actorId: accountId,
    action,
    targetType: 'account',
    targetId: accountId,
    outcome,
    ip: client.ip ?? null,
    details: {
      ...details,
      ...(client.userAgent ? { userAgent: client.userAgent } : {}),
      ...(client.location ? { location: client.location } : {}),
      ...(client.app ? { app: client.app } : {}),
    },
  };
}
