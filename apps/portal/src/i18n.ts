import type { FastifyRequest } from 'fastify';
import { cy } from './locales/cy.js';
import { en, type MessageKey } from './locales/en.js';

export type Lang = 'en' | 'cy';
/** Remembers `?lang=`. */
export const LANG_COOKIE = 'verity_lang';
const catalogues: Record<Lang, Partial<Record<MessageKey, string>>> = { en, cy };

/** The portal's one translation layer: a key, its words in the person's language, `{name}` filled in. */
export function translator(lang: Lang) {
  return (key: MessageKey, params: Record<string, unknown> = {}): string => {
    const text = catalogues[lang][key] ?? en[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? ''));
  };
}

export type Translate = ReturnType<typeof translator>;

/** The language asked for (`?lang=cy`, then the cookie it left); English otherwise. */
export function langOf(request: FastifyRequest): Lang {
  const asked =
    (request.query as { lang?: string } | undefined)?.lang ??
    (request.cookies as Record<string, string | undefined> | undefined)?.[LANG_COOKIE];
  return asked === 'cy' ? 'cy' : 'en';
}
