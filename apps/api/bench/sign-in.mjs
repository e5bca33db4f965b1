// Sign-in benchmark: the API as its own process on its own database and Redis prefix, driven by autocannon,
// beside ceilings measured in the same run. Needs the build (pnpm turbo run build), Postgres and Redis.
// Usage: node bench/sign-in.mjs   (BENCH_ACCOUNTS=100000, BENCH_SCALES=1000,1000000, BENCH_SCALE_RUNS=3,
// BENCH_REQUESTS=4000, BENCH_CONNECTIONS=50, BENCH_PEER=0 to skip Better Auth, BENCH_PROFILE=dir for the API's
// CPU profile)
import 'reflect-metadata';
import { fork, spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 100_000);
const SCALES = (process.env.BENCH_SCALES ?? '1000,1000000').split(',').filter(Boolean).map(Number);
const SCALE_RUNS = Number(process.env.BENCH_SCALE_RUNS ?? 3);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 4000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const PEER = process.env.BENCH_PEER !== '0';
const PASSWORD = 'correct horse battery staple 2026';
const log = (line) => console.error(`[bench] ${line}`);

const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const { scratchEnvironment, dropScratch } = await import('@verity/testing');
const env = {
  ...scratchEnvironment('bench', runId),
  NODE_ENV: 'production',
  LOG_LEVEL: 'silent',
  DATABASE_POOL_SIZE: '20',
  OPENAPI: 'off',
  QUEUE_DASHBOARD: 'false',
  SANDBOX_INBOX: 'false',
  SIGNING_KEY: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }),
};

async function main() {
  Object.assign(process.env, env);
  const { migrate, createDataSource, Tenancy, DataKeyRepository } = await import('@verity/db');
  const { loadConfig } = await import('@verity/config');
  const { KeyRing, TenantCipher, PasswordHasher, hashCode } = await import('@verity/secrets');
  const { generateSecret, generateSync } = await import('otplib');
  const autocannon = (await import('autocannon')).default;
  const { argon2Ceiling } = await import('./ceilings.mjs');

  const cleanups = [];
  const results = { a: {}, b: {}, c: {} };
  try {
    cleanups.push(() => dropScratch(env));
    await migrate({ migrationUrl: env.DATABASE_MIGRATION_URL, appUrl: env.DATABASE_URL });
    const ds = createDataSource({ url: env.DATABASE_URL, poolSize: 8, applicationName: 'verity-bench' });
    await ds.initialize();
    cleanups.push(() => ds.destroy());
    const tenancy = new Tenancy(ds);
    const cipher = new TenantCipher(
      new KeyRing(loadConfig(['secrets'], env).MASTER_KEYS),
      new DataKeyRepository(tenancy),
    );

    const api = await startApi();
    cleanups.unshift(() => api.stop());
    const admin = (path, body) => call(api.url, path, env.OPERATOR_API_KEY, body);
    const created = await admin('/admin/tenants', {
      slug: `bench-${runId}`,
      name: 'Bench NHS Trust',
      emailDomains: [`bench-${runId}.nhs.uk`],
      administrator: { username: `la@bench-${runId}.nhs.uk`, displayName: 'LA' },
    });
    const tenantId = created.tenant.id;
    const key = (
      await admin(`/admin/tenants/${tenantId}/api-keys`, {
        name: 'bench',
        scopes: ['sign-in', 'people', 'forwarded-address'],
      })
    ).key;
    const passwordHash = await new PasswordHasher().hash(PASSWORD);
    const codeKey = await cipher.codeKey(tenantId);

    // accounts, each with an authenticator code and a mobile phone, written in bulk as the wizard would leave them
    const accounts = [];
    // Statistics as the table grows, as autovacuum keeps them in service: with statistics of a much smaller
    // table, the planner's foreign-key check from methods to accounts walks every account of the organisation.
    const owner = new pg.Client({ connectionString: env.DATABASE_MIGRATION_URL });
    await owner.connect();
    cleanups.push(() => owner.end());
    /** ANALYZE `tables` each time their rows have grown by `share` (and `floor` rows) since the last time. */
    const statistics = (tables, share, floor) => {
      let analyzedAt = 0;
      return {
        grownTo: async (rows) => {
          if (rows <= analyzedAt * (1 + share) + floor) return;
          await owner.query(tables.map((t) => `ANALYZE ${t}`).join('; '));
          analyzedAt = rows;
        },
        analyzed: (rows) => (analyzedAt = rows),
      };
    };
    const accountStatistics = statistics(['accounts', 'methods'], 0.2, 1000);
    // Flows and challenges too, as autovacuum would after 10% growth (it is off on some machines): the API's
    // long-lived connections keep generic plans made while these tables were small, and with a small table's
    // statistics the planner reads a challenge by the organisation's whole index instead of its primary key.
    const flowStatistics = statistics(['flows', 'challenges'], 0.1, 50);
    let flowRows = 0;

    async function seedTo(total) {
      const started = performance.now();
      while (accounts.length < total) {
        const batch = [];
        for (let i = 0; i < 2000 && accounts.length + batch.length < total; i++) {
          const n = accounts.length + batch.length;
          batch.push({
            id: randomUUID(),
            username: `staff${n}@bench-${runId}.nhs.uk`,
            totpId: randomUUID(),
            smsId: randomUUID(),
            secret: generateSecret(),
            phone: `+4477${String(n).padStart(8, '0')}`,
          });
        }
        const rows = await Promise.all(
          batch.map(async (a) => [
            a,
            await cipher.encrypt(
              tenantId,
              `method:${a.totpId}:details`,
              JSON.stringify({ type: 'authenticator_code', secret: a.secret }),
            ),
            await cipher.encrypt(
              tenantId,
              `method:${a.smsId}:details`,
              JSON.stringify({ type: 'mobile_text', phone: a.phone }),
            ),
          ]),
        );
        await tenancy.run(tenantId, (scope) =>
          scope.manager.query(
            `INSERT INTO accounts (id, tenant_id, username, display_name, password_hash, registration_state)
             SELECT id, $1, username, 'Bench Staff', $2, 'complete' FROM unnest($3::uuid[], $4::text[]) AS t(id, username)`,
            [tenantId, passwordHash, batch.map((a) => a.id), batch.map((a) => a.username)],
          ),
        );
        await accountStatistics.grownTo(accounts.length + batch.length);
        await tenancy.run(tenantId, async (scope) => {
          await scope.manager.query(
            `INSERT INTO methods (id, tenant_id, account_id, type, details_enc, device_ref, is_default, verified_at)
             SELECT id, $1, account_id, type, details, ref, is_default, now()
               FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::bytea[], $6::bytea[], $7::boolean[])
                 AS t(id, account_id, type, details, ref, is_default)`,
            [
              tenantId,
              rows.flatMap(([a]) => [a.totpId, a.smsId]),
              rows.flatMap(([a]) => [a.id, a.id]),
              rows.flatMap(() => ['authenticator_code', 'mobile_text']),
              rows.flatMap(([, totp, sms]) => [totp, sms]),
              rows.flatMap(([a]) => [
                hashCode(codeKey, `app:totp:${a.secret}`),
                hashCode(codeKey, `phone:${a.phone}`),
              ]),
              rows.flatMap(() => [true, false]),
            ],
          );
        });
        accounts.push(...batch);
      }
      // as a table in service is: vacuumed (hint bits set, visibility map), not fresh from a bulk load
      await owner.query('VACUUM (ANALYZE) accounts');
      await owner.query('VACUUM (ANALYZE) methods');
      // the bulk load's dirty pages written now, not by a checkpoint in the middle of a measured run
      await owner.query('CHECKPOINT').catch((e) => log(`no CHECKPOINT: ${e.message}`));
      accountStatistics.analyzed(accounts.length);
      log(
        `${total.toLocaleString('en-GB')} accounts seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }

    // flows waiting for a TOTP answer (a) or for the person to pick "Text me" (b), one account each
    let used = 0;
    async function flows(count, kind) {
      if (used + count > accounts.length) used = 0;
      const picked = accounts.slice(used, used + count);
      used += count;
      const out = picked.map((a) => ({ account: a, flowId: randomUUID(), challengeId: randomUUID() }));
      await tenancy.run(tenantId, async (scope) => {
        await scope.manager.query(
          `INSERT INTO flows (id, tenant_id, account_id, kind, state, data, expires_at)
           SELECT id, $1, account_id, 'sign_in', $2, data, now() + interval '10 minutes'
             FROM unnest($3::uuid[], $4::uuid[], $5::jsonb[]) AS t(id, account_id, data)`,
          [
            tenantId,
            kind === 'totp' ? 'challenged' : 'mfa',
            out.map((f) => f.flowId),
            out.map((f) => f.account.id),
            out.map((f) =>
              JSON.stringify({
                methodIds: [f.account.totpId, f.account.smsId],
                defaultMethodId: f.account.totpId,
                amr: ['pwd'],
                client: {},
                numberDigits: 2,
                voiceConfirmation: 'press_hash',
                elevated: false,
                ...(kind === 'totp' ? { challengeId: f.challengeId } : {}),
              }),
            ),
          ],
        );
        if (kind === 'totp')
          await scope.manager.query(
            `INSERT INTO challenges (id, tenant_id, account_id, flow_id, method_id, method_type, purpose, expires_at)
             SELECT id, $1, account_id, flow_id, method_id, 'authenticator_code', 'sign_in', now() + interval '5 minutes'
               FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[]) AS t(id, account_id, flow_id, method_id)`,
            [
              tenantId,
              out.map((f) => f.challengeId),
              out.map((f) => f.account.id),
              out.map((f) => f.flowId),
              out.map((f) => f.account.totpId),
            ],
          );
      });
      await flowStatistics.grownTo((flowRows += count));
      return out;
    }

    /** autocannon over `requests`, each sent once, counting answers other than `expect`. */
    async function load(url, requests, { expect = 200 } = {}) {
      let next = 0;
      // autocannon notices the end of an `amount` run only on its 1 s tick: time it to the last response
      let lastResponseAt = 0;
      const latencies = [];
      const started = performance.now();
      const result = await autocannon({
        url,
        connections: CONNECTIONS,
        amount: requests.length,
        requests: [
          {
            // one request in flight per connection: its context times it from building to its answer
            setupRequest: (req, context) => {
              const r = requests[next++];
              context.sentAt = performance.now();
              return { ...req, ...r, headers: { ...req.headers, ...r.headers } };
            },
            onResponse: (_status, _body, context) => {
              lastResponseAt = performance.now();
              latencies.push(lastResponseAt - context.sentAt);
            },
          },
        ],
      });
      const unexpected =
        Object.entries(result.statusCodeStats ?? {})
          .filter(([code]) => Number(code) !== expect)
          .reduce((sum, [, v]) => sum + v.count, 0) +
        result.errors +
        result.timeouts;
      return {
        answered: requests.length,
        perSecond: requests.length / ((lastResponseAt - started) / 1000),
        p50: result.latency.p50,
        p99: result.latency.p99,
        latencies,
        unexpected,
      };
    }

    /**
     * Reopens the database pools after the wait for a fresh TOTP step (their idle timeout is 30 s), with reads
     * that use no TOTP step: without it, a measured run's tail is the pools reconnecting.
     */
    async function warmPools(url, path) {
      await load(
        url,
        Array.from({ length: 200 }, () => ({
          method: 'GET',
          path: path(),
          headers: { authorization: `Bearer ${key}` },
        })),
        { expect: 404 },
      );
    }

    const json = (method, path, body, auth = key) => ({
      method,
      path,
      headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const code = (f) => ({ code: generateSync({ secret: f.account.secret }) });
    const verify = (f) => json('POST', `/v1/sign-in/${f.flowId}/challenges/${f.challengeId}/verify`, code(f));

    // A TOTP step is accepted once per account: each run starts in a fresh step and uses an account once.
    // The warm-up (JIT, connection pools, caches) uses up to 1,000 accounts' codes of one step; the measured
    // run starts in the next step, when every account's code is fresh again.
    // Several measured runs (each in its own step) give the median run, so that one stall of a shared
    // machine does not decide a comparison between scales.
    async function totpRun(label, count, runs, warmSteps = 1) {
      for (let step = 0; step < warmSteps; step++) {
        const warm = await flows(Math.min(1000, accounts.length), 'totp');
        await freshStep();
        await load(api.url, warm.map(verify));
      }
      const measured = [];
      for (let run = 0; run < runs; run++) {
        await freshStep();
        await warmPools(api.url, () => `/v1/sign-in/${randomUUID()}`);
        const requests = (await flows(count, 'totp')).map(verify);
        measured.push(await load(api.url, requests));
        const { latencies: _, ...shown } = measured.at(-1);
        log(`(a) TOTP verify at ${label}, run ${run + 1}: ${JSON.stringify(shown)}`);
      }
      const byP99 = [...measured].sort((x, y) => x.p99 - y.p99);
      // the 99th percentile of every answer of the runs together: with 1,000 answers a run, a run's p99 is its
      // tenth-worst answer, which one stall moves
      const all = measured.flatMap((m) => m.latencies).sort((x, y) => x - y);
      return {
        ...byP99[Math.floor((runs - 1) / 2)],
        p99s: measured.map((m) => m.p99),
        pooledP99: all[Math.ceil(all.length * 0.99) - 1],
        pooledCount: all.length,
      };
    }

    // (a) at the smaller scales first, then 100,000 for everything, then the largest
    const scales = [...new Set([...SCALES, ACCOUNTS])].sort((x, y) => x - y);
    for (const scale of scales) {
      await seedTo(scale);
      // every scale is compared on runs of the same length: one code per account of the smallest scale, and
      // never longer than the other runs (with one scale only, its accounts would be a run each)
      // the first scale also warms up the API process itself: with one step of warm-up its first run was its
      // worst (p99 185-296 ms, against 87-220 for the next two), which flattered the growth
      results.a[scale] = await totpRun(
        `${scale.toLocaleString('en-GB')} accounts`,
        Math.min(...scales, REQUESTS),
        SCALE_RUNS,
        scale === scales[0] ? 3 : 1,
      );
      if (scale !== ACCOUNTS) continue;
      await besideCeilings();
    }
    await api.stop();
    cleanups.shift();
    if (PEER) results.a.peer = await peer(ACCOUNTS);
    report(results, ACCOUNTS, scales);

    /**
     * (a), (b) and (c) beside their ceilings in alternating rounds (Verity, then the skeleton or raw argon2id),
     * so that a change in the shared machine's speed during the run falls on both sides of each ratio. Each side
     * is the median of its ROUNDS runs; every run uses accounts no other run used in its TOTP step.
     */
    async function besideCeilings() {
      const skeleton = await startSkeleton();
      cleanups.unshift(() => skeleton.stop());
      const skVerify = (f) => json('POST', `/totp/${f.flowId}/${f.challengeId}`, code(f));
      const text = (f) => json('POST', `/v1/sign-in/${f.flowId}/challenges`, { methodId: f.account.smsId });
      const skText = (f) => json('POST', `/sms/${f.flowId}`, { methodId: f.account.smsId });
      const signIn = (a) => json('POST', '/v1/sign-in', { username: a.username, password: PASSWORD });
      const created = { expect: 201 };
      const totpCount = Math.min(REQUESTS, Math.floor(accounts.length / 2));
      // each person signs in once (the per-username limit is 20 per 5 minutes)
      const signInCount = Math.min(REQUESTS / 4, Math.floor((accounts.length - 200) / ROUNDS));

      await freshStep();
      await load(api.url, (await flows(1000, 'totp')).map(verify));
      await load(skeleton.url, (await flows(1000, 'totp')).map(skVerify));
      await load(api.url, (await flows(200, 'sms')).map(text), created);
      await load(skeleton.url, (await flows(200, 'sms')).map(skText), created);
      await load(api.url, accounts.slice(-200).map(signIn));
      await argon2Ceiling(passwordHash, PASSWORD, 100, CONNECTIONS);

      const runs = { a: [], aSkeleton: [], b: [], bSkeleton: [], c: [], argon2: [] };
      for (let round = 0; round < ROUNDS; round++) {
        await freshStep();
        await warmPools(api.url, () => `/v1/sign-in/${randomUUID()}`);
        await warmPools(skeleton.url, () => '/warm');
        const a = (await flows(totpCount, 'totp')).map(verify);
        runs.a.push(await costed(api.pid, () => load(api.url, a)));
        const aSkeleton = (await flows(totpCount, 'totp')).map(skVerify);
        runs.aSkeleton.push(await costed(skeleton.pid, () => load(skeleton.url, aSkeleton)));
        const b = (await flows(REQUESTS, 'sms')).map(text);
        runs.b.push(await costed(api.pid, () => load(api.url, b, created)));
        const bSkeleton = (await flows(REQUESTS, 'sms')).map(skText);
        runs.bSkeleton.push(await costed(skeleton.pid, () => load(skeleton.url, bSkeleton, created)));
        const people = accounts.slice(round * signInCount, (round + 1) * signInCount);
        runs.c.push(await costed(api.pid, () => load(api.url, people.map(signIn))));
        runs.argon2.push(
          await costed(process.pid, async () => ({
            ...(await argon2Ceiling(passwordHash, PASSWORD, signInCount, CONNECTIONS)),
            answered: signInCount,
          })),
        );
        log(
          `round ${round + 1}: ${Object.entries(runs)
            .map(([k, v]) => {
              const m = v.at(-1);
              return `${k} ${Math.round(m.perSecond)}/s (CPU ms each: ${cpuText(m.cpu)})`;
            })
            .join(', ')}`,
        );
      }
      await skeleton.stop();
      cleanups.shift();
      const median = (list) => ({
        ...[...list].sort((x, y) => x.perSecond - y.perSecond)[Math.floor((list.length - 1) / 2)],
        rates: list.map((m) => Math.round(m.perSecond)),
        cpus: Object.fromEntries(
          Object.keys(list[0].cpu).map((part) => [part, list.map((m) => m.cpu[part])]),
        ),
      });
      results.a.main = median(runs.a);
      results.a.skeleton = median(runs.aSkeleton);
      results.b.api = median(runs.b);
      results.b.skeleton = median(runs.bSkeleton);
      results.c.api = median(runs.c);
      results.c.argon2 = median(runs.argon2);
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((e) => console.error(`cleanup: ${e}`));
  }

  async function startApi() {
    const port = await freePort();
    const profile = process.env.BENCH_PROFILE
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
      : [];
    const child = spawn(
      process.execPath,
      [...profile, fileURLToPath(new URL('../dist/main.js', import.meta.url))],
      {
        env: { ...process.env, ...env, API_PORT: String(port) },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await ready(child, /listening on/);
    return { url: `http://127.0.0.1:${port}`, pid: child.pid, stop: () => stop(child) };
  }

  async function startSkeleton() {
    const port = await freePort();
    const child = fork(fileURLToPath(new URL('./skeleton.mjs', import.meta.url)), [], {
      env: { ...process.env, ...env, SKELETON_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    await ready(child, /skeleton listening/);
    return { url: `http://127.0.0.1:${port}`, pid: child.pid, stop: () => stop(child) };
  }
}

async function peer(accounts) {
  log(`(a) peer: Better Auth with ${accounts.toLocaleString('en-GB')} accounts`);
  const child = spawn(
    process.execPath,
    [
      fileURLToPath(new URL('./peer/run.mjs', import.meta.url)),
      '--accounts',
      String(accounts),
      '--challenges',
      '1000',
      '--connections',
      String(CONNECTIONS),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  const [code] = await once(child, 'exit');
  if (code !== 0) {
    log(`the peer failed (${code}); is apps/api/bench/peer installed? (cd apps/api/bench/peer && npm ci)`);
    return undefined;
  }
  return JSON.parse(out.trim().split('\n').pop());
}

const TICK_MS = 10; // /proc's clock ticks (USER_HZ 100)

/** CPU time (ms) of a /proc/<pid>/stat line: user plus system. */
const cpuOfStat = (stat) => {
  const fields = stat.split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
};

/** CPU time (ms) used so far by each process named `name` (PostgreSQL's backends, Redis), by pid. */
function cpuOfAll(name) {
  const byPid = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === name)
        byPid.set(entry, cpuOfStat(stat));
    } catch {
      // the process ended between readdir and read
    }
  }
  return byPid;
}

/** CPU (ms) the processes of `after` used since `before`: a process that ended in between is not counted. */
const usedSince = (before, after) =>
  [...after].reduce((sum, [pid, ms]) => sum + ms - (before.get(pid) ?? 0), 0);

/** CPU time (ms) used so far by the server (and by its main thread alone), the bench (its load generator), PostgreSQL, Redis and the machine. */
function cpuNow(pid) {
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .split(/\s+/)
    .map(Number);
  return {
    server: cpuOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8')),
    // its event loop alone; the rest of the server's CPU is libuv's pool (argon2id) and V8's helpers
    'server main thread': cpuOfStat(readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8')),
    bench: cpuOfStat(readFileSync('/proc/self/stat', 'utf8')),
    postgres: cpuOfAll('postgres'),
    redis: cpuOfAll('redis-server'),
    machine: (user + nice + system + irq + softirq + steal) * TICK_MS,
  };
}

/** `run` with `cpu`: the CPU (ms) it cost per request answered, by part (as `cpuNow`'s). */
async function costed(pid, run) {
  const before = cpuNow(pid);
  const result = await run();
  const after = cpuNow(pid);
  const used = (part) =>
    after[part] instanceof Map ? usedSince(before[part], after[part]) : after[part] - before[part];
  return {
    ...result,
    cpu: Object.fromEntries(Object.keys(after).map((part) => [part, used(part) / result.answered])),
  };
}

/** `cpu` as text, each part's figures joined by `join`. */
const cpuText = (cpu, join = (x) => x.toFixed(2)) =>
  Object.entries(cpu)
    .map(([part, figures]) => `${part} ${join(figures)}`)
    .join(', ');

/** Waits for the next 30 s TOTP step; its codes stay good through the step after it (one step of tolerance). */
async function freshStep() {
  const intoStep = (Date.now() / 1000) % 30;
  await new Promise((r) => setTimeout(r, (30 - intoStep + 0.2) * 1000));
}

async function call(base, path, key, body) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

async function ready(child, pattern) {
  await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`exited (${code}) before it was ready`)));
    child.stdout.on('data', (chunk) => pattern.test(String(chunk)) && resolve());
  });
  child.removeAllListeners('exit');
}

function stop(child) {
  return child.exitCode === null
    ? new Promise((resolve) => child.once('exit', resolve) && child.kill('SIGTERM'))
    : Promise.resolve();
}

function report(r, accounts, scales) {
  const fmt = (v) => (v === undefined ? '-' : Math.round(v).toLocaleString('en-GB'));
  const ratio = (a, b) => (a !== undefined && b ? (a / b).toFixed(2) : '-');
  const rows = [
    ['(a) TOTP verify req/s', r.a.main?.perSecond, 'skeleton', r.a.skeleton?.perSecond, 0.6],
    ['(a) TOTP verify p99 ms', r.a.main?.p99, 'skeleton p99', r.a.skeleton?.p99],
    ['(a) TOTP verify req/s', r.a.main?.perSecond, 'Better Auth (peer)', r.a.peer?.perSecond, 10],
    ['(a) TOTP verify p99 ms', r.a.main?.p99, 'aim', 40],
    ['(b) SMS challenge req/s', r.b.api?.perSecond, 'skeleton', r.b.skeleton?.perSecond, 0.6],
    ['(b) SMS challenge p99 ms', r.b.api?.p99, 'skeleton p99', r.b.skeleton?.p99],
    ['(c) password sign-in req/s', r.c.api?.perSecond, 'raw argon2id verify/s', r.c.argon2?.perSecond, 0.9],
    ['(c) password sign-in p99 ms', r.c.api?.p99, 'raw argon2id p99', r.c.argon2?.p99],
    ...scales.map((s) => [
      `(a) median p99 ms, ${fmt(s)} accounts`,
      r.a[s]?.p99,
      `p99 at ${fmt(scales[0])}`,
      r.a[scales[0]]?.p99,
      1.2,
    ]),
    ...scales.map((s) => [
      `(a) p99 ms of all ${r.a[s]?.pooledCount} answers, ${fmt(s)} accounts`,
      r.a[s]?.pooledP99,
      `same at ${fmt(scales[0])}`,
      r.a[scales[0]]?.pooledP99,
      1.2,
    ]),
  ];
  console.log(`accounts=${fmt(accounts)} connections=${CONNECTIONS} requests=${REQUESTS}`);
  for (const s of scales)
    console.log(`(a) p99 ms of the ${SCALE_RUNS} runs at ${fmt(s)} accounts: ${r.a[s]?.p99s?.join(', ')}`);
  for (const [name, m] of [
    ['(a) Verity', r.a.main],
    ['(a) skeleton', r.a.skeleton],
    ['(b) Verity', r.b.api],
    ['(b) skeleton', r.b.skeleton],
    ['(c) Verity', r.c.api],
    ['(c) raw argon2id', r.c.argon2],
  ])
    console.log(
      `${name} req/s in the ${ROUNDS} alternating rounds: ${m?.rates?.join(', ')}` +
        (m?.cpus
          ? `; CPU ms per request: ${cpuText(m.cpus, (xs) => xs.map((x) => x.toFixed(2)).join(' / '))}`
          : ''),
    );
  console.log(
    'metric                              value   against                       value   ratio   aim',
  );
  for (const [name, value, against, ceiling, aim] of rows)
    console.log(
      `${name.padEnd(34)} ${fmt(value).padStart(7)}   ${against.padEnd(26)} ${fmt(ceiling).padStart(7)}   ${ratio(value, ceiling).padStart(5)}   ${aim ?? ''}`,
    );
  for (const [name, value, against, ceiling] of rows)
    console.log(JSON.stringify({ metric: name, value, ceiling: against, ceilingValue: ceiling ?? null }));
  if (Object.values(r).some((m) => Object.values(m).some((x) => x?.unexpected)))
    console.log(
      `unexpected answers: ${JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, m]) => [k, Object.fromEntries(Object.entries(m).map(([s, x]) => [s, x?.unexpected]))])))}`,
    );
}

await main();
