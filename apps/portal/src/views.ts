import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type nunjucks from 'nunjucks';
import { type Lang, type Translate, langOf, translator } from './i18n.js';
import type { MessageKey } from './locales/en.js';

/** Where nhsuk-frontend's stylesheet loads the NHS.UK font (Frutiger) from: the package does not ship the files. */
export const NHS_FONTS = 'https://assets.nhs.uk';

/** apps/portal: its `views` and `public`. */
export const portalDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const nhsukDirectory = path.dirname(
  createRequire(import.meta.url).resolve('nhsuk-frontend/package.json'),
);

/** Where templates are found: the portal's own, then nhsuk-frontend's (`nhsuk/template.njk`, its components). */
export const viewDirectories = [path.join(portalDirectory, 'views'), path.join(nhsukDirectory, 'dist')];

/** The Nunjucks settings of every page (given to `@fastify/view`, and to the tests that render the views). */
export function viewOptions(production: boolean) {
  return {
    autoescape: true,
    noCache: !production,
    onConfigure: (env: nunjucks.Environment) => {
      env.addFilter('day', (iso: string, lang: Lang) =>
        new Date(iso).toLocaleDateString(lang === 'cy' ? 'cy-GB' : 'en-GB', {
          day: 'numeric',
          month: 'long',
          year: 'numeric',
        }),
      );
    },
  };
}

/**
 * A page outside any organisation and any template, so that it cannot fail in turn: the portal's front page,
 * "Page not found", and the error page (which names nothing inside).
 */
export function plainPage(t: Translate, lang: Lang, title: MessageKey, lead: MessageKey): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(t(title))}</title><link rel="stylesheet" href="/nhsuk/nhsuk-frontend.min.css"></head><body><main class="nhsuk-width-container nhsuk-main-wrapper" id="maincontent"><h1 class="nhsuk-heading-l">${escapeHtml(t(title))}</h1><p>${escapeHtml(t(lead))}</p></main></body></html>`;
}

export function sendPlainPage(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  title: MessageKey,
  lead: MessageKey,
) {
  const lang = langOf(request);
  return reply
    .code(status)
    .type('text/html')
    .header(
      'content-security-policy',
      `default-src 'self'; script-src 'none'; font-src 'self' ${NHS_FONTS}; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    )
    .header('cache-control', 'no-store')
    .send(plainPage(translator(lang), lang, title, lead));
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
