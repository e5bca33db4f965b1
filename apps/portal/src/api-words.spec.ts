import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { VerityProblem } from '@verity/sdk';
import { type Lang, translator } from './i18n.js';
import { cy } from './locales/cy.js';
import { en, keptFromApi, type MessageKey } from './locales/en.js';
import type { Visit } from './portal.js';
import { renderPage, testPortal } from './test/pages.js';
import { portalDirectory } from './views.js';

/*
 * What the API says (problems, the policy's reasons, security questions) reaches a page through the translation
 * layer by its code. The codes are read from the sources that define them, so a new one fails here until the
 * English catalogue has it.
 */

const repository = path.resolve(portalDirectory, '../..');
const source = (file: string) => readFileSync(path.join(repository, file), 'utf8');

/** The string literals of `export type <name> = 'a' | 'b' | …;` in a source file. */
function unionOf(file: string, name: string): string[] {
  const text = source(file);
  const start = text.indexOf(`export type ${name} =`);
  expect(start).toBeGreaterThanOrEqual(0);
  const union = text.slice(start, text.indexOf(';', start));
  return [...union.matchAll(/'([^']+)'/g)].map(([, literal]) => literal!);
}

const problemCodes = unionOf('packages/sdk/src/types.ts', 'ProblemCode');
// the policy's safety reasons answer an administrator saving a policy, never a page of the portal
const reasonCodes = [
  ...new Set([
    ...unionOf('packages/sdk/src/types.ts', 'ReasonCode'),
    ...unionOf('packages/policy/src/reasons.ts', 'ReasonCode').filter((code) => !code.startsWith('UNSAFE_')),
  ]),
];
const questions = [
  ...source('packages/policy/src/security-questions.ts').matchAll(/\{ id: '([^']+)', text: '([^']+)' \}/g),
].map(([, id, text]) => ({ id: id!, text: text! }));

/** Every TypeScript file of a folder, but tests. */
function sourcesUnder(folder: string): string {
  return readdirSync(path.join(repository, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !/\.(int-)?spec\.ts$/.test(file))
    .map((file) => source(path.join(folder, file)))
    .join('\n');
}

describe('the API’s codes in the catalogue', () => {
  const keys = Object.keys(en);

  it('has a sentence for every problem code the SDK knows', () => {
    expect(problemCodes.length).toBeGreaterThan(40);
    expect(problemCodes.filter((code) => !keys.includes(`problem.${code}`))).toEqual([]);
  });

  it('has a sentence for every reason code of the policy and the API', () => {
    expect(reasonCodes.length).toBeGreaterThan(60);
    expect(reasonCodes.filter((code) => !keys.includes(`reason.${code}`))).toEqual([]);
  });

  it('has every security question, in the API’s words', () => {
    expect(questions.length).toBeGreaterThan(10);
    for (const { id, text } of questions)
      expect({ id, text: en[`question.${id}` as MessageKey] }).toEqual({ id, text });
  });

  it('has no sentence for a code that is gone', () => {
    const known = new Set([
      ...problemCodes.map((code) => `problem.${code}`),
      ...reasonCodes.map((code) => `reason.${code}`),
      ...questions.map(({ id }) => `question.${id}`),
    ]);
    expect(keys.filter((key) => /^(problem|reason|question)\./.test(key) && !known.has(key))).toEqual([]);
  });

  it('words a reason itself only where the API words it the same way every time', () => {
    const apiSources = sourcesUnder('packages/policy/src') + sourcesUnder('apps/api/src');
    const rewritten = keys.filter(
      (key) =>
        key.startsWith('reason.') &&
        !keptFromApi.has(key as MessageKey) &&
        !apiSources.includes(en[key as MessageKey]),
    );
    expect(rewritten).toEqual([]);
  });
});

const visitIn = (lang: Lang): Visit => ({
  org: { slug: 'northshire', name: 'Northshire and Dale NHS Trust', client: {} as never },
  session: {},
  sessionId: 'session-id',
  lang,
  t: translator(lang),
  client: { ip: '127.0.0.1', app: 'test' },
});
const english = visitIn('en');
const welsh = visitIn('cy');

const problem = (body: Record<string, unknown>, status = 400, retryAfterSeconds?: number) =>
  new VerityProblem(body, status, retryAfterSeconds);
/** A wrong code's detail with what the catalogue leaves out: that no more tries are left. */
const LAST_WRONG_CODE = 'That code didn’t work, and too many wrong codes were entered. Ask for a new one.';
const OFFICE_PHONE_DISABLED = 'Office phone is disabled by your organisation.';
/** What the API says when an authenticator code is entered a second time. */
const REUSED_CODE =
  'That code has already been used. Wait for the next code in your authenticator app and enter it.';

/** Welsh a translator has given (the rest of cy.ts stays as it is). */
const WELSH: Partial<Record<MessageKey, string>> = {
  'problem.wrong-code': 'Nid oedd y cod hwnnw’n gweithio. Gwiriwch y cod a rhowch gynnig arall arni.',
  'problem.resend-too-soon': 'Rydym newydd anfon cod atoch. Gallwch ofyn am un arall ymhen {seconds} eiliad.',
  'problem.invalid-credentials': 'Mae eich cyfrif neu’ch cyfrinair yn anghywir.',
  'reason.METHOD_DISABLED': 'Mae eich sefydliad wedi analluogi’r dull hwn.',
  'question.first-pet': 'Beth oedd enw eich anifail anwes cyntaf?',
};

describe('the API’s words on a page', () => {
  beforeEach(() => Object.assign(cy, WELSH));
  afterEach(() => {
    for (const key of Object.keys(WELSH)) delete cy[key as MessageKey];
  });

  describe('for a Welsh visitor', () => {
    it('are the Welsh of their code, where there is one, in place of the API’s English', () => {
      expect(testPortal.problemText(problem({ code: 'wrong-code', detail: LAST_WRONG_CODE }), welsh)).toBe(
        WELSH['problem.wrong-code'],
      );
      expect(
        testPortal.problemText(problem({ code: 'invalid-credentials', detail: 'Your account…' }, 401), welsh),
      ).toBe(WELSH['problem.invalid-credentials']);
      expect(testPortal.reasonText({ code: 'METHOD_DISABLED', message: OFFICE_PHONE_DISABLED }, welsh)).toBe(
        WELSH['reason.METHOD_DISABLED'],
      );
      expect(
        testPortal.questionText({ id: 'first-pet', text: 'What was the name of your first pet?' }, welsh),
      ).toBe(WELSH['question.first-pet']);
    });

    it('say to wait for the next code when an authenticator code is used again', () => {
      const reused = problem({ code: 'code-already-used', detail: REUSED_CODE }, 409);
      expect(testPortal.problemText(reused, welsh)).toBe(
        'Mae’r cod hwnnw wedi cael ei ddefnyddio’n barod. Arhoswch am y cod nesaf yn eich ap dilysu a’i roi i mewn.',
      );
    });

    it('name what the problem gives apart, such as how long to wait', () => {
      const tooSoon = problem(
        { code: 'resend-too-soon', detail: 'We just sent you a code. …in 20 seconds.' },
        429,
        20,
      );
      expect(testPortal.problemText(tooSoon, welsh)).toBe(
        'Rydym newydd anfon cod atoch. Gallwch ofyn am un arall ymhen 20 eiliad.',
      );
    });

    it('are read from each reason of a problem that gives them', () => {
      const refused = problem(
        {
          code: 'method-refused',
          detail: `${OFFICE_PHONE_DISABLED} You have already set up your office phone.`,
          reasons: [
            { code: 'METHOD_DISABLED', message: OFFICE_PHONE_DISABLED },
            { code: 'ALREADY_REGISTERED_TYPE', message: 'You have already set up your office phone.' },
          ],
        },
        422,
      );
      expect(testPortal.problemText(refused, welsh)).toBe(
        `${WELSH['reason.METHOD_DISABLED']} You have already set up your office phone.`,
      );
    });

    it('not yet translated: the API’s own where they say more than the catalogue, the catalogue’s otherwise', () => {
      const tooMany = 'Too many attempts. Try again in 42 seconds.';
      expect(
        testPortal.problemText(problem({ code: 'too-many-attempts', detail: tooMany }, 429, 42), welsh),
      ).toBe(tooMany);
      expect(
        testPortal.problemText(
          problem({ code: 'unauthorised', detail: 'The request needs a key.' }, 401),
          welsh,
        ),
      ).toBe(en['problem.unauthorised']);
    });

    it('are in Welsh on the page', async () => {
      const html = await renderPage(welsh, 'message.njk', {
        title: welsh.t('signIn.blockedTitle'),
        reasons: [{ code: 'METHOD_DISABLED', message: OFFICE_PHONE_DISABLED }],
      });
      expect(html).toContain(`<p>${WELSH['reason.METHOD_DISABLED']}</p>`);
      expect(html).not.toContain(OFFICE_PHONE_DISABLED);
    });
  });

  describe('for an English visitor', () => {
    it('are the API’s own where they say more than the catalogue', () => {
      expect(testPortal.problemText(problem({ code: 'wrong-code', detail: LAST_WRONG_CODE }), english)).toBe(
        LAST_WRONG_CODE,
      );
      expect(
        testPortal.reasonText({ code: 'METHOD_DISABLED', message: OFFICE_PHONE_DISABLED }, english),
      ).toBe(OFFICE_PHONE_DISABLED);
    });

    it('say to wait for the next code when an authenticator code is used again, not to ask for a new one', () => {
      const reused = problem({ code: 'code-already-used', detail: REUSED_CODE }, 409);
      expect(testPortal.problemText(reused, english)).toBe(REUSED_CODE);
      expect(testPortal.problemText(reused, english)).not.toMatch(/expired|Ask for a new one/);
    });

    it('are the catalogue’s where the API’s are generic, or written for programs', () => {
      expect(
        testPortal.problemText(
          problem(
            { code: 'unauthorised', detail: 'The request needs a valid key in the Authorization header.' },
            401,
          ),
          english,
        ),
      ).toBe('Sorry, there is a problem with the service. Try again later.');
      expect(
        testPortal.reasonText(
          {
            code: 'PASSWORD_BREACHED',
            message:
              'That password has appeared in a data breach elsewhere, so it is not safe. Choose another.',
          },
          english,
        ),
      ).toBe(en['reason.PASSWORD_BREACHED']);
    });

    it('are the API’s for a code newer than the portal, and a safe sentence where the API said nothing usable', () => {
      expect(
        testPortal.problemText(problem({ code: 'brand-new', detail: 'Something new happened.' }), english),
      ).toBe('Something new happened.');
      expect(testPortal.reasonText({ code: 'BRAND_NEW', message: 'A new rule.' }, english)).toBe(
        'A new rule.',
      );
      const tryLater = english.t('error.tryLater');
      expect(testPortal.problemText(problem({ code: 'brand-new' }), english)).toBe(tryLater);
      expect(testPortal.problemText(problem({ detail: 'Bad gateway' }, 502), english)).toBe(tryLater);
      expect(testPortal.problemText(new Error('connect ECONNREFUSED'), english)).toBe(tryLater);
    });

    it('are on the page', async () => {
      const html = await renderPage(english, 'message.njk', {
        title: english.t('signIn.blockedTitle'),
        reasons: [
          { code: 'METHOD_DISABLED', message: OFFICE_PHONE_DISABLED },
          {
            code: 'NO_USABLE_METHOD',
            message: 'None of the methods you have set up can be used to sign in.',
          },
        ],
      });
      expect(html).toContain(`<p>${OFFICE_PHONE_DISABLED}</p>`);
      expect(html).toContain(`<p>${en['reason.NO_USABLE_METHOD']}</p>`);
    });
  });
});
