import type { FastifyInstance } from 'fastify';
import { VerityProblem } from '@verity/sdk';
import type { Portal, Visit } from '../portal.js';
import type { PortalSession } from '../session.js';

type Params = { org: string };
type Body = Record<string, string | undefined>;

/**
 * "Forgot my password" (seed 002): the user ID, the CAPTCHA, the checks ("Verification step 1", "2"), a new
 * password with its strength shown as it is typed, and the end.
 */
export function resetRoutes(app: FastifyInstance, portal: Portal) {
  const resetOf = (visit: Visit) =>
    visit.session.reset?.org === visit.org.slug ? visit.session.reset : undefined;

  app.get<{ Params: Params }>('/:org/reset', async (request, reply) => {
    const visit = await portal.visitOr404(request, reply);
    if (!visit) return reply;
    return portal.render(reply, visit, 'reset-start.njk', { title: visit.t('reset.title'), values: {} });
  });

  app.post<{ Params: Params; Body: Body }>('/:org/reset', async (request, reply) => {
    const visit = await portal.visitOr404(request, reply);
    if (!visit) return reply;
    const username = (request.body.username ?? '').trim();
    if (!username)
      return portal.render(reply.code(400), visit, 'reset-start.njk', {
        title: visit.t('reset.title'),
        values: {},
        errors: [{ text: visit.t('signIn.usernameMissing'), href: '#username' }],
      });
    try {
      const started = await visit.org.client.passwordReset.start({ username, client: visit.client });
      visit.session.reset = {
        org: visit.org.slug,
        flowId: started.flowId,
        shown: { captcha: started.captcha },
      };
      return portal.redirect(reply, visit, '/reset/captcha');
    } catch (error) {
      return portal.render(
        reply.code(error instanceof VerityProblem ? error.status : 502),
        visit,
        'reset-start.njk',
        {
          title: visit.t('reset.title'),
          values: { username },
          errors: [{ text: portal.problemText(error, visit), href: '#username' }],
        },
      );
    }
  });

  app.get<{ Params: Params }>('/:org/reset/captcha', async (request, reply) => {
    const visit = await portal.visitOr404(request, reply);
    if (!visit) return reply;
    const reset = resetOf(visit);
    if (!reset) return portal.redirect(reply, visit, '/reset');
    return portal.render(reply, visit, 'reset-captcha.njk', {
      title: visit.t('reset.captchaTitle'),
      captcha: reset.shown?.captcha,
    });
  });

  app.post<{ Params: Params; Body: Body }>('/:org/reset/captcha', async (request, reply) => {
    const visit = await portal.visitOr404(request, reply);
    if (!visit) return reply;
    const reset = resetOf(visit);
    if (!reset) return portal.redirect(reply, visit, '/reset');
    try {
      const gate = await visit.org.client.passwordReset.solveCaptcha(
        reset.flowId,
        request.body.solution ?? '',
      );
      reset.shown = { gate };
      return portal.redirect(reply, visit, '/reset/verify');
    } catch (error) {
      return portal.render(
        reply.code(error instanceof VerityProblem ? error.status : 502),
        visit,
        'reset-captcha.njk',
        {
          title: visit.t('reset.captchaTitle'),
          captcha: reset.shown?.captcha,
          errors: [{ text: portal.problemText(error, visit), href: '#next' }],
        },
      );
    }
  });

  app.get<{ Params: Params }>('/:org/reset/verify', async (request, reply) => {
    const visit = await portal.visitOr404(request, reply);
    if (!visit) return reply;
    const reset = resetOf(visit);
    if (!reset?.shown?.gate) return portal.redirect(reply, visit, '/reset');
    return portal.render(reply, visit, 'reset-verify.njk', {
      title: visit.t('reset.gateTitle', (reset.shown.gate as { gate: Record<string, unknown> }).gate),
      reset,
      values: {},
    });
  });

  /** A check asked for ("Text", "Call", "Send notification"), or its answer. */
  app.post<{ Params: Params; Body: Body }>('/:org/reset/verify', async (request, reply) => {
    const visit = await portal.visitOr404(request, reply);
    if (!visit) return reply;
    const reset = resetOf(visit);
    if (!reset?.shown?.gate) return portal.redirect(reply, visit, '/reset');
    const api = visit.org.client.passwordReset;
    try {
      if (request.body.kind) {
        const asked = await api.challenge(reset.flowId, {
          kind: request.body.kind as never,
          ...(request.body.phone ? { phone: request.body.phone } : {}),
          ...(request.body.email ? { email: request.body.email } : {}),
        });
        reset.challengeId = (asked as { challengeId: string }).challengeId;
        reset.shown = { ...reset.shown, asked };
        return portal.redirect(reply, visit, '/reset/verify');
      }
      const answer =
        request.body.action === 'poll'
          ? await api.status(reset.flowId)
          : await api.verify(reset.flowId, reset.challengeId ?? '', {
              code: (request.body.code ?? '').replace(/\s+/g, ''),
            });
      const state = (answer as { state: string }).state;
      if (state === 'new_password') {
        reset.shown = { password: (answer as { password?: object }).password };
        return portal.redirect(reply, visit, '/reset/password');
      }
      if (state === 'verify' && (answer as { gate?: object }).gate) {
        delete reset.challengeId;
        reset.shown = { gate: answer };
      }
      return portal.redirect(reply, visit, '/reset/verify');
    } catch (error) {
      return portal.render(
        reply.code(error instanceof VerityProblem ? error.status : 502),
        visit,
        'reset-verify.njk',
        {
          title: visit.t('reset.gateTitle', (reset.shown.gate as { gate: Record<string, unknown> }).gate),
          reset,
          values: request.body,
          errors: [{ text: portal.problemText(error, visit), href: verifyTarget(reset, request.body) }],
        },
      );
    }
  });

  app.get<{ Params: Params }>('/:org/reset/password', async (request, reply) => {
    const visit = await portal.visitOr404(request, reply);
    if (!visit) return reply;
    const reset = resetOf(visit);
    if (!reset?.shown?.password) return portal.redirect(reply, visit, '/reset');
    return portal.render(reply, visit, 'reset-password.njk', {
      title: visit.t('reset.newPasswordTitle'),
      rules: reset.shown.password,
    });
  });

  /** For the page's script: how strong the password being typed is, and why it would be refused. */
  app.post<{ Params: Params; Body: { password?: string } }>(
    '/:org/reset/password/check',
    async (request, reply) => {
      const visit = await portal.visitOr404(request, reply);
      if (!visit) return reply;
      const reset = resetOf(visit);
      if (!reset) return { message: '' };
      try {
        const check = await visit.org.client.passwordReset.checkPassword(
          reset.flowId,
          request.body.password ?? '',
        );
        return {
          accepted: check.accepted,
          message: check.accepted
            ? ''
            : check.reasons.map((r) => portal.reasonText(r, visit, passwordRules(reset))).join(' '),
        };
      } catch {
        return { message: '' };
      }
    },
  );

  app.post<{ Params: Params; Body: Body }>('/:org/reset/password', async (request, reply) => {
    const visit = await portal.visitOr404(request, reply);
    if (!visit) return reply;
    const reset = resetOf(visit);
    if (!reset?.shown?.password) return portal.redirect(reply, visit, '/reset');
    const password = request.body.password ?? '';
    if (password !== (request.body.confirm ?? ''))
      return portal.render(reply.code(400), visit, 'reset-password.njk', {
        title: visit.t('reset.newPasswordTitle'),
        rules: reset.shown.password,
        errors: [{ text: visit.t('reset.mismatch'), href: '#confirm' }],
      });
    try {
      await visit.org.client.passwordReset.setPassword(reset.flowId, password);
      delete visit.session.reset;
      return portal.render(reply, visit, 'message.njk', {
        title: visit.t('reset.doneTitle'),
        lead: visit.t('reset.doneLead'),
        link: { href: `/${visit.org.slug}/sign-in`, text: visit.t('signIn.title') },
      });
    } catch (error) {
      return portal.render(
        reply.code(error instanceof VerityProblem ? error.status : 502),
        visit,
        'reset-password.njk',
        {
          title: visit.t('reset.newPasswordTitle'),
          rules: reset.shown.password,
          errors: portal.reasonErrors(error, visit, '#password', passwordRules(reset)),
        },
      );
    }
  });
}

/** The new password's lengths (`minLength`, `maxLength`), once every check has passed. */
function passwordRules(reset: NonNullable<PortalSession['reset']>): Record<string, unknown> {
  return (reset.shown?.password ?? {}) as Record<string, unknown>;
}

/**
 * The field a refused check is about: the number or address typed for the method asked, else that method's
 * button; for an answer, the code, or the button of the notification or call waited for.
 */
function verifyTarget(reset: NonNullable<PortalSession['reset']>, body: Body): string {
  const { kind } = body;
  if (kind) {
    const options = (reset.shown?.gate as { options?: { kind: string; needs: string | null }[] } | undefined)
      ?.options;
    const needs = options?.find((o) => o.kind === kind)?.needs;
    if (needs === 'phone') return `#phone-${kind}`;
    if (needs === 'email') return '#email';
    return `#ask-${kind}`;
  }
  return body.action === 'poll' ? '#next' : '#code';
}
