#!/usr/bin/env node
// Peer baseline for the sign-in benchmark (performance.md B6, scenario 2): Better Auth's
// sign-in TOTP verify, each challenge verified exactly once.
//   node apps/api/bench/peer/run.mjs --accounts 100000 --challenges 1000 --connections 50
// Prints one JSON line on stdout; everything else goes to stderr.
import { spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon'; // apps/api/node_modules/autocannon, by normal resolution
import { getMigrations } from 'better-auth/db/migration';
import { generateRandomString, symmetricEncrypt } from 'better-auth/crypto';
import { generateSync } from 'otplib';
import pg from 'pg';
import { createAuth } from './server.mjs';

const PEER = 'better-auth 1.7.25';
const PASSWORD = 'correct horse battery staple';
const SIGN_IN_IN_FLIGHT = 16;
const SEED_BATCH = 10_000;
const SMOKE_USERS = 3;
const STEP_MS = 30_000;
const WARM_UP_SECONDS = 5;

const log = (...args) => console.error('[peer]', ...args);
const secondsSince = (t0) => (performance.now() - t0) / 1000;
const round = (x, digits = 1) => Number(x.toFixed(digits));
const email = (i) => `peer${i}@bench.test`;
const newId = () => generateRandomString(32, 'a-z', 'A-Z', '0-9');
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

const { values: args } = parseArgs({
  options: {
    accounts: { type: 'string', default: '100000' },
    challenges: { type: 'string', default: '1000' },
    connections: { type: 'string', default: '50' },
  },
});
const accounts = Number(args.accounts);
const challenges = Number(args.challenges);
const connections = Number(args.connections);
for (const [name, n] of Object.entries({ accounts, challenges, connections })) {
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
}
if (connections > challenges) throw new Error('--connections cannot exceed --challenges');
if (accounts < SMOKE_USERS + 1) throw new Error(`--accounts must be at least ${SMOKE_USERS + 1}`);

// --- database -------------------------------------------------------------------------------
const dbName = `verity_peer_${randomBytes(6).toString('hex')}`;
const adminUrl = new URL(process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432');
adminUrl.pathname = '/postgres';
const dbUrl = new URL(adminUrl);
dbUrl.pathname = `/${dbName}`;

async function admin(sql) {
  const client = new pg.Client({ connectionString: adminUrl.href });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

// --- cleanup, also on failure or Ctrl-C ----------------------------------------------------
let child;
let auth;
let dbCreated = false;
let cleaning;
function cleanup() {
  cleaning ??= (async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await auth?.options.database.end().catch(() => {});
    if (dbCreated) {
      await admin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
      log(`dropped database ${dbName}`);
    }
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    cleanup().finally(() => process.exit(130));
  });
}

// --- seeding --------------------------------------------------------------------------------
/** Inserts `accounts` users with a credential account and a verified TOTP factor; returns their plain secrets. */
async function seed(pool, ctx) {
  // One scrypt hash, made by Better Auth's own hasher, shared by every account.
  const passwordHash = await ctx.password.hash(PASSWORD);
  // Backup codes are not exercised; all users share one blob, encrypted as the plugin does by default.
  const backupCodes = await symmetricEncrypt({
    key: ctx.secretConfig,
    data: JSON.stringify(Array.from({ length: 10 }, () => generateRandomString(10, 'a-z', '0-9', 'A-Z'))),
  });
  const secrets = new Array(accounts);
  for (let start = 0; start < accounts; start += SEED_BATCH) {
    const n = Math.min(SEED_BATCH, accounts - start);
    const ids = [];
    const emails = [];
    const encrypted = [];
    for (let i = start; i < start + n; i++) {
      ids.push(newId());
      emails.push(email(i));
      // Exactly what POST /two-factor/enable stores: a 32-character random string,
      // symmetrically encrypted with the auth secret.
      secrets[i] = generateRandomString(32);
      encrypted.push(symmetricEncrypt({ key: ctx.secretConfig, data: secrets[i] }));
    }
    const secretColumn = await Promise.all(encrypted);
    await pool.query(
      `INSERT INTO "user" (id, name, email, "emailVerified", "twoFactorEnabled", "createdAt", "updatedAt")
       SELECT id, 'Bench user', email, true, true, now(), now() FROM unnest($1::text[], $2::text[]) AS t(id, email)`,
      [ids, emails],
    );
    await pool.query(
      `INSERT INTO account (id, "accountId", "providerId", "userId", password, "createdAt", "updatedAt")
       SELECT $2 || id, id, 'credential', id, $3, now(), now() FROM unnest($1::text[]) AS t(id)`,
      [ids, 'acct', passwordHash],
    );
    await pool.query(
      `INSERT INTO "twoFactor" (id, secret, "backupCodes", "userId", verified, "failedVerificationCount")
       SELECT $3 || id, secret, $4, id, true, 0 FROM unnest($1::text[], $2::text[]) AS t(id, secret)`,
      [ids, secretColumn, '2fa', backupCodes],
    );
  }
  await pool.query('ANALYZE');
  return secrets;
}

// --- the server -----------------------------------------------------------------------------
function startServer(secret) {
  child = spawn(process.execPath, [new URL('./server.mjs', import.meta.url).pathname], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: '0',
      PEER_DATABASE_URL: dbUrl.href,
      BETTER_AUTH_SECRET: secret,
    },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk) => {
      process.stderr.write(chunk); // the server's stdout is not ours
      buffered += chunk;
      const match = /^listening (\d+)$/m.exec(buffered);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code, signal) => reject(new Error(`server exited early (${code ?? signal})`)));
  });
}

// --- client side ----------------------------------------------------------------------------
const totp = (secret, ms = Date.now()) =>
  generateSync({ secret: Buffer.from(secret), epoch: Math.floor(ms / 1000) });

/** POST /sign-in/email; returns the `name=value` of the signed two_factor cookie. */
async function signIn(base, i) {
  const res = await fetch(`${base}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ email: email(i), password: PASSWORD }),
  });
  const body = await res.json().catch(() => null);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .find((c) => /two_factor=/.test(c));
  if (res.status !== 200 || body?.twoFactorRedirect !== true || !cookie) {
    throw new Error(`sign-in of ${email(i)} gave ${res.status} ${JSON.stringify(body)}`);
  }
  return cookie;
}

async function verifyOnce(base, cookie, code) {
  const res = await fetch(`${base}/api/auth/two-factor/verify-totp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base, cookie },
    body: JSON.stringify({ code }),
  });
  return {
    status: res.status,
    body: await res.json().catch(() => null),
    setCookie: res.headers.getSetCookie(),
  };
}

/** Distinct random account indices (wrapping only when more are asked for than exist). */
function pickUsers(n) {
  const picked = new Set();
  while (picked.size < Math.min(n, accounts)) picked.add(randomInt(accounts));
  const list = [...picked];
  while (list.length < n) list.push(list[list.length % accounts]);
  return list;
}

// --- main -----------------------------------------------------------------------------------
async function main() {
  const secret = randomBytes(32).toString('base64url');
  await admin(`CREATE DATABASE "${dbName}"`);
  dbCreated = true;
  log(`database ${dbName}; load average ${load()} (the run is only as good as an idle machine)`);

  auth = createAuth({ databaseUrl: dbUrl.href, secret, baseURL: 'http://127.0.0.1' });
  await (await getMigrations(auth.options)).runMigrations();
  const ctx = await auth.$context;

  let t0 = performance.now();
  const secrets = await seed(auth.options.database, ctx);
  const seedSeconds = secondsSince(t0);
  log(`seeded ${accounts} accounts with TOTP in ${seedSeconds.toFixed(1)} s`);
  await auth.options.database.end();
  auth = undefined;

  const port = await startServer(secret);
  const base = `http://127.0.0.1:${port}`;

  // Seeded users must work end to end: sign in, verify with the current code, get a session.
  const users = pickUsers(challenges + SMOKE_USERS);
  const sessions = [];
  for (const i of users.splice(0, SMOKE_USERS)) {
    const result = await verifyOnce(base, await signIn(base, i), totp(secrets[i]));
    const session = result.setCookie.map((c) => c.split(';')[0]).find((c) => /session_token=./.test(c));
    if (result.status !== 200 || !result.body?.token || !session) {
      throw new Error(`smoke sign-in of ${email(i)} failed: ${result.status} ${JSON.stringify(result.body)}`);
    }
    sessions.push({ cookie: session, secret: secrets[i] });
  }
  log(`smoke: ${SMOKE_USERS} seeded users signed in with password + TOTP`);

  // Challenges: password sign-ins (scrypt-bound), SIGN_IN_IN_FLIGHT at a time.
  const cookies = new Array(challenges);
  let next = 0;
  t0 = performance.now();
  await Promise.all(
    Array.from({ length: SIGN_IN_IN_FLIGHT }, async () => {
      while (next < challenges) {
        const k = next++;
        cookies[k] = await signIn(base, users[k]);
      }
    }),
  );
  const makeChallengesSeconds = secondsSince(t0);
  const makeChallengesPerSecond = challenges / makeChallengesSeconds;
  log(
    `made ${challenges} challenges in ${makeChallengesSeconds.toFixed(1)} s (${makeChallengesPerSecond.toFixed(1)}/s)`,
  );
  if (makeChallengesSeconds > 540) log('warning: the first challenges are close to their 600 s expiry');

  // Warm-up, so the measured run does not pay for a cold JIT: the repeatable signed-in path
  // (B6 scenario 1: verify-totp with a session cookie) shares most of its code with the measured one.
  let turn = 0;
  const warm = await autocannon({
    url: base,
    connections,
    duration: WARM_UP_SECONDS,
    headers: { 'content-type': 'application/json', origin: base },
    requests: [
      {
        method: 'POST',
        path: '/api/auth/two-factor/verify-totp',
        setupRequest: (req) => {
          const { cookie, secret } = sessions[turn++ % sessions.length];
          return {
            ...req,
            headers: { ...req.headers, cookie },
            body: JSON.stringify({ code: totp(secret) }),
          };
        },
      },
    ],
  });
  log(`warm-up: ${warm.requests.total} signed-in verifies in ${warm.duration} s, ${warm.non2xx} non-2xx`);

  // Codes for the current 30 s step and the next one, made right before the run; a request
  // sends the code of the step it is sent in (computed on the spot only past those two steps).
  const step = Math.floor(Date.now() / STEP_MS);
  const codes = [0, 1].map((d) =>
    users.slice(0, challenges).map((i) => totp(secrets[i], (step + d) * STEP_MS)),
  );
  let sent = 0;
  const setupRequest = (req) => {
    const k = sent++;
    const d = Math.floor(Date.now() / STEP_MS) - step;
    const code = codes[d]?.[k] ?? totp(secrets[users[k]]);
    return { ...req, headers: { ...req.headers, cookie: cookies[k] }, body: JSON.stringify({ code }) };
  };
  // autocannon notices the end of an `amount` run only on its 1 s tick, so its `duration` can be
  // up to a second long: time the run ourselves, from the start to the last response.
  let responses = 0;
  let lastResponseAt;
  const onResponse = () => {
    responses++;
    lastResponseAt = performance.now();
  };
  t0 = performance.now();
  const result = await autocannon({
    url: base,
    connections,
    amount: challenges,
    headers: { 'content-type': 'application/json', origin: base },
    requests: [{ method: 'POST', path: '/api/auth/two-factor/verify-totp', setupRequest, onResponse }],
  });
  const verifySeconds = (lastResponseAt - t0) / 1000;
  const errors = result.errors + result.timeouts;
  log(`load average after the run ${load()}`);
  log(
    `verify: ${result['2xx']} 2xx, ${result.non2xx} non-2xx, ${errors} errors/timeouts in ${verifySeconds.toFixed(2)} s; ` +
      `latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`,
  );
  if (sent !== challenges) log(`warning: ${sent} requests were built for ${challenges} challenges`);

  console.log(
    JSON.stringify({
      peer: PEER,
      accounts,
      challenges,
      perSecond: round(responses / verifySeconds),
      p50: result.latency.p50,
      p99: result.latency.p99,
      non2xx: result.non2xx,
      makeChallengesPerSecond: round(makeChallengesPerSecond, 2),
      connections,
      errors,
      seedSeconds: round(seedSeconds),
      makeChallengesSeconds: round(makeChallengesSeconds),
      verifySeconds: round(verifySeconds, 2),
      rateLimit: false,
    }),
  );
  if (result.non2xx + errors > 0) process.exitCode = 1;
}

try {
  await main();
} catch (error) {
  log(error?.stack ?? error);
  process.exitCode = 1;
} finally {
  await cleanup();
}
