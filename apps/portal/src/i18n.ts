import type { FastifyRequest } from 'fastify';
import { cy } from './locales/cy.js';
import { en, keptFromApi, type MessageKey } from './locales/en.js';

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

/**
 * Words the API wrote (a problem's detail, a rule's reason, a security question), by the key of their code
 * (`problem.<code>`, `reason.<CODE>`, `question.<id>`): the catalogue's words. Except where the API's English
 * carries specifics the catalogue leaves out (`keptFromApi`): there English, and any language not yet translated,
 * shows the API's own sentence. A code the catalogue does not know keeps the API's words.
 */
export function apiText(
  t: Translate,
  lang: Lang,
  key: string,
  apiWords: string,
  params: Record<string, unknown> = {},
): string {
  if (!isMessageKey(key)) return apiWords;
  const translated = lang !== 'en' && catalogues[lang][key] !== undefined;
  if (apiWords && keptFromApi.has(key) && !translated) return apiWords;
  return t(key, params);
}

function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(en, key);
}

/** The language asked for (`?lang=cy`, then the cookie it left); English otherwise. */
export function langOf(request: FastifyRequest): Lang {
  const asked =
    (request.query as { lang?: string } | undefined)?.lang ??
    (request.cookies as Record<string, string | undefined> | undefined)?.[LANG_COOKIE];
  return asked === 'cy' ? 'cy' : 'en';
}
