import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { VerityProblem } from '@verity/sdk';
import type { Portal, Visit } from '../portal.js';
import { addBody, answerOf, enrolmentApi, renderEnrolment } from './enrolment.js';

type Params = { org: string };
type Body = Record<string, string | undefined>;

/**
 * "Keep your account secure" (seed 000): the wizard a sign-in hands over to. "Method 1 of 2", the method the
 * organisation prefers first with "I want to set up a different method", each proved before it counts, and the
 * success page with the default sign-in method; "Done" finishes the sign-in.
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
    return { visit, flowId: wizard.flowId };
  };

  async function page(
    reply: FastifyReply,
    visit: Visit,
    flowId: string,
    errors?: { text: string; href: string }[],
  ) {
    const view = await visit.org.client.wizard.view(flowId);
    if (view.outcome === 'complete')
      return portal.render(reply, visit, 'wizard-done.njk', { title: visit.t('wizard.title'), view });
    return portal.render(reply, visit, 'wizard.njk', { title: visit.t('wizard.title'), view, errors });
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
    if (
      ['mobile_text', 'mobile_call', 'alternate_call', 'office_call', 'email'].includes(type) &&
      !request.body.phone &&
      !request.body.email
    )
      return portal.render(reply, visit, 'add-method.njk', {
        title: visit.t('wizard.title'),
        type,
        action: `/${visit.org.slug}/register`,
      });
    try {
      const shown = await enrolmentApi(visit.org.client, { wizard: flowId }).add(addBody(type, request.body));
      visit.session.wizard = {
        org: visit.org.slug,
        flowId,
        enrolmentId: (shown as { enrolmentId: string }).enrolmentId,
        shown: shown as unknown as Record<string, unknown>,
      };
      return portal.redirect(reply, visit, '/register/enrolment');
    } catch (error) {
      return page(reply.code(error instanceof VerityProblem ? error.status : 502), visit, flowId, [
        { text: portal.problemText(error, visit), href: '#type' },
      ]);
    }
  });

  app.get<{ Params: Params }>('/:org/register/different', async (request, reply) => {
    const held = await visitOf(request, reply);
    if (!held) return reply;
    const view = await held.visit.org.client.wizard.view(held.flowId);
    const choices = [view.offerFirst, ...view.otherChoices]
      .filter((t): t is NonNullable<typeof t> => Boolean(t))
      .map((type) => ({ type }));
    return portal.render(reply, held.visit, 'add-method.njk', {
      title: held.visit.t('wizard.different'),
      choices,
      action: `/${held.visit.org.slug}/register`,
    });
  });

  app.get<{ Params: Params }>('/:org/register/enrolment', async (request, reply) => {
    const held = await visitOf(request, reply);
    if (!held) return reply;
    const { visit, flowId } = held;
    const wizard = visit.session.wizard!;
    if (!wizard.enrolmentId) return portal.redirect(reply, visit, '/register');
    const shown = {
      ...(wizard.shown ?? {}),
      ...((await enrolmentApi(visit.org.client, { wizard: flowId })
        .status(wizard.enrolmentId)
        .catch(() => ({}))) as object),
    };
    const view = await visit.org.client.wizard.view(flowId);
    return renderEnrolment(portal, reply, visit, shown as never, `/${visit.org.slug}/register/enrolment`, {
      wizardStep: view.step,
      wizardFlow: true,
    });
  });

  app.post<{ Params: Params; Body: Body }>('/:org/register/enrolment', async (request, reply) => {
    const held = await visitOf(request, reply);
    if (!held) return reply;
    const { visit, flowId } = held;
    const wizard = visit.session.wizard!;
    if (!wizard.enrolmentId) return portal.redirect(reply, visit, '/register');
    const api = enrolmentApi(visit.org.client, { wizard: flowId });
    try {
      if (request.body.action === 'resend') {
        wizard.shown = {
          ...wizard.shown,
          ...((await api.resend(wizard.enrolmentId)) as unknown as Record<string, unknown>),
        };
        return portal.redirect(reply, visit, '/register/enrolment');
      }
      await api.verify(wizard.enrolmentId, answerOf(request.body));
      delete wizard.enrolmentId;
      delete wizard.shown;
      return portal.redirect(reply, visit, '/register');
    } catch (error) {
      const view = await visit.org.client.wizard.view(flowId);
      return renderEnrolment(
        portal,
        reply.code(error instanceof VerityProblem ? error.status : 502),
        visit,
        wizard.shown as never,
        `/${visit.org.slug}/register/enrolment`,
        {
          wizardStep: view.step,
          wizardFlow: true,
          errors: [{ text: portal.problemText(error, visit), href: '#code' }],
        },
      );
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
      return page(reply.code(error instanceof VerityProblem ? error.status : 502), visit, flowId, [
        { text: portal.problemText(error, visit), href: '#main' },
      ]);
    }
  });
}
