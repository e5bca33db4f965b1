import type { ClientContext } from '../sign-in/user-events.js';

/**
 * Who is changing a person's security info: the person in a live session (Security info, after a step-up), or
 * the person in the registration wizard a sign-in handed over to (the sign-in flow's id).
 */
export interface Holder {
  tenantId: string;
  accountId: string;
  client: ClientContext & { location?: string };
  by: { session: string } | { wizard: string };
}

/** One string per holder, kept in an enrolment so that only its holder can go on with it. */
export function holderKey(holder: Holder): string {
  return 'session' in holder.by ? `session:${holder.by.session}` : `wizard:${holder.by.wizard}`;
}
