import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { VerityProblem } from '@verity/sdk';
import type { MessageKey } from '../locales/en.js';
import type { Portal, Visit } from '../portal.js';
import {
  addBody,
  answerOf,
  answerTarget,
  currentEnrolment,
  detailsMissing,
  enrolmentApi,
  keepEnrolment,
  needsDetails,
  renderEnrolment,
} from './enrolment.js';
import type { PendingChange } from './pending-change.js';

type Params = { org: string };
type Body = Record<string, string | undefined>;

const statusOf = (error: unknown) => (error instanceof VerityProblem ? error.status : 502);

/**
 * Security info: the person's methods, "Add sign-in method", change a phone, delete, the default sign-in method.
 * A change the API refuses for want of a recent authentication starts a step-up, then comes back here.
 */
export function securityInfoRoutes(app: FastifyInstance, portal: Portal) {
  /** The signed-in visit, or a redirect to sign in. */
  const signedIn = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    const visit = await portal.visitOr404(request, reply);
    if (!visit) return null;
    const token = visit.session.tokens?.[visit.org.slug];
    if (!token) {
      await portal.redirect(reply, visit, '/sign-in');
      return null;
    }
    return { visit, token };
  };

  /**
   * The API said the change needs a fresh check: a step-up that says why, then the `pending` change is made (or,
   * with none, back to `returnTo`); or the session is over.
   */
  async function problem(
    reply: FastifyReply,
    visit: Visit,
    token: string,
    error: unknown,
    returnTo: string,
    pending?: PendingChange,
  ) {
    if (error instanceof VerityProblem && error.code === 'step-up-required') {
      const stepUp = await visit.org.client.sessions.stepUp(token, visit.client);
      visit.session.signIn = {
        org: visit.org.slug,
        flowId: stepUp.flowId,
        ...(stepUp.defaultMethodId ? { methodId: stepUp.defaultMethodId } : {}),
        methods: stepUp.methods ?? [],
        stepUp: true,
        returnTo: `/${visit.org.slug}${returnTo}`,
        ...(pending ? { pending } : {}),
      };
      return portal.redirect(reply, visit, '/sign-in/verify');
    }
    if (error instanceof VerityProblem && error.code === 'session-expired') {
      delete visit.session.tokens?.[visit.org.slug];
      return portal.redirect(reply, visit, '/sign-in');
    }
    return null;
  }

  app.get<{ Params: Params }>('/:org/security-info', async (request, reply) => {
    const held = await signedIn(request, reply);
    if (!held) return reply;
    const { visit, token } = held;
    try {
      const overview = await visit.org.client.securityInfo.overview(token);
      const session = await visit.org.client.sessions.current(token);
      return portal.render(reply, visit, 'security-info.njk', {
        title: visit.t('securityInfo.title'),
        overview,
        idleExpiresAt: session.idleExpiresAt,
      });
    } catch (error) {
      return (await problem(reply, visit, token, error, '/security-info')) ?? Promise.reject(error);
    }
  });

  app.get<{ Params: Params; Querystring: { type?: string } }>(
    '/:org/security-info/add',
    async (request, reply) => {
      const held = await signedIn(request, reply);
      if (!held) return reply;
      const { visit, token } = held;
      const overview = await visit.org.client.securityInfo.overview(token);
      return portal.render(reply, visit, 'add-method.njk', addPage(visit, overview, request.query.type));
    },
  );

  /** "Stay signed in": any call with the token counts as activity at the API. */
  app.post<{ Params: Params }>('/:org/session/keep-alive', async (request, reply) => {
    const held = await signedIn(request, reply);
    if (!held) return reply;
    try {
      await held.visit.org.client.sessions.current(held.token);
    } catch (error) {
      const handled = await problem(reply, held.visit, held.token, error, '/security-info');
      if (handled) return handled;
    }
    return portal.redirect(reply, held.visit, '/security-info');
  });

  app.post<{ Params: Params; Body: Body }>('/:org/security-info/add', async (request, reply) => {
    const held = await signedIn(request, reply);
    if (!held) return reply;
    const { visit, token } = held;
    const type = request.body.type ?? '';
    if (!type) {
      const overview = await visit.org.client.securityInfo.overview(token);
      return portal.render(reply.code(400), visit, 'add-method.njk', {
        ...addPage(visit, overview, undefined),
        errors: [{ text: visit.t('choose.missing'), href: `#type-${choiceOf(overview, '')}` }],
      });
    }
    if (needsDetails(type)) {
      if (request.body.phone === undefined && request.body.email === undefined)
        return portal.redirect(reply, visit, `/security-info/add?type=${encodeURIComponent(type)}`);
      const missing = detailsMissing(visit, type, request.body);
      if (missing) {
        const overview = await visit.org.client.securityInfo.overview(token);
        return portal.render(reply.code(400), visit, 'add-method.njk', {
          ...addPage(visit, overview, type),
          values: request.body,
          errors: missing,
        });
      }
    }
    try {
      const shown = await enrolmentApi(visit.org.client, { session: token }).add(addBody(type, request.body));
      keepEnrolment(visit, shown);
      return portal.redirect(reply, visit, '/security-info/enrolment');
    } catch (error) {
      const handled = await problem(
        reply,
        visit,
        token,
        error,
        `/security-info/add?type=${encodeURIComponent(type)}`,
        { action: 'add', ...addBody(type, request.body) },
      );
      if (handled) return handled;
      const overview = await visit.org.client.securityInfo.overview(token);
      return portal.render(reply.code(statusOf(error)), visit, 'add-method.njk', {
        ...addPage(visit, overview, needsDetails(type) ? type : undefined),
        values: request.body,
        chosen: type,
        errors: needsDetails(type)
          ? portal.formErrors(error, visit, type === 'email' ? '#email' : '#phone', ['phone', 'email'])
          : [{ text: portal.problemText(error, visit), href: `#type-${choiceOf(overview, type)}` }],
      });
    }
  });

  app.get<{ Params: Params }>('/:org/security-info/enrolment', async (request, reply) => {
    const held = await signedIn(request, reply);
    if (!held) return reply;
    const { visit, token } = held;
    const enrolment = visit.session.enrolment;
    if (!enrolment) return portal.redirect(reply, visit, '/security-info');
    let shown;
    try {
      shown = await currentEnrolment(
        enrolmentApi(visit.org.client, { session: token }),
        enrolment.enrolmentId,
      );
    } catch (error) {
      return (await problem(reply, visit, token, error, '/security-info/enrolment')) ?? Promise.reject(error);
    }
    if (!shown) {
      delete visit.session.enrolment;
      return portal.redirect(reply, visit, '/security-info');
    }
    return renderEnrolment(portal, reply, visit, shown, `/${visit.org.slug}/security-info/enrolment`);
  });

  app.post<{ Params: Params; Body: Body }>('/:org/security-info/enrolment', async (request, reply) => {
    const held = await signedIn(request, reply);
    if (!held) return reply;
    const { visit, token } = held;
    const enrolment = visit.session.enrolment;
    if (!enrolment) return portal.redirect(reply, visit, '/security-info');
    const api = enrolmentApi(visit.org.client, { session: token });
    try {
      // the resend's answer (with the number to type in the app) is shown at once, never kept
      if (request.body.action === 'resend')
        return await renderEnrolment(
          portal,
          reply,
          visit,
          await api.resend(enrolment.enrolmentId),
          `/${visit.org.slug}/security-info/enrolment`,
        );
      await api.verify(enrolment.enrolmentId, answerOf(request.body));
      delete visit.session.enrolment;
      visit.session.flash = { kind: 'success', text: visit.t('securityInfo.added') };
      return portal.redirect(reply, visit, '/security-info');
    } catch (error) {
      const handled = await problem(reply, visit, token, error, '/security-info/enrolment');
      if (handled) return handled;
      const shown = await currentEnrolment(api, enrolment.enrolmentId).catch(() => null);
      if (!shown) {
        delete visit.session.enrolment;
        return portal.redirect(reply, visit, '/security-info');
      }
      return renderEnrolment(
        portal,
        reply.code(statusOf(error)),
        visit,
        shown,
        `/${visit.org.slug}/security-info/enrolment`,
        { errors: [{ text: portal.problemText(error, visit), href: answerTarget(shown) }] },
      );
    }
  });

  app.get<{ Params: Params }>('/:org/security-info/default', async (request, reply) => {
    const held = await signedIn(request, reply);
    if (!held) return reply;
    const overview = await held.visit.org.client.securityInfo.overview(held.token);
    return portal.render(reply, held.visit, 'default-method.njk', {
      title: held.visit.t('securityInfo.changeDefault'),
      overview,
    });
  });

  app.post<{ Params: Params; Body: Body }>('/:org/security-info/default', async (request, reply) => {
    const held = await signedIn(request, reply);
    if (!held) return reply;
    const { visit, token } = held;
    try {
      await visit.org.client.securityInfo.setDefault(token, request.body.methodId ?? '');
      visit.session.flash = { kind: 'success', text: visit.t('securityInfo.defaultChanged') };
      return portal.redirect(reply, visit, '/security-info');
    } catch (error) {
      const handled = await problem(reply, visit, token, error, '/security-info/default', {
        action: 'setDefault',
        methodId: request.body.methodId ?? '',
      });
      if (handled) return handled;
      const overview = await visit.org.client.securityInfo.overview(token);
      return portal.render(
        reply.code(error instanceof VerityProblem ? error.status : 502),
        visit,
        'default-method.njk',
        {
          title: visit.t('securityInfo.changeDefault'),
          overview,
          errors: [{ text: portal.problemText(error, visit), href: '#methodId' }],
        },
      );
    }
  });

  app.get<{ Params: Params & { id: string } }>('/:org/security-info/:id/delete', async (request, reply) => {
    const held = await signedIn(request, reply);
    if (!held) return reply;
    const overview = await held.visit.org.client.securityInfo.overview(held.token);
    const method = overview.methods.find((m) => m.id === request.params.id);
    if (!method) return portal.redirect(reply, held.visit, '/security-info');
    return portal.render(reply, held.visit, 'delete-method.njk', {
      title: deleteTitle(held.visit, method),
      method,
    });
  });

  app.post<{ Params: Params & { id: string } }>('/:org/security-info/:id/delete', async (request, reply) => {
    const held = await signedIn(request, reply);
    if (!held) return reply;
    const { visit, token } = held;
    try {
      await visit.org.client.securityInfo.remove(token, request.params.id);
      visit.session.flash = { kind: 'success', text: visit.t('securityInfo.deleted') };
      return portal.redirect(reply, visit, '/security-info');
    } catch (error) {
      const handled = await problem(
        reply,
        visit,
        token,
        error,
        `/security-info/${request.params.id}/delete`,
        {
          action: 'delete',
          methodId: request.params.id,
        },
      );
      if (handled) return handled;
      const overview = await visit.org.client.securityInfo.overview(token);
      const method = overview.methods.find((m) => m.id === request.params.id);
      return portal.render(
        reply.code(error instanceof VerityProblem ? error.status : 502),
        visit,
        'delete-method.njk',
        {
          title: deleteTitle(visit, method),
          method,
          errors: [{ text: portal.problemText(error, visit), href: '#next' }],
        },
      );
    }
  });

  app.get<{ Params: Params & { id: string } }>('/:org/security-info/:id/phone', async (request, reply) => {
    const held = await signedIn(request, reply);
    if (!held) return reply;
    return portal.render(reply, held.visit, 'change-phone.njk', {
      title: held.visit.t('securityInfo.changePhoneTitle'),
      methodId: request.params.id,
      values: {},
    });
  });

  app.post<{ Params: Params & { id: string }; Body: Body }>(
    '/:org/security-info/:id/phone',
    async (request, reply) => {
      const held = await signedIn(request, reply);
      if (!held) return reply;
      const { visit, token } = held;
      try {
        const shown = await visit.org.client.securityInfo.changePhone(
          token,
          request.params.id,
          request.body.phone ?? '',
        );
        keepEnrolment(visit, shown);
        return portal.redirect(reply, visit, '/security-info/enrolment');
      } catch (error) {
        const handled = await problem(
          reply,
          visit,
          token,
          error,
          `/security-info/${request.params.id}/phone`,
          { action: 'changePhone', methodId: request.params.id, phone: request.body.phone ?? '' },
        );
        if (handled) return handled;
        return portal.render(
          reply.code(error instanceof VerityProblem ? error.status : 502),
          visit,
          'change-phone.njk',
          {
            title: visit.t('securityInfo.changePhoneTitle'),
            methodId: request.params.id,
            values: request.body,
            errors: portal.formErrors(error, visit, '#phone', ['phone']),
          },
        );
      }
    },
  );
}

/** "Add sign-in method": the choices, or the number or address a phone or email needs. */
function addPage(
  visit: Visit,
  overview: Awaited<ReturnType<Visit['org']['client']['securityInfo']['overview']>>,
  type: string | undefined,
) {
  const slug = visit.org.slug;
  return {
    title: visit.t('securityInfo.add'),
    overview,
    type,
    action: `/${slug}/security-info/add`,
    back: type ? `/${slug}/security-info/add` : `/${slug}/security-info`,
  };
}

/** The radio button an error on "Add sign-in method" links to: the method's own, else the first offered. */
function choiceOf(overview: { mayAdd: { type: string; allowed: boolean }[] }, type: string): string {
  const offered = overview.mayAdd.filter((m) => m.allowed).map((m) => m.type);
  return offered.includes(type) ? type : (offered[0] ?? '');
}

/** "Delete Text +44 ••••••••21?" */
function deleteTitle(visit: Visit, method: { type: string; display: string | null } | undefined): string {
  const label = method
    ? visit.t(`method.${method.type}` as MessageKey, { display: method.display ?? '' })
    : '';
  return visit.t('securityInfo.deleteTitle', { label });
}
