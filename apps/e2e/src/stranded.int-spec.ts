import type { Page } from 'playwright-core';
import { generateSync } from 'otplib';
import { policySavedBefore } from '../../api/src/test/policy.js';
import { PASSWORD, staffMember } from '../../api/src/test/sign-in.js';
import { type Stack, checkPage, newContext, startStack } from './stack.js';

/** A journey through real pages in a real browser takes seconds, not milliseconds. */
const JOURNEY_TIMEOUT = 90_000;

/**
 * Issue 17: a wizard with nothing left to offer stranded people on "Method 2 of 2". Under a policy saved before the
 * API refused such policies (written here straight into the database: the app's codes are the only method, and
 * password reset wants two devices), the page says why, and offers "Continue" and "Sign out".
 */
describe('a "Keep your account secure" wizard that cannot be finished', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('portal-stranded');
    await policySavedBefore(stack.api, stack.org.tenantId, {
      allowedMethods: ['authenticator_code'],
      defaultMethod: { recommended: 'authenticator_code', userMayChoose: true },
      sspr: {
        enabled: true,
        methodsToRegister: 2,
        methodsToReset: 2,
        eligibleMethods: ['authenticator_code'],
      },
    });
  }, 60_000);
  afterAll(() => stack?.close());

  const at = (path: string) => `${stack.portalUrl}/${stack.org.slug}${path}`;

  /** Password, then Method 1 of 2: an authenticator app by its secret; then the wizard has nothing more. */
  async function toTheDeadEnd(page: Page, name: string) {
    const { username } = await staffMember(stack.api, stack.org.tenantId);
    await page.goto(at('/sign-in'));
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Method 1 of 2').waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText("Can't scan the QR image?").click();
    const secret = (await page.getByTestId('totp-secret').innerText()).trim();
    await page.getByLabel('Code').fill(generateSync({ secret }));
    await page.getByRole('button', { name: 'Next' }).click();
    await page
      .getByText('None of the methods your organisation allows can complete your security info.')
      .waitFor();
    await checkPage(page, name);
  }

  it(
    'says so, and lets a person who can sign in continue to Security info',
    async () => {
      const context = await newContext(stack);
      const page = await context.newPage();
      await toTheDeadEnd(page, 'wizard-blocked');
      await page.getByText('You have set up enough to sign in, so you can continue.').waitFor();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('heading', { name: 'Security info' }).waitFor();
      await context.close();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'lets them sign out instead, and forgets the wizard',
    async () => {
      const context = await newContext(stack, { javaScript: false });
      const page = await context.newPage();
      await toTheDeadEnd(page, 'wizard-blocked-nojs');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('link', { name: 'Sign in' }).waitFor();
      await page.goto(at('/register'));
      await page.getByLabel('Username').waitFor();
      await context.close();
    },
    JOURNEY_TIMEOUT,
  );
});
