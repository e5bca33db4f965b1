import { generateSecret, generateSync } from 'otplib';
import { PASSWORD, staffMember } from '../../api/src/test/sign-in.js';
import { type Stack, checkPage, newContext, startStack } from './stack.js';

/** A journey through real pages in a real browser takes seconds, not milliseconds. */
const JOURNEY_TIMEOUT = 90_000;

describe('signing in at the portal', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('portal-sign-in');
  }, 60_000);
  afterAll(() => stack?.close());

  it(
    'signs in with a password and an authenticator code, and shows Security info',
    async () => {
      const secret = generateSecret();
      const { username } = await staffMember(stack.api, stack.org.tenantId, {
        methods: [
          { type: 'authenticator_code', secret },
          { type: 'mobile_text', phone: '+447400123987' },
        ],
      });
      const context = await newContext(stack);
      const page = await context.newPage();
      await page.goto(`${stack.portalUrl}/${stack.org.slug}/sign-in`);
      await checkPage(page, 'sign-in');
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Enter code' }).waitFor();
      await checkPage(page, 'sign-in-code');
      await page.getByLabel('Code').fill(generateSync({ secret }));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('heading', { name: 'Security info' }).waitFor();
      await checkPage(page, 'security-info');
      await context.close();
    },
    JOURNEY_TIMEOUT,
  );
});
