import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  type Reason,
  type SecurityQuestion,
  type VerityClient,
  VerityProblem,
  createVerityClient,
} from '@verity/sdk';
import type { PortalConfig } from './config.js';
import { type Lang, apiText, langOf, translator } from './i18n.js';
import type { PortalSession, Sessions } from './session.js';
import { NHS_FONTS, sendPlainPage } from './views.js';

/** The authenticator app Verity's pushes reach, where the organisation does not name its own. */
export const DEFAULT_AUTHENTICATOR_APP = 'Verity Authenticator';

export interface Organisation {
  slug: string;
  name: string;
  logo?: string;
  /** The authenticator app's name in the pages ("I can't use my … app right now"). */
  authenticatorApp?: string;
  client: VerityClient;
}

/** A field's error, as the NHS.UK error summary and the field itself show it. */
export interface FieldError {
  text: string;
  href: string;
}

/** One request's view of the portal: its organisation, its browser's session, and how to answer. */
export interface Visit {
  org: Organisation;
  session: PortalSession;
  sessionId: string | null;
  lang: Lang;
  t: ReturnType<typeof translator>;
  client: { ip: string; userAgent?: string; app: string };
}

/** What every route shares: the organisations served, the browser sessions, and rendering. */
export class Portal {
  private readonly organisations = new Map<string, Organisation>();

  constructor(
    readonly config: PortalConfig,
    readonly sessions: Sessions,
  ) {
    for (const [slug, setting] of Object.entries(config.PORTAL_ORGANISATIONS)) {
      const { key, logo, authenticatorApp } = typeof setting === 'string' ? { key: setting } : setting;
      this.organisations.set(slug, {
        slug,
        name: slug,
        ...(logo ? { logo } : {}),
        ...(authenticatorApp ? { authenticatorApp } : {}),
        client: createVerityClient({ baseUrl: config.VERITY_API_URL, apiKey: key }),
      });
    }
  }

  /** The organisation of a path's first segment, with its name from the API (once). */
  async organisation(slug: string): Promise<Organisation | null> {
    const org = this.organisations.get(slug);
    if (!org) return null;
    if (org.name === slug) {
      try {
        org.name = (await org.client.organisation()).name;
      } catch {
        // the name is only for show: keep the slug until the API answers
      }
    }
    return org;
  }

  async visit(request: FastifyRequest, slug: string): Promise<Visit | null> {
    const org = await this.organisation(slug);
    if (!org) return null;
    const { id, data } = await this.sessions.load(request);
    const lang = langOf(request);
    const translate = translator(lang);
    const app = org.authenticatorApp ?? DEFAULT_AUTHENTICATOR_APP;
    return {
      org,
      session: data,
      sessionId: id,
      lang,
      t: (key, params = {}) => translate(key, { app, ...params }),
      client: {
        ip: request.ip,
        ...(request.headers['user-agent']
          ? { userAgent: String(request.headers['user-agent']).slice(0, 500) }
          : {}),
        app: 'Verity portal',
      },
    };
  }

  /** The visit of the organisation named in the path; for one the portal does not serve, a 404 and null. */
  async visitOr404(
    request: FastifyRequest<{ Params: { org: string } }>,
    reply: FastifyReply,
  ): Promise<Visit | null> {
    const visit = await this.visit(request, request.params.org);
    if (!visit) await sendPlainPage(request, reply, 404, 'notFound.title', 'notFound.lead');
    return visit;
  }

  async save(reply: FastifyReply, visit: Visit): Promise<void> {
    visit.sessionId = await this.sessions.save(reply, visit.sessionId, visit.session);
  }

  async render(
    reply: FastifyReply,
    visit: Visit,
    view: string,
    context: Record<string, unknown> & { title: string; errors?: FieldError[] },
  ) {
    const nonce = randomBytes(16).toString('base64');
    const flash = visit.session.flash;
    if (flash) delete visit.session.flash;
    await this.save(reply, visit);
    reply.header(
      'content-security-policy',
      `default-src 'self'; script-src 'self' 'nonce-${nonce}'; style-src 'self'; img-src 'self' data: https:; font-src 'self' ${NHS_FONTS}; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'`,
    );
    reply.header('cache-control', 'no-store');
    return reply.view(view, {
      ...context,
      organisation: { slug: visit.org.slug, name: visit.org.name, logo: visit.org.logo },
      signedIn: Boolean(visit.session.tokens?.[visit.org.slug]),
      lang: visit.lang,
      t: visit.t,
      reasonText: (reason: Reason) => this.reasonText(reason, visit),
      questionText: (question: SecurityQuestion) => this.questionText(question, visit),
      csrfToken: reply.generateCsrf(),
      cspNonce: nonce,
      flash,
      devInbox: this.config.PORTAL_DEV_INBOX,
    });
  }

  redirect(reply: FastifyReply, visit: Visit, path: string) {
    return this.save(reply, visit).then(() => reply.redirect(`/${visit.org.slug}${path}`, 303));
  }

  /**
   * A problem in the person's words: its reasons where it gives them, or its code (`apiText`); a safe sentence
   * when there was no answer, or an answer that was not the API's problem document, such as a proxy's page
   * (`http-<status>`). `params` fill in what a translation names that the problem does not carry (a password's
   * lengths).
   */
  problemText(error: unknown, visit: Visit, params: Record<string, unknown> = {}): string {
    if (!(error instanceof VerityProblem) || error.code.startsWith('http-')) return visit.t('error.tryLater');
    if (error.reasons?.length) return error.reasons.map((r) => this.reasonText(r, visit, params)).join(' ');
    const text = apiText(visit.t, visit.lang, `problem.${error.code}`, error.detail, {
      seconds: error.retryAfterSeconds,
      ...params,
    });
    return text || visit.t('error.tryLater');
  }

  /**
   * A refused form's errors: each bad field the API names among `fields`, at that field, in the API's words
   * (field checks come without a code); else the problem in the person's words, at `target`.
   */
  formErrors(error: unknown, visit: Visit, target: string, fields: readonly string[] = []): FieldError[] {
    if (error instanceof VerityProblem && error.code === 'validation-failed') {
      const named = (error.errors ?? []).filter((e) => fields.includes(e.field));
      if (named.length > 0) return named.map((e) => ({ text: e.message, href: `#${e.field}` }));
    }
    return [{ text: this.problemText(error, visit), href: target }];
  }

  /** A problem as errors at one field: one error per reason it gives (so each can be read and followed apart). */
  reasonErrors(
    error: unknown,
    visit: Visit,
    href: string,
    params: Record<string, unknown> = {},
  ): FieldError[] {
    if (error instanceof VerityProblem && !error.code.startsWith('http-') && error.reasons?.length)
      return error.reasons.map((r) => ({ text: this.reasonText(r, visit, params), href }));
    return [{ text: this.problemText(error, visit, params), href }];
  }

  /** A rule's reason in the person's words, by its code. */
  reasonText(reason: Reason, visit: Visit, params: Record<string, unknown> = {}): string {
    return apiText(visit.t, visit.lang, `reason.${reason.code}`, reason.message, params);
  }

  /** A security question in the person's words, by its id. */
  questionText(question: SecurityQuestion, visit: Visit): string {
    return apiText(visit.t, visit.lang, `question.${question.id}`, question.text);
  }
}

export { VerityProblem };
