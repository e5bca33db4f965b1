import type { FastifyRequest } from 'fastify';
import { VerityProblem } from '@verity/sdk';
import { loadPortalConfig } from './config.js';
import { en } from './locales/en.js';
import { Portal, type Visit } from './portal.js';
import type { PortalSession, Sessions } from './session.js';
import { renderPage } from './test/pages.js';

/*
 * The details of issue 17 item 8 and the app's name of item 7, each on the page a person sees, in English: what
 * a radio button, a label, a link or a button says and where it leads.
 */

/** A portal whose sessions are what the test gives; the API is not asked (the organisation keeps its slug). */
function portalWith(organisations: Record<string, unknown>, session: PortalSession = {}) {
  const sessions = {
    load: async () => ({ id: 'session-id', data: structuredClone(session) }),
    save: async () => 'session-id',
  } as unknown as Sessions;
  return new Portal(
    loadPortalConfig({
      PORTAL_COOKIE_SECRET: 'x'.repeat(32),
      PORTAL_ORGANISATIONS: JSON.stringify(organisations),
      VERITY_API_URL: 'http://127.0.0.1:9',
    }),
    sessions,
  );
}

async function visitOf(
  organisations: Record<string, unknown> = { northshire: 'vty_0123456789abcdef_secret' },
  session: PortalSession = {},
): Promise<Visit> {
  const request = { query: {}, cookies: {}, headers: {}, ip: '127.0.0.1' } as unknown as FastifyRequest;
  return (await portalWith(organisations, session).visit(request, 'northshire'))!;
}

const overview = {
  methods: [],
  defaultMethodId: null,
  userMayChooseDefault: true,
  mayAdd: [
    { type: 'authenticator_push', allowed: true, reasons: [] },
    { type: 'mobile_text', allowed: true, reasons: [] },
    { type: 'email', allowed: true, reasons: [] },
  ],
};

describe('"Add sign-in method"', () => {
  it.each([
    ['on Security info', { overview, action: '/northshire/security-info/add' }],
    ['in the wizard', { choices: overview.mayAdd, action: '/northshire/register' }],
  ])('%s pre-selects no method', async (_where, context) => {
    const html = await renderPage(await visitOf(), 'add-method.njk', { title: 'Add', ...context });
    expect(html.match(/type="radio"/g)).toHaveLength(3);
    expect(html).not.toMatch(/\bchecked\b/);
  });
});

describe('the wizard’s phone page (seed 000, "Method 2 of 2: Phone")', () => {
  const phonePage = async (type: string, extra: Record<string, unknown> = {}) =>
    renderPage(await visitOf(), 'add-method.njk', {
      title: en['wizard.title'],
      type,
      wizardStep: { method: 2, of: 2 },
      wizardFlow: true,
      back: '/northshire/register',
      action: '/northshire/register',
      ...extra,
    });

  it('shows the step, Back, "I want to set up a different method", and that it will text', async () => {
    const html = await phonePage('mobile_text');
    expect(html).toContain('Method 2 of 2');
    expect(html).toMatch(/<a\s+class="nhsuk-back-link"\s+href="\/northshire\/register">\s*Back\s*<\/a>/);
    expect(html).toMatch(
      /<a href="\/northshire\/register\/different">I want to set up a different method<\/a>/,
    );
    expect(html).toContain('Phone (text message)');
    expect(html).toContain('We will text a 6 digit code to this number.');
  });

  it('says when it will call instead', async () => {
    const html = await phonePage('mobile_call');
    expect(html).toContain('Phone (call)');
    expect(html).toContain('We will call this number.');
  });

  it('keeps the number typed, and shows the refusal at the number without the field’s name', async () => {
    const text = 'Enter a valid phone number, like 07400 123 456 or +44 7400 123 456.';
    const html = await phonePage('mobile_text', {
      values: { phone: '07700 900123' },
      errors: [{ text, href: '#phone' }],
    });
    expect(html).toMatch(/<input[^>]*id="phone"[^>]*value="07700 900123"/);
    expect(html).toMatch(new RegExp(`<a href="#phone"[^>]*>\\s*${text.replace(/[.+]/g, '\\$&')}\\s*</a>`));
    expect(html).not.toContain('phone: ');
  });
});

describe('a refused form’s errors', () => {
  it('gives each field the API names its own error, in the API’s words, at that field', async () => {
    const visit = await visitOf();
    const problem = new VerityProblem(
      {
        code: 'validation-failed',
        detail: 'phone: Enter a valid phone number.',
        errors: [{ field: 'phone', message: 'Enter a valid phone number.' }],
      },
      400,
    );
    expect(portalWith({}).formErrors(problem, visit, '#email', ['phone'])).toEqual([
      { text: 'Enter a valid phone number.', href: '#phone' },
    ]);
  });

  it('lists each of a refused password’s reasons as an error of its own, at the password', async () => {
    const visit = await visitOf();
    const reasons = [
      { code: 'PASSWORD_TOO_SHORT', message: 'Too short.' },
      { code: 'PASSWORD_TOO_GUESSABLE', message: 'Too guessable.' },
      { code: 'PASSWORD_BREACHED', message: 'Breached.' },
      { code: 'PASSWORD_CONTAINS_NAME', message: 'Has your name.' },
      { code: 'PASSWORD_REUSED', message: 'Used before.' },
    ];
    const problem = new VerityProblem({ code: 'password-refused', detail: 'All of it.', reasons }, 422);
    const errors = portalWith({}).reasonErrors(problem, visit, '#password', { minLength: 12 });
    expect(errors).toHaveLength(5);
    const html = await renderPage(visit, 'reset-password.njk', {
      title: en['reset.newPasswordTitle'],
      rules: { minLength: 12, maxLength: 256 },
      errors,
    });
    const links = [...html.matchAll(/<a href="#password"[^>]*>\s*([^<]*?)\s*<\/a>/g)].map((m) => m[1]);
    expect(links).toHaveLength(5);
    expect(new Set(links).size).toBe(5);
  });
});

describe('the password reset’s verification step', () => {
  it('labels each phone field apart', async () => {
    const gate = {
      gate: { number: 1, of: 2 },
      options: ['mobile_text', 'mobile_call', 'alternate_call', 'office_call'].map((kind) => ({
        kind,
        needs: 'phone',
      })),
    };
    const html = await renderPage(await visitOf(), 'reset-verify.njk', {
      title: 'Verification step 1',
      reset: { org: 'northshire', flowId: 'f', shown: { gate } },
    });
    const labels = [...html.matchAll(/<label class="nhsuk-label" for="phone-[^"]+">([^<]+)<\/label>/g)].map(
      (m) => m[1],
    );
    expect(labels).toHaveLength(4);
    expect(new Set(labels).size).toBe(4);
  });
});

describe('the enrolment page', () => {
  it('keeps "Next" and "Resend code" apart, in a button group', async () => {
    const html = await renderPage(await visitOf(), 'enrolment.njk', {
      title: 'Add',
      action: '/northshire/security-info/enrolment',
      shown: { enrolmentId: 'e', type: 'mobile_text', state: 'code_sent', sentTo: '+44 ••••••••21' },
    });
    expect(html).toMatch(
      /<div class="nhsuk-button-group">\s*<button[^>]*id="next"[^>]*>Next<\/button>\s*<button[^>]*value="resend">Resend code<\/button>\s*<\/div>/,
    );
  });
});

describe('the authenticator app’s name', () => {
  const pushPage = async (visit: Visit) =>
    renderPage(visit, 'verify.njk', {
      title: en['verify.pushTitle'],
      flow: {
        org: 'northshire',
        flowId: 'f',
        methodId: 'm',
        methods: [],
        challengeId: 'c',
        shown: { type: 'authenticator_push', number: '42' },
      },
    });

  it('is Verity Authenticator where the organisation names none: never Microsoft’s', async () => {
    const html = await pushPage(await visitOf());
    expect(html).toContain('I can&#39;t use my Verity Authenticator app right now');
    expect(html).not.toMatch(/Microsoft/);
    expect(Object.values(en).filter((text) => /Microsoft/.test(text))).toEqual([]);
  });

  it('is the organisation’s own where its setting names one', async () => {
    const visit = await visitOf({
      northshire: { key: 'vty_0123456789abcdef_secret', authenticatorApp: 'Northshire Authenticator' },
    });
    expect(await pushPage(visit)).toContain('I can&#39;t use my Northshire Authenticator app right now');
    expect(visit.t('kind.authenticator_push')).toBe('Northshire Authenticator');
  });
});
