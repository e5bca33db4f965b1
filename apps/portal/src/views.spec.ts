import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { type Translate, translator } from './i18n.js';
import { en } from './locales/en.js';
import type { Visit } from './portal.js';
import type { PortalSession } from './session.js';
import { renderPage } from './test/pages.js';
import { plainPage, viewDirectories } from './views.js';

/*
 * Every page rendered in a pseudo-language whose every message is ⟦wrapped⟧: whatever a person would read or hear
 * outside the brackets is either their own data (names, numbers, dates, the API's sentences that English keeps)
 * or punctuation. English typed into a template, or handed to one by a route, shows up here.
 */

const english = translator('en');
const unknownKeys = new Set<string>();
const t: Translate = (key, params) => {
  if (!(key in en)) unknownKeys.add(key);
  return `⟦${english(key, params)}⟧`;
};

// the person's and the organisation's data, shown as they are in every language
const ORG = 'Northshire and Dale NHS Trust';
const USERNAME = 'jane.doe@northshire.nhs.uk';
const PHONE = '+44 ••••••••21';
const TYPED_PHONE = '07400 123 456';
const FULL_PHONE = '+447400123421';
const EMAIL = 'j•••@northshire.nhs.uk';
const LABEL = 'Jane’s phone';
const NUMBER = '42';
const SECRET = 'JBSWY3DPEHPK3PXP';
const LINK = 'https://verity.example/activate/abc123';
const QUESTION = 'What was the name of your first school?';
/** The API's own words where the portal keeps them (a reason with specifics, a code it does not know). */
const API_SENTENCE = 'There have been too many attempts. Try again in 15 minutes.';
const SMS = 'Use verification code 123456 to sign in to Northshire.';
const DEVICE = 'device-token';
const LAST_USED = '2026-03-04T10:15:00.000Z';
const DATA = [
  ORG,
  USERNAME,
  PHONE,
  TYPED_PHONE,
  FULL_PHONE,
  EMAIL,
  LABEL,
  NUMBER,
  SECRET,
  LINK,
  QUESTION,
  API_SENTENCE,
  SMS,
  DEVICE,
  '4 March 2026',
].sort((a, b) => b.length - a.length);

const QR = { svg: '<svg viewBox="0 0 1 1"><path d="M0 0h1v1H0z"/></svg>' };
const signedIn: PortalSession = { tokens: { northshire: 'session-token' } };
const methods = [
  {
    id: 'm1',
    type: 'authenticator_push',
    label: LABEL,
    display: null,
    isDefault: false,
    lastUsedAt: LAST_USED,
  },
  { id: 'm2', type: 'mobile_text', label: null, display: PHONE, isDefault: true, lastUsedAt: null },
  { id: 'm3', type: 'email', label: null, display: EMAIL, isDefault: false, lastUsedAt: null },
  { id: 'm4', type: 'security_key', label: null, display: null, isDefault: false, lastUsedAt: null },
];
const overview = {
  methods,
  defaultMethodId: 'm2',
  userMayChooseDefault: true,
  defaultChoices: ['m1', 'm2'],
  mayAdd: [
    { type: 'authenticator_push', label: 'Authenticator app notification', allowed: true, reasons: [] },
    { type: 'office_call', label: 'Office phone', allowed: true, reasons: [] },
    {
      type: 'security_questions',
      label: 'Security questions',
      allowed: false,
      reasons: [
        { code: 'METHOD_DISABLED', message: API_SENTENCE },
        { code: 'QUESTIONS_NEVER_FOR_ELEVATED', message: 'Security questions cannot be used by accounts…' },
      ],
    },
  ],
};
const signIn = (shown: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) => ({
  org: 'northshire',
  flowId: 'flow-1',
  methodId: 'm2',
  methods,
  challengeId: 'challenge-1',
  ...(shown ? { shown } : {}),
  rememberDays: 14,
  ...extra,
});
const gate = {
  flowId: 'reset-1',
  state: 'verify',
  gate: { number: 1, of: 2 },
  options: [
    { kind: 'mobile_text', label: 'Text my mobile phone', needs: 'phone' },
    { kind: 'email', label: 'Email my alternate email address', needs: 'email' },
    { kind: 'authenticator_code', label: 'Enter a code from my authenticator app', needs: null },
  ],
  message: 'If you cannot use any of these, contact your local helpdesk.',
};
const reset = (asked?: Record<string, unknown>) => ({
  org: 'northshire',
  flowId: 'reset-1',
  shown: { gate, ...(asked ? { asked } : {}) },
});
const enrolment = (state: string, shown: Record<string, unknown> = {}) => ({
  title: t('securityInfo.add'),
  action: '/northshire/security-info/enrolment',
  shown: { enrolmentId: 'e1', type: 'authenticator_push', state, ...shown },
});
const wizardView = {
  outcome: 'required',
  step: { method: 1, of: 2 },
  offerFirst: 'authenticator_push',
  otherChoices: ['mobile_text', 'email'],
  snooze: { allowed: true, days: 14, remaining: 3, reasons: [] },
  reasons: [],
  methods: [],
  defaultMethod: null,
};
const codeError = [{ text: t('verify.codeMissing'), href: '#code' }];

interface Page {
  name: string;
  view: string;
  context: Record<string, unknown> & { title: string };
  session?: PortalSession;
  logo?: string;
}

/** Each page with the data its route gives it (a case per state that shows different words). */
const pages: Page[] = [
  {
    name: 'sign-in, with errors and an organisation logo',
    view: 'sign-in.njk',
    logo: 'https://northshire.nhs.uk/logo.svg',
    context: {
      title: t('signIn.title'),
      values: { username: USERNAME },
      errors: [{ text: t('signIn.passwordMissing'), href: '#password' }],
    },
  },
  {
    name: 'verify: a push',
    view: 'verify.njk',
    context: {
      title: t('verify.pushTitle'),
      flow: signIn({ type: 'authenticator_push', number: NUMBER }),
      errors: [{ text: t('verify.pushNotYet'), href: '#next' }],
    },
  },
  {
    name: 'verify: a push reported as fraud',
    view: 'verify.njk',
    context: {
      title: t('verify.pushTitle'),
      flow: signIn({ type: 'authenticator_push', number: NUMBER }),
      errors: [{ text: t('verify.fraudReported'), href: '#other-method' }],
      over: true,
    },
  },
  {
    name: 'verify: a call with a number to type',
    view: 'verify.njk',
    context: {
      title: t('verify.callTitle'),
      flow: signIn({ type: 'mobile_call', calling: PHONE, number: NUMBER }),
    },
  },
  {
    name: 'verify: a call',
    view: 'verify.njk',
    context: { title: t('verify.callTitle'), flow: signIn({ type: 'office_call', calling: PHONE }) },
  },
  {
    name: 'verify: a security key',
    view: 'verify.njk',
    context: {
      title: t('verify.keyTitle'),
      flow: signIn({ type: 'security_key', publicKey: { challenge: 'Y2hhbGxlbmdl', rpId: 'localhost' } }),
    },
  },
  {
    name: 'verify: a text, with the code missing',
    view: 'verify.njk',
    context: {
      title: t('verify.codeTitle'),
      flow: signIn({ type: 'mobile_text', sentTo: PHONE }),
      errors: codeError,
    },
  },
  {
    name: 'verify: an email',
    view: 'verify.njk',
    context: { title: t('verify.codeTitle'), flow: signIn({ type: 'email', sentTo: EMAIL }) },
  },
  {
    name: 'verify: an app code, as a step-up',
    view: 'verify.njk',
    session: signedIn,
    context: {
      title: t('verify.codeTitle'),
      flow: signIn({ type: 'authenticator_code' }, { stepUp: true }),
    },
  },
  {
    name: 'verify: no challenge, with the API’s problem',
    view: 'verify.njk',
    context: {
      title: t('methods.title'),
      flow: signIn(undefined),
      errors: [{ text: API_SENTENCE, href: '#other-method' }],
    },
  },
  { name: 'methods', view: 'methods.njk', context: { title: t('methods.title'), flow: signIn(undefined) } },
  {
    name: 'wizard',
    view: 'wizard.njk',
    context: { title: t('wizard.title'), view: wizardView },
  },
  {
    name: 'wizard, blocked with the API’s reasons',
    view: 'wizard.njk',
    context: {
      title: t('wizard.title'),
      view: {
        ...wizardView,
        outcome: 'blocked',
        offerFirst: null,
        reasons: [
          { code: 'REGISTRATION_NOTHING_TO_OFFER', message: 'None of the methods your organisation allows…' },
          { code: 'A_CODE_NEWER_THAN_THE_PORTAL', message: API_SENTENCE },
        ],
        snooze: { allowed: false, days: 0, remaining: 0, reasons: [] },
      },
      errors: [{ text: API_SENTENCE, href: '#next' }],
    },
  },
  {
    name: 'wizard, blocked but enough to sign in: continue or sign out',
    view: 'wizard.njk',
    context: {
      title: t('wizard.title'),
      view: {
        ...wizardView,
        outcome: 'blocked',
        signInReady: true,
        offerFirst: null,
        reasons: [
          { code: 'REGISTRATION_NOTHING_TO_OFFER', message: 'None of the methods your organisation allows…' },
          { code: 'REGISTRATION_SIGN_IN_READY', message: 'You have set up enough to sign in…' },
        ],
        snooze: { allowed: false, days: 0, remaining: 0, reasons: [] },
      },
      errors: [{ text: API_SENTENCE, href: '#next' }],
    },
  },
  {
    name: 'wizard done',
    view: 'wizard-done.njk',
    context: {
      title: t('wizard.title'),
      view: {
        ...wizardView,
        outcome: 'complete',
        step: { method: 2, of: 2 },
        defaultMethod: { id: 'm2', type: 'mobile_text', label: 'Text message to your mobile phone' },
        methods: methods.slice(0, 2),
      },
    },
  },
  {
    name: 'add a method on Security info',
    view: 'add-method.njk',
    session: signedIn,
    context: { title: t('securityInfo.add'), overview, action: '/northshire/security-info/add' },
  },
  {
    name: 'add a method: the wizard’s other choices',
    view: 'add-method.njk',
    context: {
      title: t('wizard.different'),
      choices: [{ type: 'authenticator_push' }, { type: 'mobile_text' }, { type: 'security_key' }],
      action: '/northshire/register',
    },
  },
  {
    name: 'add a method: a phone number, refused',
    view: 'add-method.njk',
    session: signedIn,
    context: {
      title: t('securityInfo.add'),
      overview,
      type: 'mobile_text',
      values: { phone: TYPED_PHONE },
      action: '/northshire/security-info/add',
      errors: [{ text: API_SENTENCE, href: '#phone' }],
    },
  },
  {
    name: 'add a method on Security info, none chosen',
    view: 'add-method.njk',
    session: signedIn,
    context: {
      title: t('securityInfo.add'),
      overview,
      action: '/northshire/security-info/add',
      back: '/northshire/security-info',
      errors: [{ text: t('choose.missing'), href: '#type-authenticator_push' }],
    },
  },
  {
    name: 'add a method: the wizard’s phone by text, Method 2 of 2, the number refused',
    view: 'add-method.njk',
    context: {
      title: t('wizard.title'),
      type: 'mobile_text',
      values: { phone: TYPED_PHONE },
      wizardStep: { method: 2, of: 2 },
      wizardFlow: true,
      back: '/northshire/register',
      action: '/northshire/register',
      errors: [{ text: API_SENTENCE, href: '#phone' }],
    },
  },
  {
    name: 'enrolment: the test notification not approved yet',
    view: 'enrolment.njk',
    context: {
      ...enrolment('notification_sent', { number: NUMBER }),
      errors: [{ text: API_SENTENCE, href: '#next' }],
    },
  },
  {
    name: 'reset: a number refused for a call to the office phone',
    view: 'reset-verify.njk',
    context: {
      title: t('reset.gateTitle', gate.gate),
      reset: {
        ...reset(),
        shown: {
          gate: {
            ...gate,
            options: [
              ...gate.options,
              { kind: 'office_call', label: 'Call my office phone', needs: 'phone' },
            ],
          },
        },
      },
      errors: [{ text: API_SENTENCE, href: '#phone-office_call' }],
    },
  },
  {
    name: 'reset: a new password refused for several reasons',
    view: 'reset-password.njk',
    context: {
      title: t('reset.newPasswordTitle'),
      rules: { minLength: 12, maxLength: 256 },
      errors: [
        { text: API_SENTENCE, href: '#password' },
        { text: t('reset.mismatch'), href: '#password' },
      ],
    },
  },
  {
    name: 'add a method: an email address',
    view: 'add-method.njk',
    context: { title: t('wizard.title'), type: 'email', action: '/northshire/register' },
  },
  {
    name: 'enrolment: the app’s QR code, in the wizard',
    view: 'enrolment.njk',
    context: {
      ...enrolment('waiting_for_app', { activation: { qr: QR, link: LINK } }),
      title: t('enrol.appTitle'),
      wizardStep: { method: 1, of: 2 },
      wizardFlow: true,
    },
  },
  { name: 'enrolment: the app activated', view: 'enrolment.njk', context: enrolment('app_activated') },
  {
    name: 'enrolment: the test notification',
    view: 'enrolment.njk',
    context: enrolment('notification_sent', { number: NUMBER }),
  },
  {
    name: 'enrolment: an authenticator app’s code, wrong',
    view: 'enrolment.njk',
    context: {
      ...enrolment('waiting_for_code', { type: 'authenticator_code', totp: { qr: QR, secret: SECRET } }),
      errors: codeError,
    },
  },
  {
    name: 'enrolment: a text sent',
    view: 'enrolment.njk',
    context: enrolment('code_sent', { type: 'mobile_text', sentTo: PHONE }),
  },
  {
    name: 'enrolment: a call',
    view: 'enrolment.njk',
    context: enrolment('calling', { type: 'mobile_call', calling: PHONE }),
  },
  {
    name: 'enrolment: a security key',
    view: 'enrolment.njk',
    context: enrolment('waiting_for_security_key', { type: 'security_key', publicKey: { challenge: 'abc' } }),
  },
  {
    name: 'enrolment: security questions',
    view: 'enrolment.njk',
    context: enrolment('waiting_for_answers', {
      type: 'security_questions',
      questions: {
        from: [
          { id: 'first-school', text: 'What was the name of the first school you attended?' },
          { id: 'a-question-newer-than-the-portal', text: QUESTION },
        ],
        answer: 2,
      },
    }),
  },
  {
    name: 'Security info, signed in, with a change made and the idle warning',
    view: 'security-info.njk',
    session: { ...signedIn, flash: { kind: 'success', text: t('securityInfo.title') } },
    context: { title: t('securityInfo.title'), overview, idleExpiresAt: '2026-03-04T10:45:00.000Z' },
  },
  {
    name: 'the default sign-in method',
    view: 'default-method.njk',
    session: signedIn,
    context: { title: t('securityInfo.changeDefault'), overview },
  },
  {
    name: 'delete a method',
    view: 'delete-method.njk',
    session: signedIn,
    context: {
      title: t('securityInfo.deleteTitle', { label: t('method.mobile_text', { display: PHONE }) }),
      method: methods[1],
    },
  },
  {
    name: 'change a phone, refused',
    view: 'change-phone.njk',
    session: signedIn,
    context: {
      title: t('securityInfo.changePhoneTitle'),
      methodId: 'm2',
      values: { phone: TYPED_PHONE },
      errors: [{ text: API_SENTENCE, href: '#phone' }],
    },
  },
  {
    name: 'the developer inbox',
    view: 'inbox.njk',
    context: {
      title: t('inbox.title'),
      messages: [
        { channel: 'sms', to: FULL_PHONE, content: { kind: 'sms', body: SMS } },
        { channel: 'email', to: USERNAME, content: { kind: 'email', subject: SMS, text: SMS } },
        { channel: 'voice', to: FULL_PHONE, content: { kind: 'voice', instructionsUrl: 'https://x/y' } },
        { channel: 'push', to: DEVICE, content: { kind: 'push', data: {}, ttlSeconds: 60 } },
      ],
    },
  },
  {
    name: 'the developer inbox, empty',
    view: 'inbox.njk',
    context: { title: t('inbox.title'), messages: [] },
  },
  {
    name: 'reset: the user ID',
    view: 'reset-start.njk',
    context: {
      title: t('reset.title'),
      values: { username: USERNAME },
      errors: [{ text: t('signIn.usernameMissing'), href: '#username' }],
    },
  },
  {
    name: 'reset: the CAPTCHA',
    view: 'reset-captcha.njk',
    context: {
      title: t('reset.captchaTitle'),
      captcha: { algorithm: 'SHA-256', challenge: 'ab12', salt: 's', signature: 'sig', maxnumber: 3000 },
      errors: [{ text: API_SENTENCE, href: '#next' }],
    },
  },
  {
    name: 'reset: a verification step',
    view: 'reset-verify.njk',
    context: { title: t('reset.gateTitle', gate.gate), reset: reset(), values: {} },
  },
  {
    name: 'reset: a notification asked',
    view: 'reset-verify.njk',
    context: {
      title: t('reset.gateTitle', gate.gate),
      reset: reset({ kind: 'authenticator_push', number: NUMBER }),
    },
  },
  {
    name: 'reset: a call asked',
    view: 'reset-verify.njk',
    context: {
      title: t('reset.gateTitle', gate.gate),
      reset: reset({ kind: 'mobile_call', calling: PHONE }),
    },
  },
  {
    name: 'reset: a text asked, the code wrong',
    view: 'reset-verify.njk',
    context: {
      title: t('reset.gateTitle', gate.gate),
      reset: reset({ kind: 'mobile_text', sentTo: PHONE }),
      errors: [{ text: API_SENTENCE, href: '#code' }],
    },
  },
  {
    name: 'reset: the new password',
    view: 'reset-password.njk',
    context: {
      title: t('reset.newPasswordTitle'),
      rules: { minLength: 12, maxLength: 256 },
      errors: [{ text: t('reset.mismatch'), href: '#confirm' }],
    },
  },
  {
    name: 'a message: the password reset',
    view: 'message.njk',
    context: {
      title: t('reset.doneTitle'),
      lead: t('reset.doneLead'),
      link: { href: '/northshire/sign-in', text: t('signIn.title') },
    },
  },
  {
    name: 'a message: the sign-in refused, with the API’s reasons',
    view: 'message.njk',
    context: {
      title: t('signIn.blockedTitle'),
      reasons: [
        { code: 'FRAUD_REPORTED', message: API_SENTENCE },
        { code: 'NO_USABLE_METHOD', message: 'None of the methods you have set up…' },
      ],
    },
  },
];

/** A page as `Portal.render` makes it, for a visit in the pseudo-language. */
async function render({ view, context, session = {}, logo }: Page): Promise<string> {
  const visit: Visit = {
    org: { slug: 'northshire', name: ORG, ...(logo ? { logo } : {}), client: {} as never },
    session: structuredClone(session),
    sessionId: 'session-id',
    lang: 'en',
    t,
    client: { ip: '127.0.0.1', app: 'test' },
  };
  return renderPage(visit, view, context);
}

/** Attributes a person hears or reads (`data-working` is written into the page by its script). */
const SHOWN_ATTRIBUTES = new Set(['alt', 'aria-label', 'title', 'placeholder', 'data-working']);

/** What a person reads or hears on a page: its text, the attributes above, and the words of input buttons. */
function shownText(html: string): string[] {
  const markup = html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1>/gi, '<$1>');
  const attributes = [...markup.matchAll(/<(\w+)\b([^>]*)>/g)].flatMap(([, tag, attrs = '']) =>
    [...attrs.matchAll(/([\w-]+)="([^"]*)"/g)]
      .filter(
        ([, name = '']) =>
          SHOWN_ATTRIBUTES.has(name) ||
          (name === 'value' && tag === 'input' && /type="(submit|button|reset)"/.test(attrs)),
      )
      .map(([, , value = '']) => value),
  );
  return [...markup.split(/<[^>]*>/), ...attributes].map((s) => decode(s).trim()).filter(Boolean);
}

function decode(text: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
  return text.replace(/&(#x[\da-f]+|#\d+|\w+);/gi, (entity, name: string) =>
    name.startsWith('#x') || name.startsWith('#X')
      ? String.fromCodePoint(parseInt(name.slice(2), 16))
      : name.startsWith('#')
        ? String.fromCodePoint(Number(name.slice(1)))
        : (named[name] ?? entity),
  );
}

/** What is left of a text once the translated words, the data and punctuation are taken out. */
function untranslated(text: string): string {
  let rest = text;
  for (let before = ''; before !== rest;) {
    before = rest;
    rest = rest.replace(/⟦[^⟦⟧]*⟧/g, ' ');
  }
  for (const value of DATA) rest = rest.split(value).join(' ');
  return /^[\s\p{P}\p{S}]*$/u.test(rest) ? '' : rest.trim();
}

const leftovers = (html: string) => shownText(html).map(untranslated).filter(Boolean);

describe('the pages in a pseudo-language', () => {
  beforeEach(() => unknownKeys.clear());

  it('has a case for every page (every view that extends the layout)', () => {
    const views = readdirSync(viewDirectories[0]!).filter(
      (file) =>
        file.endsWith('.njk') &&
        readFileSync(path.join(viewDirectories[0]!, file), 'utf8').includes('{% extends "layout.njk" %}'),
    );
    expect(new Set(pages.map((p) => p.view))).toEqual(new Set(views));
  });

  it.each(pages)('$name: only translated words and data', async (page) => {
    const html = await render(page);
    expect(html).toContain('⟦'); // rendered, in the pseudo-language
    expect(leftovers(html)).toEqual([]);
    expect([...unknownKeys]).toEqual([]);
  });

  it.each([
    ['the front page', 'service.name', 'home.lead'],
    ['page not found', 'notFound.title', 'notFound.lead'],
    ['the error page', 'error.title', 'error.lead'],
  ] as const)('%s: only translated words', (_name, title, lead) => {
    expect(leftovers(plainPage(t, 'en', title, lead))).toEqual([]);
  });

  it('offers as the default sign-in method only the choices the API says the policy accepts', async () => {
    const html = await render(pages.find((p) => p.view === 'default-method.njk')!);
    expect([...html.matchAll(/<option value="([^"]+)"/g)].map((m) => m[1])).toEqual(overview.defaultChoices);
  });

  it('finds English that is not translated, in text and in the attributes people hear', () => {
    expect(leftovers(plainPage(english, 'en', 'notFound.title', 'notFound.lead'))).toContain(
      'Page not found',
    );
    expect(
      leftovers(
        `<p>⟦Kept⟧ ${PHONE}: Changed</p><button aria-label="Close">×</button><img alt="Logo" src="/l.png">` +
          `<input type="submit" value="Go"><input type="hidden" value="not-shown"><script>const x = 'code';</script>`,
      ),
    ).toEqual([': Changed', 'Close', 'Logo', 'Go']);
  });
});

describe('the error summaries', () => {
  const withErrors = pages.filter((p) => ((p.context.errors as unknown[] | undefined)?.length ?? 0) > 0);

  it.each(withErrors)('$name: each error links to a field on the page that can take focus', async (page) => {
    const html = await render(page);
    const summary = /class="nhsuk-error-summary"[\s\S]*?<\/ul>/.exec(html)?.[0] ?? '';
    const hrefs = [...summary.matchAll(/<a href="#([^"]+)"/g)].map((m) => m[1]!);
    expect(hrefs.length).toBe((page.context.errors as unknown[]).length);
    for (const id of hrefs) {
      const element = new RegExp(`<(input|select|textarea|button|a)\\b[^>]*\\bid="${id}"[^>]*>`).exec(html);
      expect({ id, element: element?.[1] }).toEqual({ id, element: expect.any(String) });
      expect({ id, tag: element![0] }).not.toEqual({ id, tag: expect.stringMatching(/type="hidden"/) });
      if (element![1] === 'a') expect(element![0]).toMatch(/\bhref="/);
    }
  });
});
