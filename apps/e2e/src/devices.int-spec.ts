import { randomInt } from 'node:crypto';
import type { Page } from 'playwright-core';
import { generateSecret, generateSync } from 'otplib';
import { PASSWORD, staffMember } from '../../api/src/test/sign-in.js';
import { type Stack, checkPage, newContext, startStack } from './stack.js';

/** A journey through real pages in a real browser takes seconds, not milliseconds. */
const JOURNEY_TIMEOUT = 90_000;
const newMobile = () => `+447400${String(randomInt(1_000_000)).padStart(6, '0')}`;

describe('the portal with the reference authenticator and a passkey', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('portal-devices', { authenticator: true });
  }, 60_000);
  afterAll(() => stack?.close());

  const at = (path: string) => `${stack.portalUrl}/${stack.org.slug}${path}`;

  async function signInWithPassword(page: Page, username: string) {
    await page.goto(at('/sign-in'));
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  /**
   * A member of staff whose phone is the reference authenticator, set up from the registration link in its own
   * browser; and at their desk, the portal asking for a push (the text is their default: "I can't use…").
   */
  async function pushAtTheDesk(desktop: { javaScript?: boolean } = {}) {
    const { account, username } = await staffMember(stack.api, stack.org.tenantId, {
      methods: [{ type: 'mobile_text', phone: newMobile() }],
    });
    const activation = await stack.api.request({
      method: 'POST',
      url: `/v1/accounts/${account.id}/authenticator-activations`,
      key: stack.org.key,
    });
    expect(activation.status).toBe(201);
    const phone = await newContext(stack);
    const app = await phone.newPage();
    await app.goto(stack.authenticatorUrl);
    await app.getByLabel('Activation link').fill(activation.body.link);
    await app.getByRole('button', { name: 'Add account' }).click();
    await app.getByTestId('account').waitFor();
    await app.getByTestId('totp-code').waitFor();

    const desk = await newContext(stack, desktop);
    const page = await desk.newPage();
    await signInWithPassword(page, username);
    await page.getByRole('link', { name: /can't use/ }).click();
    await page.getByRole('button', { name: 'Approve a request on my Authenticator app' }).click();
    await page.getByRole('heading', { name: 'Approve sign in request' }).waitFor();
    await app.getByRole('button', { name: 'Check for notifications' }).click();
    await app.getByTestId('request').waitFor();
    return {
      app,
      page,
      close: async () => {
        await phone.close();
        await desk.close();
      },
    };
  }

  it(
    'signs in with a push: the number shown at the portal is typed in the authenticator, in a second browser',
    async () => {
      const { app, page, close } = await pushAtTheDesk();
      await checkPage(page, 'sign-in-push');
      await checkPage(app, 'authenticator-request');
      const number = (await page.getByTestId('number').innerText()).trim();
      expect(number).toMatch(/^\d{2}$/);
      await app.getByLabel('Enter the number shown to sign in').fill(number);
      await app.getByRole('button', { name: 'Approve', exact: true }).click();
      await app.getByTestId('request-outcome').filter({ hasText: 'Approved' }).waitFor();
      // the portal notices without a reload
      await page.getByRole('heading', { name: 'Security info' }).waitFor({ timeout: 20_000 });
      await close();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'says so at the portal when the request is denied in the app',
    async () => {
      const { app, page, close } = await pushAtTheDesk();
      await app.getByRole('button', { name: 'Deny', exact: true }).click();
      await app.getByTestId('request-outcome').filter({ hasText: 'Denied' }).waitFor();
      await page.getByText(/The request was denied/).waitFor({ timeout: 20_000 });
      await checkPage(page, 'sign-in-push-denied');
      await close();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'says so at the portal when the request is reported as fraud in the app',
    async () => {
      const { app, page, close } = await pushAtTheDesk();
      await app.getByRole('button', { name: 'Deny and report fraud' }).click();
      await app.getByTestId('request-outcome').filter({ hasText: 'Reported' }).waitFor();
      await page.getByText(/You reported this request as fraud/).waitFor({ timeout: 20_000 });
      // nothing left to wait for: the number and "I have approved it" go, other methods stay
      await page.getByTestId('number').waitFor({ state: 'hidden' });
      await page.getByRole('button', { name: 'I have approved it' }).waitFor({ state: 'hidden' });
      await page.getByRole('link', { name: /can't use/ }).waitFor();
      await checkPage(page, 'sign-in-push-fraud');
      await close();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'signs in with a push without JavaScript at the portal: "I have approved it"',
    async () => {
      const { app, page, close } = await pushAtTheDesk({ javaScript: false });
      const number = (await page.getByTestId('number').innerText()).trim();
      // answered too early, the page says so and asks again
      await page.getByRole('button', { name: 'I have approved it' }).click();
      await page
        .getByText(/We have not had your answer yet/)
        .first()
        .waitFor();
      await checkPage(page, 'sign-in-push-no-js-not-yet');
      await app.getByLabel('Enter the number shown to sign in').fill(number);
      await app.getByRole('button', { name: 'Approve', exact: true }).click();
      await app.getByTestId('request-outcome').filter({ hasText: 'Approved' }).waitFor();
      await page.getByRole('button', { name: 'I have approved it' }).click();
      await page.getByRole('heading', { name: 'Security info' }).waitFor();
      await close();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'registers a passkey with Chromium’s virtual authenticator, and signs in with it',
    async () => {
      const secret = generateSecret();
      const { username } = await staffMember(stack.api, stack.org.tenantId, {
        methods: [
          { type: 'authenticator_code', secret },
          { type: 'mobile_text', phone: newMobile() },
        ],
      });
      const context = await newContext(stack);
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('WebAuthn.enable');
      await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: {
          protocol: 'ctap2',
          transport: 'internal',
          hasResidentKey: true,
          hasUserVerification: true,
          isUserVerified: true,
          automaticPresenceSimulation: true,
        },
      });

      await signInWithPassword(page, username);
      await page.getByLabel('Code').fill(generateSync({ secret }));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('heading', { name: 'Security info' }).waitFor();
      await page.getByRole('button', { name: 'Add sign-in method' }).click();
      await page.getByLabel('Security key or passkey').check();
      await page.getByRole('button', { name: 'Next' }).click();
      await checkPage(page, 'add-passkey');
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByRole('heading', { name: 'Security info' }).waitFor();
      await page.getByRole('term').filter({ hasText: 'Security key' }).waitFor();

      await page.getByRole('button', { name: 'Sign out' }).click();
      await signInWithPassword(page, username);
      await page.getByRole('link', { name: /can't use/ }).click();
      await checkPage(page, 'other-methods');
      await page.getByRole('button', { name: 'Use a security key or passkey' }).click();
      await page.getByRole('heading', { name: 'Use your security key' }).waitFor();
      await page.getByRole('button', { name: 'Use security key' }).click();
      await page.getByRole('heading', { name: 'Security info' }).waitFor();
      await context.close();
    },
    JOURNEY_TIMEOUT,
  );
});
