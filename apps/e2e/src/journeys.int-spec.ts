import { randomInt } from 'node:crypto';
import type { Page } from 'playwright-core';
import { generateSecret, generateSync } from 'otplib';
import { PASSWORD, staffMember } from '../../api/src/test/sign-in.js';
import { type Stack, checkPage, newContext, startStack } from './stack.js';

const newMobile = () => `+447400${String(randomInt(1_000_000)).padStart(6, '0')}`;
const national = (e164: string) => `0${e164.slice(3)}`;
const NEW_PASSWORD = 'heather compass lantern meadow';

/** A journey through real pages in a real browser takes seconds, not milliseconds. */
const JOURNEY_TIMEOUT = 90_000;

describe('the portal, as staff go through it', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('portal-journeys');
  }, 60_000);
  afterAll(() => stack?.close());

  const at = (path: string) => `${stack.portalUrl}/${stack.org.slug}${path}`;

  async function signInWithPassword(page: Page, username: string, password = PASSWORD) {
    await page.goto(at('/sign-in'));
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** The newest code texted to a number, read from the developer inbox page as a developer would. */
  async function codeFromInbox(page: Page, phone: string, seen = 0): Promise<string> {
    const inbox = await page.context().newPage();
    try {
      for (let i = 0; i < 60; i++) {
        await inbox.goto(at('/dev/inbox'));
        const rows = inbox.getByTestId('inbox-message').filter({ hasText: phone });
        if ((await rows.count()) > seen) {
          const text = await rows.first().innerText();
          return /\b(\d{6})\b/.exec(text)![1]!;
        }
        await inbox.waitForTimeout(250);
      }
      throw new Error(`nothing reached ${phone}`);
    } finally {
      await inbox.close();
    }
  }

  /**
   * "Keep your account secure" as seed 000 walks it, for a person with no method: an authenticator app by its
   * secret ("Can't scan the QR image?"), a phone by a text read from the developer inbox, the success page, Done.
   */
  async function throughTheWizard(page: Page, username: string, pages: string) {
    const phone = newMobile();
    await signInWithPassword(page, username);
    await page.getByText('Method 1 of 2').waitFor();
    await page.getByRole('heading', { name: 'Keep your account secure' }).waitFor();
    await checkPage(page, `${pages}-method-1`);
    await page.getByRole('link', { name: 'I want to set up a different method' }).click();
    await checkPage(page, `${pages}-different-method`);
    await page.getByLabel('Another authenticator app (codes)').check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText("Can't scan the QR image?").click();
    await checkPage(page, `${pages}-totp`);
    const secret = (await page.getByTestId('totp-secret').innerText()).trim();
    await page.getByLabel('Code').fill(generateSync({ secret }));
    await page.getByRole('button', { name: 'Next' }).click();

    await page.getByText('Method 2 of 2').waitFor();
    await page.getByRole('link', { name: 'I want to set up a different method' }).click();
    await page.getByLabel('Phone (text message)').check();
    await page.getByRole('button', { name: 'Next' }).click();
    // the phone page as seed 000 has it: the step, Back, the other methods, and that it will text
    await page.getByText('Method 2 of 2').waitFor();
    await page.getByRole('heading', { name: 'Phone (text message)' }).waitFor();
    await page.getByText('We will text a 6 digit code to this number.').waitFor();
    await page.getByRole('link', { name: 'Back' }).waitFor();
    await page.getByRole('link', { name: 'I want to set up a different method' }).waitFor();
    await checkPage(page, `${pages}-phone`);
    // a number too short: said at the number, which is kept, on the same page
    await page.getByLabel('Phone number').fill('07400 12345');
    await page.getByRole('button', { name: 'Next' }).click();
    const error = page.locator('.nhsuk-error-summary a[href="#phone"]');
    await error.waitFor();
    expect(await error.innerText()).toMatch(/^Enter a valid phone number/);
    await page.getByRole('heading', { name: 'Phone (text message)' }).waitFor();
    expect(await page.getByLabel('Phone number').inputValue()).toBe('07400 12345');
    await checkPage(page, `${pages}-phone-refused`);
    await page.getByLabel('Phone number').fill(national(phone));
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText(/We just sent a 6 digit code to \+44/).waitFor();
    await checkPage(page, `${pages}-phone-code`);
    await page.getByLabel('Code').fill(await codeFromInbox(page, phone));
    await page.getByRole('button', { name: 'Next', exact: true }).click();

    await page.getByRole('heading', { name: 'Success!' }).waitFor();
    await page.getByText('Default sign-in method:').waitFor();
    await checkPage(page, `${pages}-success`);
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('heading', { name: 'Security info' }).waitFor();
  }

  it(
    'signs in with a code texted to the phone, read from the developer inbox',
    async () => {
      const phone = newMobile();
      const { username } = await staffMember(stack.api, stack.org.tenantId, {
        methods: [
          { type: 'mobile_text', phone },
          { type: 'authenticator_code', secret: generateSecret() },
        ],
      });
      const context = await newContext(stack);
      const page = await context.newPage();
      await signInWithPassword(page, username);
      await page.getByRole('heading', { name: 'Enter code' }).waitFor();
      await page.getByText(/We texted your phone \+44 •+\d\d/).waitFor();
      await checkPage(page, 'sign-in-text');
      const code = await codeFromInbox(page, phone);
      await page.getByLabel('Code').fill(code);
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('heading', { name: 'Security info' }).waitFor();
      await page.goto(at('/dev/inbox'));
      await checkPage(page, 'developer-inbox');
      await context.close();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'takes a new member of staff through "Keep your account secure": an authenticator app, then a phone, then Done',
    async () => {
      const { username } = await staffMember(stack.api, stack.org.tenantId);
      const context = await newContext(stack);
      await throughTheWizard(await context.newPage(), username, 'wizard');
      await context.close();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'changes the default sign-in method and deletes a method on Security info, without JavaScript too',
    async () => {
      for (const javaScript of [true, false]) {
        const secret = generateSecret();
        const phone = newMobile();
        const { username } = await staffMember(stack.api, stack.org.tenantId, {
          methods: [
            { type: 'authenticator_code', secret },
            { type: 'mobile_text', phone },
            { type: 'mobile_call', phone: newMobile() },
          ],
        });
        const context = await newContext(stack, { javaScript });
        const page = await context.newPage();
        await signInWithPassword(page, username);
        await page.getByLabel('Code').fill(generateSync({ secret }));
        await page.getByRole('button', { name: 'Verify' }).click();
        await page.getByRole('heading', { name: 'Security info' }).waitFor();

        await page.getByRole('link', { name: /^Change default sign-in method/ }).click();
        await checkPage(page, `default-method${javaScript ? '' : '-nojs'}`);
        const masked = `+44 ${'•'.repeat(phone.length - 6)}${phone.slice(-2)}`;
        await page.getByLabel('Default sign-in method').selectOption({ label: `Text ${masked}` });
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.getByText(`Default sign-in method: Text ${masked}`).waitFor();

        await page.getByRole('link', { name: /^Delete Authenticator app/ }).click();
        await checkPage(page, `delete-method${javaScript ? '' : '-nojs'}`);
        await page.getByRole('button', { name: 'Delete' }).click();
        await page.getByRole('heading', { name: 'Security info' }).waitFor();
        expect(await page.getByRole('term').filter({ hasText: 'Authenticator app' }).count()).toBe(0);
        await context.close();
      }
    },
    JOURNEY_TIMEOUT,
  );

  /** Signed in with an app code, "Change" on the phone, the new number proved by the code texted to it. */
  async function changePhone(javaScript: boolean, pages: string) {
    const secret = generateSecret();
    const [oldPhone, newPhone] = [newMobile(), newMobile()];
    const { username } = await staffMember(stack.api, stack.org.tenantId, {
      methods: [
        { type: 'authenticator_code', secret },
        { type: 'mobile_text', phone: oldPhone },
      ],
    });
    const context = await newContext(stack, { javaScript });
    const page = await context.newPage();
    await signInWithPassword(page, username);
    await page.getByLabel('Code').fill(generateSync({ secret }));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Security info' }).waitFor();
    await page.getByRole('link', { name: /^Change \+44/ }).click();
    await checkPage(page, pages);
    await page.getByLabel('Phone number').fill(national(newPhone));
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Code').fill(await codeFromInbox(page, newPhone));
    await page.getByRole('button', { name: 'Next', exact: true }).click();
    await page.getByRole('heading', { name: 'Security info' }).waitFor();
    await page
      .getByRole('link', { name: `Change +44 ${'•'.repeat(newPhone.length - 6)}${newPhone.slice(-2)}` })
      .waitFor();
    await context.close();
  }

  it(
    'changes a phone number on Security info once the new number is proved',
    () => changePhone(true, 'change-phone'),
    JOURNEY_TIMEOUT,
  );

  it(
    'changes a phone number without JavaScript',
    () => changePhone(false, 'change-phone-nojs'),
    JOURNEY_TIMEOUT,
  );

  it(
    'resets a forgotten password with two checks, then signs in with the new password',
    async () => {
      const secret = generateSecret();
      const phone = newMobile();
      const { username } = await staffMember(stack.api, stack.org.tenantId, {
        methods: [
          { type: 'authenticator_code', secret },
          { type: 'mobile_text', phone },
        ],
      });
      const context = await newContext(stack);
      const page = await context.newPage();
      await page.goto(at('/sign-in'));
      await page.getByRole('link', { name: 'Forgot my password' }).click();
      await checkPage(page, 'reset-start');
      await page.getByLabel('User ID').fill(username);
      await page.getByRole('button', { name: 'Next' }).click();
      await checkPage(page, 'reset-captcha');
      await page.getByRole('button', { name: 'Start the check' }).click();
      await page.getByRole('heading', { name: 'Verification step 1' }).waitFor();
      await checkPage(page, 'reset-gate-1');
      await page
        .locator('form', { has: page.getByRole('button', { name: 'Text my mobile phone' }) })
        .getByLabel('Enter your mobile phone number, for a text')
        .fill(national(phone));
      await page.getByRole('button', { name: 'Text my mobile phone' }).click();
      await page.getByLabel('Code').fill(await codeFromInbox(page, phone));
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByRole('heading', { name: 'Verification step 2' }).waitFor();
      await page.getByRole('button', { name: 'Enter a code from my authenticator app' }).click();
      await page.getByLabel('Code').fill(generateSync({ secret }));
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
      await page.getByLabel('New password', { exact: true }).fill('password1234567');
      await page
        .getByText(/common|guess|password/i)
        .first()
        .waitFor();
      await checkPage(page, 'reset-new-password');
      await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
      await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Finish' }).click();
      await page.getByRole('heading', { name: 'Your password has been reset' }).waitFor();
      await checkPage(page, 'reset-done');

      await signInWithPassword(page, username, NEW_PASSWORD);
      await page.getByRole('heading', { name: 'Enter code' }).waitFor();
      await context.close();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'goes through the wizard without JavaScript',
    async () => {
      const { username } = await staffMember(stack.api, stack.org.tenantId);
      const context = await newContext(stack, { javaScript: false });
      await throughTheWizard(await context.newPage(), username, 'wizard-nojs');
      await context.close();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'signs in without JavaScript: the code page is a plain form',
    async () => {
      const secret = generateSecret();
      const { username } = await staffMember(stack.api, stack.org.tenantId, {
        methods: [
          { type: 'authenticator_code', secret },
          { type: 'mobile_text', phone: newMobile() },
        ],
      });
      const context = await newContext(stack, { javaScript: false });
      const page = await context.newPage();
      await signInWithPassword(page, username);
      await page.getByLabel('Code').fill(generateSync({ secret }));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('heading', { name: 'Security info' }).waitFor();
      await context.close();
    },
    JOURNEY_TIMEOUT,
  );
});
