import type { FastifyInstance, FastifyReply } from 'fastify';
import { VerityProblem } from '@verity/sdk';
import type { Portal, Visit } from '../portal.js';
import { applyPendingChange, stepUpReason } from './pending-change.js';

type Params = { org: string };
type Body = Record<string, string | undefined>;

/**
 * Sign-in: username and password, then the MFA prompt for the default method (or the one chosen with "I can't
 * use … right now"), then a session. Also the step-up a Security info change asks for.
 */
export function signInRoutes(app: FastifyInstance, portal: Portal) {
  app.get<{ Params: Params }>('/:org/sign-in', async (request, reply) => {
    const visit = await portal.visitOr404(request, reply);
    if (!visit) return reply;
    return portal.render(reply, visit, 'sign-in.njk', { title: visit.t('signIn.title'), values: {} });
  });

  app.post<{ Params: Params; Body: Body }>('/:org/sign-in', async (request, reply) => {
    const visit = await portal.visitOr404(request, reply);
    if (!visit) return reply;
    const username = (request.body.username ?? '').trim();
    const password = request.body.password ?? '';
    const errors = [
      ...(username ? [] : [{ text: visit.t('signIn.usernameMissing'), href: '#username' }]),
      ...(password ? [] : [{ text: visit.t('signIn.passwordMissing'), href: '#password' }]),
    ];
    if (errors.length > 0)
      return portal.render(reply.code(400), visit, 'sign-in.njk', {
        title: visit.t('signIn.title'),
        errors,
        values: { username },
      });
    try {
      const answer = await visit.org.client.signIn.start({
        username,
        password,
        ...(visit.session.remembered?.[visit.org.slug]
          ? { rememberToken: visit.session.remembered[visit.org.slug] }
          : {}),
        client: visit.client,
      });
      return next(reply, visit, answer as SignInAnswer);
    } catch (error) {
      return portal.render(
        reply.code(error instanceof VerityProblem ? error.status : 502),
        visit,
        'sign-in.njk',
        {
          title: visit.t('signIn.title'),
          errors: [{ text: portal.problemText(error, visit), href: '#username' }],
          values: { username },
        },
      );
    }
  });

  /** The MFA prompt for the method chosen (the default at first): the challenge is asked for on arrival. */
  app.get<{ Params: Params }>('/:org/sign-in/verify', async (request, reply) => {
    const visit = await portal.visitOr404(request, reply);
    if (!visit) return reply;
    const flow = visit.session.signIn;
    if (!flow || flow.org !== visit.org.slug) return portal.redirect(reply, visit, '/sign-in');
    if (!flow.challengeId) {
      try {
        const shown = await visit.org.client.signIn.challenge(
          flow.flowId,
          flow.methodId!,
          tokenOf(visit, flow),
        );
        flow.challengeId = shown.challengeId;
        flow.shown = shown as unknown as Record<string, unknown>;
      } catch (error) {
        return portal.render(reply, visit, 'verify.njk', {
          title: visit.t('methods.title'),
          flow,
          ...why(visit, flow),
          errors: [{ text: portal.problemText(error, visit), href: '#other-method' }],
        });
      }
    }
    return portal.render(reply, visit, 'verify.njk', {
      title: titleOf(visit, flow.shown),
      flow,
      ...why(visit, flow),
    });
  });

  /** A code typed (app, text, email), the security key's assertion, or "I have approved it" without JavaScript. */
  app.post<{ Params: Params; Body: Body }>('/:org/sign-in/verify', async (request, reply) => {
    const visit = await portal.visitOr404(request, reply);
    if (!visit) return reply;
    const flow = visit.session.signIn;
    if (!flow || flow.org !== visit.org.slug || !flow.challengeId)
      return portal.redirect(reply, visit, '/sign-in');
    flow.remember = request.body.remember === 'yes';
    const code = (request.body.code ?? '').replace(/\s+/g, '');
    try {
      const answer =
        request.body.action === 'poll'
          ? await visit.org.client.signIn.status(flow.flowId, {
              rememberDevice: flow.remember,
              ...tokenOf(visit, flow),
            })
          : await visit.org.client.signIn.verify(
              flow.flowId,
              flow.challengeId,
              request.body.assertion
                ? {
                    assertion: JSON.parse(request.body.assertion) as Record<string, unknown>,
                    rememberDevice: flow.remember,
                  }
                : { code, rememberDevice: flow.remember },
              tokenOf(visit, flow),
            );
      if ((answer as SignInAnswer).state === 'mfa_required') {
        const message = waitingMessage(answer);
        const over = message !== 'verify.pushNotYet';
        return portal.render(reply, visit, 'verify.njk', {
          title: titleOf(visit, flow.shown),
          flow,
          ...why(visit, flow),
          errors: [{ text: visit.t(message), href: over ? '#other-method' : '#next' }],
          // denied or expired: nothing more to wait for, only other methods or a new sign-in
          over,
        });
      }
      return next(reply, visit, answer as SignInAnswer);
    } catch (error) {
      if (!code && request.body.action !== 'poll' && !request.body.assertion)
        return portal.render(reply.code(400), visit, 'verify.njk', {
          title: titleOf(visit, flow.shown),
          flow,
          ...why(visit, flow),
          errors: [{ text: visit.t('verify.codeMissing'), href: '#code' }],
        });
      return portal.render(
        reply.code(error instanceof VerityProblem ? error.status : 502),
        visit,
        'verify.njk',
        {
          title: titleOf(visit, flow.shown),
          flow,
          ...why(visit, flow),
          errors: [{ text: portal.problemText(error, visit), href: answerTarget(flow.shown) }],
        },
      );
    }
  });

  /** For the page's script: has the push or the call been answered? The finished sign-in is completed here. */
  app.get<{ Params: Params }>('/:org/sign-in/status', async (request, reply) => {
    const visit = await portal.visitOr404(request, reply);
    if (!visit) return reply;
    const flow = visit.session.signIn;
    if (!flow || flow.org !== visit.org.slug)
      return { state: 'gone', redirect: `/${visit.org.slug}/sign-in` };
    try {
      const answer = (await visit.org.client.signIn.status(flow.flowId, {
        rememberDevice: flow.remember === true,
        ...tokenOf(visit, flow),
      })) as SignInAnswer;
      if (answer.state === 'mfa_required') {
        const status = (answer as { challenge?: { status: string } }).challenge?.status ?? 'pending';
        return status === 'pending'
          ? { state: 'waiting', challenge: status }
          : { state: 'error', challenge: status, message: visit.t(waitingMessage(answer)) };
      }
      const target = await finish(visit, answer, reply);
      return { state: 'done', redirect: target };
    } catch (error) {
      return { state: 'error', message: portal.problemText(error, visit) };
    }
  });

  /** "I can't use my Microsoft Authenticator app right now": the other methods. */
  app.get<{ Params: Params }>('/:org/sign-in/methods', async (request, reply) => {
    const visit = await portal.visitOr404(request, reply);
    if (!visit) return reply;
    const flow = visit.session.signIn;
    if (!flow || flow.org !== visit.org.slug) return portal.redirect(reply, visit, '/sign-in');
    return portal.render(reply, visit, 'methods.njk', {
      title: visit.t('methods.title'),
      flow,
      ...why(visit, flow),
    });
  });

  app.post<{ Params: Params; Body: Body }>('/:org/sign-in/methods', async (request, reply) => {
    const visit = await portal.visitOr404(request, reply);
    if (!visit) return reply;
    const flow = visit.session.signIn;
    if (!flow || flow.org !== visit.org.slug) return portal.redirect(reply, visit, '/sign-in');
    const chosen = flow.methods?.find((m) => m.id === request.body.methodId);
    if (chosen) {
      flow.methodId = chosen.id;
      delete flow.challengeId;
      delete flow.shown;
    }
    return portal.redirect(reply, visit, '/sign-in/verify');
  });

  /** Sign-out is a form's POST with its CSRF token (checked for every POST), never a link another site can follow. */
  app.post<{ Params: Params }>('/:org/sign-out', async (request, reply) => {
    const visit = await portal.visitOr404(request, reply);
    if (!visit) return reply;
    const token = visit.session.tokens?.[visit.org.slug];
    if (token) await visit.org.client.sessions.signOut(token).catch(() => undefined);
    delete visit.session.tokens?.[visit.org.slug];
    return portal.render(reply, visit, 'message.njk', {
      title: visit.t('signOut.title'),
      link: { href: `/${visit.org.slug}/sign-in`, text: visit.t('signIn.title') },
    });
  });

  /** Where an answer of the API sends the person next. */
  async function next(reply: FastifyReply, visit: Visit, answer: SignInAnswer) {
    const flow = visit.session.signIn;
    switch (answer.state) {
      case 'complete':
        return reply.redirect(await finish(visit, answer, reply), 303);
      case 'registration_required':
        visit.session.wizard = { org: visit.org.slug, flowId: answer.flowId };
        delete visit.session.signIn;
        if (answer.rememberToken) (visit.session.remembered ??= {})[visit.org.slug] = answer.rememberToken;
        return portal.redirect(reply, visit, '/register');
      case 'mfa_required':
        visit.session.signIn = {
          org: visit.org.slug,
          flowId: answer.flowId,
          methodId: answer.defaultMethodId,
          methods: answer.methods ?? [],
          ...(answer.rememberDevice ? { rememberDays: answer.rememberDevice.days } : {}),
          ...(flow?.stepUp ? { stepUp: true, returnTo: flow.returnTo, pending: flow.pending } : {}),
        };
        return portal.redirect(reply, visit, '/sign-in/verify');
      default:
        return portal.render(reply.code(403), visit, 'message.njk', {
          title: visit.t('signIn.blockedTitle'),
          reasons: answer.reasons ?? [],
        });
    }
  }

  /** A finished sign-in becomes the person's session (a step-up, a new token for it); where to go next. */
  async function finish(visit: Visit, answer: SignInAnswer, reply: FastifyReply): Promise<string> {
    const flow = visit.session.signIn;
    const tokens = (visit.session.tokens ??= {});
    if (answer.session?.token) tokens[visit.org.slug] = answer.session.token;
    else if (answer.result) {
      const made = await visit.org.client.sessions.exchange(answer.result, {
        ip: visit.client.ip,
        ...(visit.client.userAgent ? { userAgent: visit.client.userAgent } : {}),
      });
      tokens[visit.org.slug] = made.token;
    }
    if (answer.rememberToken) (visit.session.remembered ??= {})[visit.org.slug] = answer.rememberToken;
    delete visit.session.signIn;
    const returnTo = flow?.returnTo ?? `/${visit.org.slug}/security-info`;
    const target =
      flow?.stepUp && flow.pending
        ? await applyPendingChange(portal, visit, tokens[visit.org.slug]!, flow.pending, returnTo)
        : returnTo;
    await portal.sessions.rotate(reply, visit.sessionId, visit.session);
    visit.sessionId = null;
    return target;
  }
}

interface SignInAnswer {
  flowId: string;
  state: string;
  result?: string;
  rememberToken?: string;
  session?: { token: string };
  defaultMethodId?: string;
  rememberDevice?: { days: number };
  methods?: { id: string; type: string; label: string | null; display: string | null; isDefault: boolean }[];
  reasons?: { code: string; message: string }[];
}

/** Still waiting for the person, or the request was denied (by them, by a wrong number, or as fraud), or it ran out. */
function waitingMessage(
  answer: unknown,
): 'verify.pushNotYet' | 'verify.denied' | 'verify.fraudReported' | 'verify.expired' {
  const { status, fraudReported } =
    (answer as { challenge?: { status?: string; fraudReported?: boolean } }).challenge ?? {};
  if (fraudReported) return 'verify.fraudReported';
  if (status === 'denied' || status === 'locked') return 'verify.denied';
  if (status === 'expired') return 'verify.expired';
  return 'verify.pushNotYet';
}

/** On a step-up's pages, why the check is asked for. */
function why(visit: Visit, flow: NonNullable<Visit['session']['signIn']>) {
  return flow.stepUp ? { stepUpWhy: visit.t(stepUpReason(flow.pending)) } : {};
}

/** A step-up's calls carry the session it re-authenticates. */
function tokenOf(visit: Visit, flow: { stepUp?: boolean }) {
  const token = visit.session.tokens?.[visit.org.slug];
  return flow.stepUp && token ? { session: token } : {};
}

/** The field an answer's error is about: the code, or for a notification, a call or a key, the page's button. */
function answerTarget(shown: Record<string, unknown> | undefined): string {
  const type = shown?.type;
  if (type === 'authenticator_push' || type === 'security_key') return '#next';
  if (typeof type === 'string' && type.endsWith('_call')) return '#next';
  return type ? '#code' : '#other-method';
}

function titleOf(visit: Visit, shown: Record<string, unknown> | undefined): string {
  const type = shown?.type;
  if (type === 'authenticator_push') return visit.t('verify.pushTitle');
  if (type === 'security_key') return visit.t('verify.keyTitle');
  if (typeof type === 'string' && type.endsWith('_call')) return visit.t('verify.callTitle');
  return visit.t('verify.codeTitle');
}
