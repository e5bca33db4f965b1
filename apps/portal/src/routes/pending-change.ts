import type { MessageKey } from '../locales/en.js';
import type { Portal, Visit } from '../portal.js';
import type { PendingChange } from '../session.js';
import { addBody, enrolmentApi, keepEnrolment } from './enrolment.js';

export type { PendingChange };

/** "To change your default sign-in method, we need to check it's you.": the step-up page says why it asks. */
export function stepUpReason(pending: PendingChange | undefined): MessageKey {
  return pending ? `stepUp.why.${pending.action}` : 'stepUp.why.change';
}

/**
 * The Security info change a step-up interrupted, made now with the session's new token: the new default or a
 * deletion with the success banner, an added method or a new phone number on to its code page. Where to go next;
 * if the API refuses the change now, back to its form with the reason shown.
 */
export async function applyPendingChange(
  portal: Portal,
  visit: Visit,
  token: string,
  pending: PendingChange,
  returnTo: string,
): Promise<string> {
  const base = `/${visit.org.slug}`;
  const client = visit.org.client;
  try {
    switch (pending.action) {
      case 'setDefault':
        await client.securityInfo.setDefault(token, pending.methodId);
        visit.session.flash = { kind: 'success', text: visit.t('securityInfo.defaultChanged') };
        return `${base}/security-info`;
      case 'delete':
        await client.securityInfo.remove(token, pending.methodId);
        visit.session.flash = { kind: 'success', text: visit.t('securityInfo.deleted') };
        return `${base}/security-info`;
      case 'changePhone':
      case 'add': {
        const shown =
          pending.action === 'add'
            ? await enrolmentApi(client, { session: token }).add(addBody(pending.type, pending))
            : await client.securityInfo.changePhone(token, pending.methodId, pending.phone);
        keepEnrolment(visit, shown);
        return `${base}/security-info/enrolment`;
      }
    }
  } catch (error) {
    visit.session.flash = { kind: 'info', text: portal.problemText(error, visit) };
    return returnTo;
  }
}
