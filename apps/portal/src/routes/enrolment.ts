import type { FastifyReply } from 'fastify';
import { type Enrolment, type VerityClient, VerityProblem } from '@verity/sdk';
import type { Portal, Visit } from '../portal.js';

/** Who adds the method: the signed-in person (Security info) or the wizard of a sign-in. */
export type EnrolmentHolder = { session: string } | { wizard: string };

/** An enrolment as the page shows it; after a "Resend", the number to type in the app too. */
export type Shown = Enrolment & { number?: string };

/** Methods that need a number or an address typed before they start. */
export const PHONE_TYPES = ['mobile_text', 'mobile_call', 'alternate_call', 'office_call'];
export const needsDetails = (type: string) => PHONE_TYPES.includes(type) || type === 'email';

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

/** An enrolment begun on Security info (a method added, a phone changed): only its id is kept, its code page comes next. */
export function keepEnrolment(visit: Visit, shown: { enrolmentId: string }): void {
  visit.session.enrolment = { org: visit.org.slug, enrolmentId: shown.enrolmentId };
}

/**
 * Where an enrolment stands, asked of the API each time its page is drawn: the portal keeps only the enrolment's
 * id, never its QR code, TOTP seed or activation link. Null when it is over or gone (404).
 */
export async function currentEnrolment(
  api: ReturnType<typeof enrolmentApi>,
  enrolmentId: string,
): Promise<Shown | null> {
  try {
    return await api.status(enrolmentId);
  } catch (error) {
    if (error instanceof VerityProblem && error.status === 404) return null;
    throw error;
  }
}

/** A phone number or address left blank: the error at its field; null when it was typed. */
export function detailsMissing(visit: Visit, type: string, fields: Record<string, string | undefined>) {
  if (type === 'email')
    return fields.email?.trim() ? null : [{ text: visit.t('securityInfo.emailMissing'), href: '#email' }];
  return fields.phone?.trim() ? null : [{ text: visit.t('securityInfo.phoneMissing'), href: '#phone' }];
}

/** The body "Add sign-in method" sends for a type and what the person typed. */
export function addBody(type: string, fields: Record<string, string | undefined>) {
  if (PHONE_TYPES.includes(type)) return { type, phone: fields.phone ?? '' };
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

/** The field an error on the enrolment page is about: the code, the first answer, or else the page's button. */
export function answerTarget(shown: Shown): string {
  if (shown.state === 'waiting_for_code' || shown.state === 'code_sent') return '#code';
  if (shown.state === 'waiting_for_answers') return `#answer-${shown.questions.from[0]?.id ?? ''}`;
  return '#next';
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
