import type { FastifyReply } from 'fastify';
import type { VerityClient } from '@verity/sdk';
import type { Portal, Visit } from '../portal.js';

/** Who adds the method: the signed-in person (Security info) or the wizard of a sign-in. */
export type EnrolmentHolder = { session: string } | { wizard: string };

type Shown = Record<string, unknown> & { enrolmentId: string; type: string; state: string };

/** The API calls of an enrolment, for either holder. */
export function enrolmentApi(client: VerityClient, holder: EnrolmentHolder) {
  return 'session' in holder
    ? {
        add: (body: Record<string, unknown>) => client.securityInfo.addMethod(holder.session, body as never),
        status: (id: string) => client.securityInfo.enrolment(holder.session, id),
        resend: (id: string) => client.securityInfo.resend(holder.session, id),
        verify: (id: string, answer: Record<string, unknown>) =>
          client.securityInfo.verify(holder.session, id, answer as never),
      }
    : {
        add: (body: Record<string, unknown>) => client.wizard.addMethod(holder.wizard, body as never),
        status: (id: string) => client.wizard.enrolment(holder.wizard, id),
        resend: (id: string) => client.wizard.resend(holder.wizard, id),
        verify: (id: string, answer: Record<string, unknown>) =>
          client.wizard.verify(holder.wizard, id, answer as never),
      };
}

/** An enrolment begun on Security info (a method added, a phone changed): its code page comes next. */
export function keepEnrolment(visit: Visit, shown: unknown): void {
  visit.session.enrolment = {
    org: visit.org.slug,
    enrolmentId: (shown as { enrolmentId: string }).enrolmentId,
    shown: shown as Record<string, unknown>,
  };
}

/** The body "Add sign-in method" sends for a type and what the person typed. */
export function addBody(type: string, fields: Record<string, string | undefined>) {
  if (['mobile_text', 'mobile_call', 'alternate_call', 'office_call'].includes(type))
    return { type, phone: fields.phone ?? '' };
  if (type === 'email') return { type, email: fields.email ?? '' };
  return { type };
}

/** What the person answers on the enrolment page, from the form. */
export function answerOf(fields: Record<string, string | undefined>) {
  if (fields.credential) return { credential: JSON.parse(fields.credential) as Record<string, unknown> };
  const answers = Object.entries(fields)
    .filter(([k, v]) => k.startsWith('answer-') && v !== undefined)
    .map(([k, v]) => ({ questionId: k.slice('answer-'.length), answer: v! }));
  if (answers.length > 0) return { answers };
  const code = (fields.code ?? '').replace(/\s+/g, '');
  return code ? { code } : {};
}

export function renderEnrolment(
  portal: Portal,
  reply: FastifyReply,
  visit: Visit,
  shown: Shown,
  action: string,
  extra: Record<string, unknown> = {},
) {
  return portal.render(reply, visit, 'enrolment.njk', {
    title: visit.t(
      shown.type === 'authenticator_push' || shown.type === 'authenticator_code'
        ? 'enrol.appTitle'
        : 'securityInfo.add',
    ),
    shown,
    action,
    ...extra,
  });
}
