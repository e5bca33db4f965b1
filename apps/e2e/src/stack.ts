import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { PORTAL_SCOPES } from '../../api/src/auth/scope-names.js';
import { issueKey, onboard, startApi, type TestApi } from '../../api/src/test/api.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const worker = path.resolve(here, '../../worker/dist/main.js');
const authenticator = path.resolve(here, '../../authenticator/dist/main.js');
const portal = path.resolve(here, '../../portal/dist/main.js');
/** Screenshots of every page a journey visits, kept as the test run's artifacts. */
export const SCREENSHOTS = path.resolve(here, '../../../.verity/screenshots');
const CHROMIUM = '/usr/bin/chromium';

export interface Stack {
  api: TestApi;
  org: Awaited<ReturnType<typeof onboard>> & { slug: string };
  portalUrl: string;
  authenticatorUrl: string;
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Everything a member of staff meets, for real: the API (in this process, so tests can make accounts), and as
 * processes of their own a worker delivering through the sandbox channel, the portal and the reference
 * authenticator; Debian's Chromium driven by playwright-core. Nothing is downloaded.
 */
export async function startStack(name: string, options: { authenticator?: boolean } = {}): Promise<Stack> {
  const prefix = `verity-e2e-${randomBytes(4).toString('hex')}`;
  const portalPort = await freePort();
  const api = await startApi({
    REDIS_PREFIX: prefix,
    CAPTCHA_MAX_NUMBER: '3000',
    WEBAUTHN_RP_ID: 'localhost',
    WEBAUTHN_ORIGINS: `http://localhost:${portalPort}`,
  });
  const created = await onboard(api, name);
  const organisation = await api.request({ method: 'GET', url: '/v1/organisation', key: created.key });
  const org = { ...created, slug: organisation.body.slug as string };
  // the portal holds a key as it would in service: only what it uses, and the sandbox for its developer inbox
  const portalKey = await issueKey(api, org.tenantId, [...PORTAL_SCOPES, 'sandbox'], 'portal');
  const apiUrl = await api.app.getUrl();
  const children: ChildProcess[] = [];
  const spawnReady = (file: string, env: Record<string, string>, ready: RegExp) =>
    new Promise<{ child: ChildProcess; line: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [file], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      child.once('exit', (code) =>
        reject(new Error(`${path.basename(path.dirname(path.dirname(file)))} exited (${code})`)),
      );
      child.stdout!.on('data', (chunk) => {
        const line = String(chunk)
          .split('\n')
          .find((l) => ready.test(l));
        if (line) resolve({ child, line });
      });
    });
  await spawnReady(worker, { REDIS_PREFIX: prefix, LOG_LEVEL: 'silent' }, /Verity worker serving/);
  let authenticatorUrl = '';
  if (options.authenticator) {
    const helper = await spawnReady(
      authenticator,
      { VERITY_API_URL: apiUrl, AUTHENTICATOR_PORT: '0', AUTHENTICATOR_HOST: '127.0.0.1' },
      /Verity authenticator on /,
    );
    authenticatorUrl = /(http:\/\/\S+)/.exec(helper.line)![1]!;
  }

  await spawnReady(
    portal,
    {
      PORTAL_HOST: '127.0.0.1',
      PORTAL_PORT: String(portalPort),
      VERITY_API_URL: apiUrl,
      PORTAL_ORGANISATIONS: JSON.stringify({ [org.slug]: portalKey }),
      REDIS_PREFIX: prefix,
      PORTAL_COOKIE_SECRET: randomBytes(32).toString('base64'),
      PORTAL_DEV_INBOX: 'true',
      LOG_LEVEL: 'warn',
    },
    /Verity portal on /,
  );
  // localhost, not 127.0.0.1: WebAuthn needs a secure context, which localhost is
  const portalUrl = `http://localhost:${portalPort}`;
  mkdirSync(SCREENSHOTS, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  return {
    api,
    org,
    portalUrl,
    authenticatorUrl,
    browser,
    async close() {
      await browser.close();
      for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
      await api.close();
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** What went wrong in each browser profile's pages so far. */
const problemsOf = new WeakMap<BrowserContext, string[]>();

/**
 * A fresh browser profile, like a person on a new device. Anything that goes wrong in its pages fails the test
 * (at the next `checkPage`, and when it is closed): a console error, an uncaught error, or a request for one of
 * the service's own resources that fails or is answered with an error.
 */
export async function newContext(
  stack: Stack,
  options: { javaScript?: boolean } = {},
): Promise<BrowserContext> {
  const context = await stack.browser.newContext({
    javaScriptEnabled: options.javaScript ?? true,
    locale: 'en-GB',
  });
  const problems = watchForProblems(
    context,
    [stack.portalUrl, stack.authenticatorUrl].filter(Boolean).map((url) => new URL(url).origin),
  );
  const close = context.close.bind(context);
  context.close = async (...args: Parameters<BrowserContext['close']>) => {
    await close(...args);
    if (problems.length > 0) throw new Error(`the pages had problems:\n${problems.join('\n')}`);
  };
  return context;
}

/** Resources a page loads, as opposed to the page itself (a form's answer may rightly be a 4xx page). */
const SUBRESOURCES = new Set(['stylesheet', 'script', 'image', 'font', 'manifest', 'media']);

/** Records a profile's problems (see `newContext`); the service's own origins are given. */
export function watchForProblems(context: BrowserContext, ownOrigins: string[]): string[] {
  const problems: string[] = [];
  problemsOf.set(context, problems);
  const own = (url: string) => ownOrigins.some((origin) => url.startsWith(`${origin}/`));
  context.on('console', (message) => {
    if (message.type() !== 'error') return;
    // a failed load is judged below from the request itself: whose it is, and whether it is a page or a resource
    if (message.text().startsWith('Failed to load resource:')) return;
    problems.push(`console error: ${message.text()} (${message.location().url})`);
  });
  context.on('weberror', (error) => problems.push(`uncaught error: ${String(error.error())}`));
  context.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? '';
    // a request cut short by the page moving on (a poll when a form is sent) is not a failure
    if (own(request.url()) && reason !== 'net::ERR_ABORTED')
      problems.push(`request failed: ${request.url()} ${reason}`);
  });
  context.on('response', (response) => {
    if (
      own(response.url()) &&
      SUBRESOURCES.has(response.request().resourceType()) &&
      response.status() >= 400
    )
      problems.push(`${response.status()} for ${response.url()}`);
  });
  return problems;
}

/**
 * Every page of a journey is photographed, fails on any problem seen in its profile so far (see `newContext`), and
 * is checked with axe (WCAG 2.2 A and AA: no serious or critical violation); without JavaScript, no axe.
 */
export async function checkPage(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const problems = problemsOf.get(page.context()) ?? [];
  if (problems.length > 0) throw new Error(`${name}: the pages had problems:\n${problems.join('\n')}`);
  // axe runs in the page: with JavaScript off it cannot, and the same pages are checked in the runs with it on
  // (the NHS.UK template's own inline script marks the body when scripts run)
  if (!(await page.evaluate(() => document.body.classList.contains('js-enabled')))) return;
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (serious.length > 0)
    throw new Error(
      `${name}: ${serious.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`).join('; ')}`,
    );
}

/** A scratch directory for a browser profile that persists (the authenticator's IndexedDB). */
export function scratchProfile(): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'verity-e2e-profile-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
