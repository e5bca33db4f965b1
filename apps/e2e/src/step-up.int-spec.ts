import { randomInt } from 'node:crypto';
import type { Page } from 'playwright-core';
import { generateSecret } from 'otplib';
import { PASSWORD, staffMember, tenantQuery } from '../../api/src/test/sign-in.js';
import { type Stack, checkPage, newContext, startStack } from './stack.js';

const newMobile = () => `+447400${String(randomInt(1_000_000)).padStart(6, '0')}`;
const national = (e164: string) => `0${e164.slice(3)}`;
const masked = (e164: string) => `+44 ${'•'.repeat(e164.length - 6)}${e164.slice(-2)}`;
const JOURNEY_TIMEOUT = 90_000;

/**
 * A change on Security info more than 10 minutes after the last check: the portal asks for a code, says why, and
 * once the code is right makes the change the person chose, with the success banner.
 */
describe('Security info after 10 minutes: the step-up carries the change through', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('portal-step-up');
  }, 60_000);
  afterAll(() => stack?.close());

  const at = (path: string) => `${stack.portalUrl}/${stack.org.slug}${path}`;
  const sql = (query: string, params: unknown[]) => tenantQuery(stack.api, stack.org.tenantId, query, params);

  /** The newest code texted to a number, once more than `seen` texts reached it, from the developer inbox. */
  async function codeFromInbox(page: Page, phone: string, seen: number): Promise<string> {
    const inbox = await page.context().newPage();
    try {
      // a worker delivers it: allow a loaded machine half a minute
      for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
        await inbox.goto(at('/dev/inbox'));
        const rows = inbox.getByTestId('inbox-message').filter({ hasText: phone });
        if ((await rows.count()) > seen) return /\b(\d{6})\b/.exec(await rows.first().innerText())![1]!;
        await inbox.waitForTimeout(250);
      }
      throw new Error(`nothing reached ${phone}`);
    } finally {
      await inbox.close();
    }
  }

  /** Signed in with a code texted to the default phone; then, as if 11 minutes had passed since. */
  async function signedInLongAgo(page: Page, username: string, phone: string, accountId: string) {
    await page.goto(at('/sign-in'));
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Code').fill(await codeFromInbox(page, phone, 0));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Security info' }).waitFor();
    await sql(`UPDATE sessions SET authenticated_at = now() - interval '11 minutes' WHERE account_id = $1`, [
      accountId,
    ]);
  }

  /** The step-up's code page: it says why it asks; the code texted to the phone is entered. */
  async function stepUp(page: Page, phone: string, texts: number, why: string, pageName: string) {
    await page.getByRole('heading', { name: 'Enter code' }).waitFor();
    expect(await page.getByTestId('step-up-why').innerText()).toBe(why);
    await page.getByText(`We texted your phone ${masked(phone)}`).waitFor();
    await checkPage(page, pageName);
    await page.getByLabel('Code').fill(await codeFromInbox(page, phone, texts));
    await page.getByRole('button', { name: 'Verify' }).click();
  }

  it(
    'changes the default sign-in method, and deletes a method, each after a step-up that says why',
    async () => {
      const phone = newMobile();
      const who = await staffMember(stack.api, stack.org.tenantId, {
        methods: [
          { type: 'mobile_text', phone },
          { type: 'authenticator_code', secret: generateSecret() },
          { type: 'mobile_call', phone: newMobile() },
        ],
      });
      const [, app, call] = who.methods;
      const context = await newContext(stack);
      const page = await context.newPage();
      await signedInLongAgo(page, who.username, phone, who.account.id);

      await page.getByRole('link', { name: /^Change default sign-in method/ }).click();
      await page
        .getByLabel('Default sign-in method')
        .selectOption({ label: 'Use a verification code from my authenticator app' });
      await page.getByRole('button', { name: 'Continue' }).click();
      await stepUp(
        page,
        phone,
        1,
        'To change your default sign-in method, we need to check it’s you.',
        'step-up-default-method',
      );
      await page.getByRole('heading', { name: 'Security info' }).waitFor();
      await page.getByText('Your default sign-in method has been changed.').waitFor();
      await page
        .getByText('Default sign-in method: Use a verification code from my authenticator app')
        .waitFor();
      expect(await sql(`SELECT is_default FROM methods WHERE id = $1`, [app!.id])).toEqual([
        { is_default: true },
      ]);

      // ten minutes on again: deleting the phone that calls goes through a step-up too, and is done after it
      await sql(
        `UPDATE sessions SET authenticated_at = now() - interval '11 minutes' WHERE account_id = $1`,
        [who.account.id],
      );
      await page.goto(at(`/security-info/${call!.id}/delete`));
      await page.getByRole('button', { name: 'Delete' }).click();
      await page.getByRole('link', { name: /I can't use this method right now/ }).waitFor();
      await page.getByRole('link', { name: /I can't use this method right now/ }).click();
      expect(await page.getByTestId('step-up-why').innerText()).toBe(
        'To delete a sign-in method, we need to check it’s you.',
      );
      await page.getByRole('button', { name: `Text ${masked(phone)}` }).click();
      await stepUp(
        page,
        phone,
        2,
        'To delete a sign-in method, we need to check it’s you.',
        'step-up-delete-method',
      );
      await page.getByText('The sign-in method has been deleted.').waitFor();
      expect(await sql(`SELECT count(*)::int AS n FROM methods WHERE id = $1`, [call!.id])).toEqual([
        { n: 0 },
      ]);
      await context.close();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'adds a method after a step-up, on to the code sent to the new address',
    async () => {
      const phone = newMobile();
      const email = `sam.k${randomInt(1_000_000)}@home.example.org`; // no six digits of its own to take for the code
      const who = await staffMember(stack.api, stack.org.tenantId, {
        methods: [
          { type: 'mobile_text', phone },
          { type: 'authenticator_code', secret: generateSecret() },
        ],
      });
      const context = await newContext(stack);
      const page = await context.newPage();
      await signedInLongAgo(page, who.username, phone, who.account.id);

      await page.goto(at('/security-info/add?type=email'));
      await page.getByLabel('Email address').fill(email);
      await page.getByRole('button', { name: 'Next' }).click();
      await stepUp(
        page,
        phone,
        1,
        'To add a sign-in method, we need to check it’s you.',
        'step-up-add-method',
      );
      await page.getByLabel('Code').fill(await codeFromInbox(page, email, 0));
      await page.getByRole('button', { name: 'Next', exact: true }).click();
      await page.getByText('Your new sign-in method is set up.').waitFor();
      expect(
        await sql(`SELECT count(*)::int AS n FROM methods WHERE account_id = $1 AND type = 'email'`, [
          who.account.id,
        ]),
      ).toEqual([{ n: 1 }]);
      await context.close();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'changes a phone number after a step-up, on to the code sent to the new number',
    async () => {
      const [phone, newPhone] = [newMobile(), newMobile()];
      const who = await staffMember(stack.api, stack.org.tenantId, {
        methods: [
          { type: 'mobile_text', phone },
          { type: 'authenticator_code', secret: generateSecret() },
        ],
      });
      const context = await newContext(stack);
      const page = await context.newPage();
      await signedInLongAgo(page, who.username, phone, who.account.id);

      await page.getByRole('link', { name: `Change ${masked(phone)}` }).click();
      await page.getByLabel('Phone number').fill(national(newPhone));
      await page.getByRole('button', { name: 'Next' }).click();
      await stepUp(
        page,
        phone,
        1,
        'To change your phone number, we need to check it’s you.',
        'step-up-change-phone',
      );
      await page.getByLabel('Code').fill(await codeFromInbox(page, newPhone, 0));
      await page.getByRole('button', { name: 'Next', exact: true }).click();
      await page.getByRole('heading', { name: 'Security info' }).waitFor();
      await page.getByRole('link', { name: `Change ${masked(newPhone)}` }).waitFor();
      await context.close();
    },
    JOURNEY_TIMEOUT,
  );
});
