import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { VerityProblem } from '@verity/sdk';
import type { FieldError, Portal, Visit } from '../portal.js';
import {
  addBody,
  answerOf,
  answerTarget,
  currentEnrolment,
  detailsMissing,
  enrolmentApi,
  needsDetails,
  renderEnrolment,
} from './enrolment.js';

type Params = { org: string };
type Body = Record<string, string | undefined>;

const statusOf = (error: unknown) => (error instanceof VerityProblem ? error.status : 502);

/**
 * "Keep your account secure" (seed 000): the wizard a sign-in hands over to. "Method 1 of 2", the method the
 * organisation prefers first with "I want to set up a different method", each proved before it counts, and the
 * success page with the default sign-in method; "Done" finishes the sign-in. The session keeps the wizard's and
 * the enrolment's ids only: what an enrolment shows (a QR code, a TOTP seed) is asked of the API for each page.
 */
export function wizardRoutes(app: FastifyInstance, portal: Portal) {
  const visitOf = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    const visit = await portal.visitOr404(request, reply);
    if (!visit) return null;
    const wizard = visit.session.wizard;
    if (!wizard || wizard.org !== visit.org.slug) {
      await portal.redirect(reply, visit, '/sign-in');
      return null;
    }
    return { visit, flowId: wizard.flowId, wizard };
  };

  async function page(reply: FastifyReply, visit: Visit, flowId: string, errors?: FieldError[]) {
    const view = await visit.org.client.wizard.view(flowId);
    if (view.outcome === 'complete')
      return portal.render(reply, visit, 'wizard-done.njk', { title: visit.t('wizard.title'), view, errors });
    return portal.render(reply, visit, 'wizard.njk', { title: visit.t('wizard.title'), view, errors });
  }

  /** "I want to set up a different method": the other methods, none chosen until the person chooses. */
  async function choices(
    reply: FastifyReply,
    visit: Visit,
    flowId: string,
    problem?: { text: string; type?: string },
  ) {
    const view = await visit.org.client.wizard.view(flowId);
    const types = [view.offerFirst, ...view.otherChoices].filter((t): t is NonNullable<typeof t> =>
      Boolean(t),
    );
    const at = problem?.type && types.includes(problem.type as never) ? problem.type : types[0];
    return portal.render(reply, visit, 'add-method.njk', {
      title: visit.t('wizard.different'),
      choices: types.map((type) => ({ type })),
      action: `/${visit.org.slug}/register`,
      wizardStep: view.step,
      back: `/${visit.org.slug}/register`,
      ...(problem ? { chosen: problem.type, errors: [{ text: problem.text, href: `#type-${at}` }] } : {}),
    });
  }

  /** The number or address a phone or email needs, with the step, Back and the other methods. */
  async function details(
    reply: FastifyReply,
    visit: Visit,
    flowId: string,
    type: string,
    extra: { values?: Body; errors?: FieldError[] } = {},
  ) {
    const view = await visit.org.client.wizard.view(flowId);
    return portal.render(reply, visit, 'add-method.njk', {
      title: visit.t('wizard.title'),
      type,
      action: `/${visit.org.slug}/register`,
      wizardStep: view.step,
      wizardFlow: true,
      back: `/${visit.org.slug}/register`,
      ...extra,
    });
  }

  app.get<{ Params: Params }>('/:org/register', async (request, reply) => {
    const held = await visitOf(request, reply);
    if (!held) return reply;
    return page(reply, held.visit, held.flowId);
  });

  /** "Next" on a method: its enrolment starts (for a phone or address, once the number is typed). */
  app.post<{ Params: Params; Body: Body }>('/:org/register', async (request, reply) => {
    const held = await visitOf(request, reply);
    if (!held) return reply;
    const { visit, flowId } = held;
    const type = request.body.type ?? '';
    if (!type) return choices(reply.code(400), visit, flowId, { text: visit.t('choose.missing') });
    if (needsDetails(type)) {
      if (request.body.phone === undefined && request.body.email === undefined)
        return details(reply, visit, flowId, type);
      const missing = detailsMissing(visit, type, request.body);
      if (missing)
        return details(reply.code(400), visit, flowId, type, { values: request.body, errors: missing });
    }
    try {
      const shown = await enrolmentApi(visit.org.client, { wizard: flowId }).add(addBody(type, request.body));
      visit.session.wizard = { org: visit.org.slug, flowId, enrolmentId: shown.enrolmentId };
      return portal.redirect(reply, visit, '/register/enrolment');
    } catch (error) {
      if (needsDetails(type))
        return details(reply.code(statusOf(error)), visit, flowId, type, {
          values: request.body,
          errors: portal.formErrors(error, visit, type === 'email' ? '#email' : '#phone', ['phone', 'email']),
        });
      return choices(reply.code(statusOf(error)), visit, flowId, {
        text: portal.problemText(error, visit),
        type,
      });
    }
  });

  app.get<{ Params: Params }>('/:org/register/different', async (request, reply) => {
    const held = await visitOf(request, reply);
    if (!held) return reply;
    return choices(reply, held.visit, held.flowId);
  });

  async function enrolmentPage(
    reply: FastifyReply,
    visit: Visit,
    flowId: string,
    shown: Parameters<typeof renderEnrolment>[3],
    errors?: FieldError[],
  ) {
    const view = await visit.org.client.wizard.view(flowId);
    return renderEnrolment(portal, reply, visit, shown, `/${visit.org.slug}/register/enrolment`, {
      wizardStep: view.step,
      wizardFlow: true,
      ...(errors ? { errors } : {}),
    });
  }

  app.get<{ Params: Params }>('/:org/register/enrolment', async (request, reply) => {
    const held = await visitOf(request, reply);
    if (!held) return reply;
    const { visit, flowId, wizard } = held;
    const shown = wizard.enrolmentId
      ? await currentEnrolment(enrolmentApi(visit.org.client, { wizard: flowId }), wizard.enrolmentId)
      : null;
    if (!shown) {
      delete wizard.enrolmentId;
      return portal.redirect(reply, visit, '/register');
    }
    return enrolmentPage(reply, visit, flowId, shown);
  });

  app.post<{ Params: Params; Body: Body }>('/:org/register/enrolment', async (request, reply) => {
    const held = await visitOf(request, reply);
    if (!held) return reply;
    const { visit, flowId, wizard } = held;
    const enrolmentId = wizard.enrolmentId;
    if (!enrolmentId) return portal.redirect(reply, visit, '/register');
    const api = enrolmentApi(visit.org.client, { wizard: flowId });
    try {
      // the resend's answer (with the number to type in the app) is shown at once, never kept
      if (request.body.action === 'resend')
        return await enrolmentPage(reply, visit, flowId, await api.resend(enrolmentId));
      await api.verify(enrolmentId, answerOf(request.body));
      delete wizard.enrolmentId;
      return portal.redirect(reply, visit, '/register');
    } catch (error) {
      const text = portal.problemText(error, visit);
      const shown = await currentEnrolment(api, enrolmentId).catch(() => null);
      if (!shown) {
        delete wizard.enrolmentId;
        return page(reply.code(statusOf(error)), visit, flowId, [{ text, href: '#next' }]);
      }
      return enrolmentPage(reply.code(statusOf(error)), visit, flowId, shown, [
        { text, href: answerTarget(shown) },
      ]);
    }
  });

  /** "Sign out" when the wizard cannot be finished: the wizard is forgotten here and expires at the API. */
  app.post<{ Params: Params }>('/:org/register/sign-out', async (request, reply) => {
    const held = await visitOf(request, reply);
    if (!held) return reply;
    delete held.visit.session.wizard;
    return portal.render(reply, held.visit, 'message.njk', {
      title: held.visit.t('signOut.title'),
      link: { href: `/${held.visit.org.slug}/sign-in`, text: held.visit.t('signIn.title') },
    });
  });

  /** "Done" (or "Continue" when the rest cannot be set up) or "Skip for now": the sign-in's result becomes the session. */
  app.post<{ Params: Params; Body: Body }>('/:org/register/finish', async (request, reply) => {
    const held = await visitOf(request, reply);
    if (!held) return reply;
    const { visit, flowId } = held;
    try {
      const answer =
        request.body.action === 'snooze'
          ? await visit.org.client.wizard.snooze(flowId)
          : await visit.org.client.wizard.done(flowId);
      const made = await visit.org.client.sessions.exchange(answer.result, {
        ip: visit.client.ip,
        ...(visit.client.userAgent ? { userAgent: visit.client.userAgent } : {}),
      });
      (visit.session.tokens ??= {})[visit.org.slug] = made.token;
      delete visit.session.wizard;
      await portal.sessions.rotate(reply, visit.sessionId, visit.session);
      return reply.redirect(`/${visit.org.slug}/security-info`, 303);
    } catch (error) {
      return page(reply.code(statusOf(error)), visit, flowId, [
        { text: portal.problemText(error, visit), href: '#next' },
      ]);
    }
  });
}
