#!/usr/bin/env node
/**
 * A manual check of the reference authenticator in a real browser (not part of the test suite):
 *
 *   pnpm turbo run build --filter=@verity/authenticator && node apps/authenticator/scripts/smoke.mjs
 *
 * It starts a small fake of Verity's device API (which verifies every Device-Proof with node:crypto, as the
 * real API does with jose), starts the built server (dist/main.js) in front of it, and drives Debian's
 * Chromium with playwright-core from apps/e2e: the page loads without console errors, a bogus activation link
 * shows the API's problem detail, a good one adds an account whose code is right, requests are approved with
 * the number, denied, reported and voided by a wrong number, the account is removed (deactivated), the app
 * works offline, fits 320 px, and a code-only account computes the RFC 6238 SHA-1 test vectors under a fixed
 * clock. Set CHROMIUM to use another browser binary; HEADED=1 to watch; SCREENSHOTS=dir to keep screenshots.
 */
/* global document, indexedDB -- used in code that runs in the page (page.evaluate, waitForFunction) */
/* eslint-disable no-restricted-properties -- a manual script: it reads CHROMIUM and HEADED, and passes the env on */
import { spawn } from 'node:child_process';
import { createPublicKey, randomUUID, verify } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const e2eRequire = createRequire(new URL('../../e2e/package.json', import.meta.url));
const { chromium } = e2eRequire('playwright-core');
const { totp } = await import('../public/totp.js');

const ORGANISATION = { slug: 'nhs-smoke', name: 'NHS Smoke Test Trust' };
const USERNAME = 'sam.staff@smoke.nhs.uk';
const GOOD_CODE = 'good-activation-code-123';
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const RFC_SEED = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

const results = [];
function check(name, ok, detail = '') {
  results.push({ name, ok });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
}

// ------------------------------------------------------------------------------------------------------------
// A fake of Verity's device API

const fake = { devices: new Map(), challenges: new Map(), answers: [], deactivated: [] };

function problem(res, status, code, title, detail) {
  res.writeHead(status, { 'content-type': 'application/problem+json' });
  res.end(JSON.stringify({ type: `urn:verity:problem:${code}`, title, status, detail, code }));
}

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

/** The claims of a valid proof for this device and action, or null — as DeviceService.authenticate checks. */
function claimsOf(req, deviceId, act) {
  const device = fake.devices.get(deviceId);
  const proof = req.headers['device-proof'];
  if (!device || typeof proof !== 'string') return null;
  const [header, payload, signature] = proof.split('.');
  if (!header || !payload || !signature) return null;
  const good = verify(
    'sha256',
    Buffer.from(`${header}.${payload}`),
    { key: createPublicKey({ key: device.publicKey, format: 'jwk' }), dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!good) return null;
  if (JSON.parse(Buffer.from(header, 'base64url').toString()).alg !== 'ES256') return null;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  const age = Math.abs(Date.now() / 1000 - Number(claims.iat));
  if (claims.sub !== deviceId || claims.aud !== 'verity-device' || claims.act !== act || !(age <= 120))
    return null;
  return claims;
}

const api = createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = Buffer.concat(chunks).toString();
  const match = /^\/v1\/devices\/([^/]+)\/([^/]+)(\/.*)?$/.exec(req.url ?? '');
  if (!match) return problem(res, 404, 'not-found', 'Not found', 'No such route.');
  const [, organisation, deviceId, rest = ''] = match;
  if (req.method === 'POST' && rest === '/activate') {
    const input = JSON.parse(body || '{}');
    if (organisation !== ORGANISATION.slug || input.activationCode !== GOOD_CODE || input.platform !== 'web')
      return problem(
        res,
        400,
        'activation-failed',
        'Activation failed',
        'This activation code is wrong, used or expired. Scan the QR code again from Security info.',
      );
    fake.devices.set(deviceId, { publicKey: input.publicKey });
    return json(res, 200, {
      deviceId,
      organisation: ORGANISATION,
      account: USERNAME,
      totp: { secret: SECRET, digits: 6, period: 30, algorithm: 'SHA1' },
    });
  }
  const device = () => (fake.devices.has(deviceId) ? deviceId : null);
  const unrecognised = () =>
    problem(
      res,
      401,
      'device-proof',
      'Device not recognised',
      'The request is not signed by this device’s key.',
    );
  if (req.method === 'GET' && rest === '/challenges') {
    if (!device() || !claimsOf(req, deviceId, 'list')) return unrecognised();
    const pending = [...fake.challenges.values()].filter((c) => c.deviceId === deviceId && !c.settled);
    return json(res, 200, {
      challenges: pending.map(({ number: _number, deviceId: _d, settled: _s, ...shown }) => shown),
    });
  }
  const answer = /^\/challenges\/([^/]+)\/answer$/.exec(rest);
  if (req.method === 'POST' && answer) {
    const claims = device() && claimsOf(req, deviceId, 'answer');
    if (!claims || claims.challengeId !== answer[1] || !claims.decision) return unrecognised();
    const challenge = fake.challenges.get(answer[1]);
    if (!challenge) return problem(res, 404, 'not-found', 'Not found', 'The request does not exist.');
    if (challenge.settled)
      return problem(
        res,
        410,
        'challenge-over',
        'Request expired',
        'This request has expired or was already answered.',
      );
    challenge.settled = true;
    fake.answers.push(claims);
    const outcome =
      claims.decision === 'approve'
        ? claims.number === challenge.number
          ? 'approved'
          : 'wrong_number'
        : claims.decision === 'fraud'
          ? 'fraud'
          : 'denied';
    return json(res, 200, { challengeId: challenge.challengeId, outcome });
  }
  if (req.method === 'DELETE' && rest === '') {
    if (!device() || !claimsOf(req, deviceId, 'deactivate')) return unrecognised();
    fake.devices.delete(deviceId);
    fake.deactivated.push(deviceId);
    return json(res, 200, { deviceId, status: 'inactive' });
  }
  return problem(res, 404, 'not-found', 'Not found', 'No such route.');
});

function pushRequest(deviceId, number, location = 'Leeds, England, United Kingdom') {
  const challengeId = randomUUID();
  fake.challenges.set(challengeId, {
    challengeId,
    organisation: ORGANISATION.name,
    app: 'NHSmail',
    location,
    requestedAt: new Date().toISOString(),
    numberDigits: 2,
    expiresAt: new Date(Date.now() + 120_000).toISOString(),
    number,
    deviceId,
    settled: false,
  });
  return challengeId;
}

// ------------------------------------------------------------------------------------------------------------
// The authenticator's server, as built

api.listen(0, '127.0.0.1');
await once(api, 'listening');
const apiUrl = `http://127.0.0.1:${api.address().port}`;

const server = spawn(process.execPath, [`${here}../dist/main.js`], {
  env: { ...process.env, AUTHENTICATOR_PORT: '0', AUTHENTICATOR_HOST: '127.0.0.1', VERITY_API_URL: apiUrl },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const appUrl = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (chunk) => {
    out += chunk;
    const found = /Verity authenticator on (http:\/\/\S+)/.exec(out);
    if (found) resolve(found[1]);
  });
  server.once('exit', (code) => reject(new Error(`the server exited (${code}): ${out}`)));
  setTimeout(() => reject(new Error(`the server did not start: ${out}`)), 10_000);
});
check('the server prints its address', /^http:\/\/127\.0\.0\.1:\d+$/.test(appUrl), appUrl);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: !process.env.HEADED,
});

/** A full-page screenshot into $SCREENSHOTS, when set. */
async function screenshot(page, name) {
  if (process.env.SCREENSHOTS)
    await page.screenshot({ path: `${process.env.SCREENSHOTS}/${name}.png`, fullPage: true });
}

/** Whether the live region says something matching `pattern` within a few seconds (it speaks after 50 ms). */
async function statusSays(page, pattern) {
  return page
    .waitForFunction(
      (source) =>
        new RegExp(source).test(document.querySelector('[data-testid="status"]')?.textContent ?? ''),
      pattern.source,
      { timeout: 3000 },
    )
    .then(() => true)
    .catch(() => false);
}

/** Console errors, except the browser's own "Failed to load resource" for API answers a step expects. */
function watchConsole(page, errors) {
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const url = message.location()?.url ?? '';
    if (/Failed to load resource/.test(message.text()) && url.includes('/v1/devices/')) return;
    errors.push(`${message.text()} (${url})`);
  });
  page.on('pageerror', (error) => errors.push(String(error)));
}

try {
  // ----------------------------------------------------------------------------------------------------------
  // The device flow, at 320 px wide
  const context = await browser.newContext({ viewport: { width: 320, height: 720 }, locale: 'en-GB' });
  const page = await context.newPage();
  const errors = [];
  watchConsole(page, errors);
  await page.goto(appUrl);
  await page.getByRole('heading', { name: 'Verity Authenticator', level: 1 }).waitFor();
  check('the page loads with its heading', true);
  check('the page title', (await page.title()) === 'Verity Authenticator');

  // a bogus link: the API's problem detail is shown
  const deviceId = randomUUID();
  await page
    .getByLabel('Activation link')
    .fill(
      `verity://activate?api=${encodeURIComponent(apiUrl)}&organisation=${ORGANISATION.slug}&device=${randomUUID()}&code=bogus-code-0000000`,
    );
  await page.getByRole('button', { name: 'Add account' }).click();
  const error = page.getByTestId('add-account-error');
  await error.waitFor();
  await screenshot(page, 'bogus-link-320');
  check(
    'a bogus activation link shows the API’s error',
    (await error.textContent()).includes('This activation code is wrong, used or expired.'),
    await error.textContent(),
  );
  check(
    'the field is marked invalid and described by the error',
    (await page.getByLabel('Activation link').getAttribute('aria-invalid')) === 'true' &&
      (await page.getByLabel('Activation link').getAttribute('aria-describedby')).includes('link-error'),
  );
  check('the error is announced', await statusSays(page, /wrong, used or expired/));
  const notLink = page.getByLabel('Activation link');
  await notLink.fill('https://example.com');
  await page.getByRole('button', { name: 'Add account' }).click();
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="add-account-error"]')?.textContent?.includes('verity://activate'),
  );
  check('a link of another kind is refused by the app', true);

  // the right link
  await page
    .getByLabel('Activation link')
    .fill(
      `verity://activate?api=${encodeURIComponent(apiUrl)}&organisation=${ORGANISATION.slug}&device=${deviceId}&code=${GOOD_CODE}`,
    );
  await page.getByRole('button', { name: 'Add account' }).click();
  const account = page.getByTestId('account');
  await account.waitFor();
  check(
    'the account shows organisation and username',
    (await account.textContent()).includes(ORGANISATION.name) &&
      (await account.getByTestId('account-username').textContent()) === USERNAME,
  );
  check('the add error is cleared', await page.getByTestId('add-account-error').isHidden());
  check(
    'the activation link field is emptied',
    (await page.getByLabel('Activation link').inputValue()) === '',
  );
  check(
    'the service from the link is shown',
    (await account.getByTestId('account-api').textContent()).includes(apiUrl),
  );
  await page.waitForFunction(() =>
    /^\d{6}$/.test(document.querySelector('[data-testid="totp-code"]')?.textContent ?? ''),
  );
  const shown = await account.getByTestId('totp-code').textContent();
  const expected = [
    await totp({ secret: SECRET }, Date.now()),
    await totp({ secret: SECRET }, Date.now() - 2000),
  ];
  check(
    'the TOTP code is the secret’s RFC 6238 code now',
    expected.includes(shown),
    `${shown} vs ${expected}`,
  );
  const countdown = Number(await account.getByTestId('totp-countdown').textContent());
  check('the countdown is 1–30 seconds', countdown >= 1 && countdown <= 30, String(countdown));
  await page.waitForTimeout(1100);
  const later = Number(await account.getByTestId('totp-countdown').textContent());
  check('the countdown ticks', later !== countdown, `${countdown} → ${later}`);

  // the device key in IndexedDB is non-extractable
  const key = await page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('verity-authenticator');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const get = open.result.transaction('accounts').objectStore('accounts').getAll();
          get.onsuccess = () => {
            const [stored] = get.result;
            resolve({
              isKey: stored.keys.privateKey instanceof CryptoKey,
              extractable: stored.keys.privateKey.extractable,
              algorithm: stored.keys.privateKey.algorithm,
            });
          };
        };
      }),
  );
  check(
    'the private key is a non-extractable P-256 CryptoKey in IndexedDB',
    key.isKey && key.extractable === false && key.algorithm.namedCurve === 'P-256',
    JSON.stringify(key),
  );
  check(
    'the device registered a P-256 JWK with x and y only',
    Object.keys(fake.devices.get(deviceId).publicKey).sort().join() === 'crv,kty,x,y',
  );

  // a sign-in request arrives and is approved with the number
  const first = pushRequest(deviceId, '42');
  const request = page.locator(`[data-testid="request"][data-challenge-id="${first}"]`);
  await request.waitFor({ timeout: 5000 });
  check('a pending request appears by polling', true);
  const requestText = await request.textContent();
  check(
    'the request shows organisation, account, app, location and time',
    [ORGANISATION.name, USERNAME, 'NHSmail', 'Leeds, England, United Kingdom'].every((s) =>
      requestText.includes(s),
    ) && (await request.locator('time').count()) === 1,
  );
  await screenshot(page, 'request-320');
  check(
    'the request has a map with a dot',
    (await request.getByTestId('request-map').locator('circle').count()) >= 1,
  );
  check(
    'the new request is announced',
    await statusSays(page, /^New sign-in request from NHS Smoke Test Trust/),
  );
  await request.getByRole('button', { name: 'Approve' }).click();
  check(
    'approving without the number asks for it',
    (await request.textContent()).includes('Enter the number shown on the sign-in screen') &&
      fake.answers.length === 0,
  );
  await request.getByLabel('Enter the number shown to sign in').fill('42');
  await request.getByRole('button', { name: 'Approve' }).click();
  await request.getByTestId('request-outcome').waitFor();
  check(
    'approved with the right number',
    (await request.getByTestId('request-outcome').textContent()) === 'Approved',
  );
  check('the result is announced', await statusSays(page, /^Approved\. You can go back/));
  check(
    'the answer was signed with the number',
    fake.answers.at(-1)?.decision === 'approve' &&
      fake.answers.at(-1)?.number === '42' &&
      fake.answers.at(-1)?.challengeId === first,
  );
  check(
    'focus moved to the result',
    await page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'request-result'),
  );

  // deny, report fraud, wrong number
  for (const [decision, button, number, outcome] of [
    ['deny', 'Deny', '', 'Denied'],
    ['fraud', 'Deny and report fraud', '', 'Reported'],
    ['approve', 'Approve', '13', 'Denied: the number did not match'],
  ]) {
    const id = pushRequest(
      deviceId,
      '42',
      decision === 'fraud' ? 'Scotland, United Kingdom' : 'Paris, France',
    );
    const card = page.locator(`[data-testid="request"][data-challenge-id="${id}"]`);
    await card.waitFor({ timeout: 5000 });
    if (number) await card.getByLabel('Enter the number shown to sign in').fill(number);
    await card.getByRole('button', { name: button, exact: true }).click();
    await card.getByTestId('request-outcome').waitFor();
    const text = await card.getByTestId('request-outcome').textContent();
    check(
      `"${button}" shows "${outcome}"`,
      text === outcome && fake.answers.at(-1)?.decision === decision,
      text,
    );
  }

  await screenshot(page, 'answered-320');
  // "Check for notifications"
  await page.getByRole('button', { name: 'Check for notifications' }).click();
  await page.waitForFunction(
    () =>
      document.querySelector('[data-testid="status"]')?.textContent === 'No sign-in requests are waiting.',
  );
  check('"Check for notifications" says none are waiting', true);

  // a request answered elsewhere gives 410, shown as the API's detail
  const over = pushRequest(deviceId, '42');
  const overCard = page.locator(`[data-testid="request"][data-challenge-id="${over}"]`);
  await overCard.waitFor({ timeout: 5000 });
  fake.challenges.get(over).settled = true;
  await overCard.getByLabel('Enter the number shown to sign in').fill('42');
  await overCard.getByRole('button', { name: 'Approve' }).click();
  await overCard.getByTestId('request-outcome').waitFor();
  check(
    'a request already over shows the API’s detail',
    (await overCard.getByTestId('request-outcome').textContent()) ===
      'This request has expired or was already answered.',
  );

  // fits 320 px
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  check('no horizontal scrolling at 320 px', overflow <= 320, `scrollWidth ${overflow}`);

  // accessibility: axe, where apps/e2e has it
  try {
    const { default: AxeBuilder } = await import(e2eRequire.resolve('@axe-core/playwright'));
    const axe = await new AxeBuilder({ page })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
      .analyze();
    check(
      'axe finds no WCAG 2.2 AA violations',
      axe.violations.length === 0,
      axe.violations.map((v) => `${v.id}: ${v.nodes.length}`).join(', '),
    );
  } catch (axeError) {
    console.log(`(axe not run: ${axeError.message})`);
  }

  // the offline shell
  const registered = await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    return Boolean(registration.active);
  });
  check('the service worker is active', registered);
  await page.reload();
  await page.getByTestId('account').waitFor();
  await context.setOffline(true);
  await page.reload();
  await page.getByRole('heading', { name: 'Verity Authenticator', level: 1 }).waitFor({ timeout: 5000 });
  await page.waitForFunction(() =>
    /^\d{6}$/.test(document.querySelector('[data-testid="totp-code"]')?.textContent ?? ''),
  );
  check('offline, the app loads from the service worker and still shows codes', true);
  await page.getByRole('button', { name: 'Check for notifications' }).click();
  await page.waitForFunction(() =>
    /offline|cannot be reached/.test(document.querySelector('[data-testid="status"]')?.textContent ?? ''),
  );
  check('offline, checking for notifications says so', true, await page.getByTestId('status').textContent());
  await context.setOffline(false);

  // remove the account: deactivated at Verity, gone here
  await page.getByRole('button', { name: 'Remove account' }).click();
  await page.getByText('There are no accounts on this device yet.').waitFor();
  check('"Remove account" deactivates the device and forgets it', fake.deactivated.includes(deviceId));
  check('the removal is announced', await statusSays(page, /removed/));
  check('no console errors on the device page', errors.length === 0, errors.join(' | '));
  await context.close();

  // ----------------------------------------------------------------------------------------------------------
  // A code-only account (otpauth://) under a fixed clock: the RFC 6238 Appendix B SHA-1 vectors
  const clockContext = await browser.newContext({ viewport: { width: 400, height: 800 } });
  const clockPage = await clockContext.newPage();
  const clockErrors = [];
  watchConsole(clockPage, clockErrors);
  await clockPage.clock.setFixedTime(new Date(59_000));
  await clockPage.goto(appUrl);
  await clockPage
    .getByLabel('Activation link')
    .fill(`otpauth://totp/RFC%206238:test?secret=${RFC_SEED}&digits=8&period=30&algorithm=SHA1`);
  await clockPage.getByRole('button', { name: 'Add account' }).click();
  const code = clockPage.getByTestId('totp-code');
  await clockPage
    .waitForFunction(
      () => document.querySelector('[data-testid="totp-code"]')?.textContent === '94287082',
      null,
      { timeout: 5000 },
    )
    .catch(() => undefined);
  await screenshot(clockPage, 'code-only');
  check('T = 59 s gives 94287082', (await code.textContent()) === '94287082', await code.textContent());
  check('…with 1 s left', (await clockPage.getByTestId('totp-countdown').textContent()) === '1');
  for (const [seconds, vector] of [
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ]) {
    await clockPage.clock.setFixedTime(new Date(seconds * 1000));
    await clockPage
      .waitForFunction(
        (v) => document.querySelector('[data-testid="totp-code"]')?.textContent === v,
        vector,
        { timeout: 5000 },
      )
      .catch(() => undefined);
    check(
      `T = ${seconds} s gives ${vector}`,
      (await code.textContent()) === vector,
      await code.textContent(),
    );
  }
  await clockPage.getByRole('button', { name: 'Remove account' }).click();
  await clockPage.getByText('There are no accounts on this device yet.').waitFor();
  check('a code-only account is removed locally', true);
  check('no console errors on the code-only page', clockErrors.length === 0, clockErrors.join(' | '));
  await clockContext.close();
} catch (error) {
  check('the smoke check ran to the end', false, error instanceof Error ? error.stack : String(error));
} finally {
  await browser.close();
  server.kill('SIGTERM');
  api.close();
  api.closeAllConnections();
}

const failed = results.filter((r) => !r.ok);
console.log(`\n${results.length - failed.length} of ${results.length} checks passed`);
process.exit(failed.length ? 1 : 0);
