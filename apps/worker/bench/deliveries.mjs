// Delivery benchmark: one worker process sending SMS through the twilio-sms channel to the Twilio fake,
// beside ceilings measured in the same run. Needs the build (pnpm turbo run build), Postgres and Redis.
// Usage: node bench/deliveries.mjs   (BENCH_N, BENCH_CONCURRENCY, BENCH_RATE, BENCH_SECONDS, BENCH_LIMIT to
// change; BENCH_WORKERS=2 for two worker processes in (b); BENCH_PROFILE=dir for a CPU profile of each
// worker process)
import 'reflect-metadata';
import { fork, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const N = Number(process.env.BENCH_N ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const LIMIT = Number(process.env.BENCH_LIMIT ?? 100);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1); // worker processes for (b)
const WINDOWS = 5;
const accountSid = 'AC' + '0123456789abcdef'.repeat(2);
const authToken = 'bench-auth-token';
const from = '+447700900001';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function startFake() {
  const child = fork(fileURLToPath(import.meta.url), ['fake'], { stdio: 'inherit' });
  const ask = (m) => new Promise((resolve) => child.once('message', resolve) && child.send(m));
  return new Promise((resolve) =>
    child.once('message', ({ url }) =>
      resolve({
        url,
        count: async () => (await ask('count')).count,
        receivedAt: async () => new Map((await ask('received')).received),
        reset: () => ask('reset'),
        child,
      }),
    ),
  );
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main() {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const { scratchEnvironment, dropScratch } = await import('@verity/testing');
  const scratch = scratchEnvironment('bench', runId);
  Object.assign(process.env, {
    ...scratch,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    WORKER_QUEUES: 'sms',
    WORKER_CONCURRENCY: String(CONCURRENCY),
    DATABASE_POOL_SIZE: String(Math.min(CONCURRENCY, 50)),
  });

  const { migrate, createDataSource, Tenancy, DataKeyRepository, tenants } = await import('@verity/db');
  const { KeyRing, TenantCipher } = await import('@verity/secrets');
  const { Outbox } = await import('@verity/delivery');
  const { Queue, Worker } = await import('bullmq');
  const { loadWorkerConfig } = await import('../dist/config.js');

  const fake = await startFake();
  process.env.CHANNELS = JSON.stringify({
    sms: { provider: 'twilio-sms', config: { accountSid, authToken, from, apiBaseUrl: fake.url } },
  });
  const config = loadWorkerConfig();
  const connection = { url: config.REDIS_URL };
  const cleanups = [];
  const results = {};
  try {
    cleanups.push(() => dropScratch(scratch));
    await migrate({ migrationUrl: scratch.DATABASE_MIGRATION_URL, appUrl: scratch.DATABASE_URL });

    const ds = createDataSource({ url: scratch.DATABASE_URL, poolSize: 20, applicationName: 'verity-bench' });
    await ds.initialize();
    cleanups.push(() => ds.destroy());
    const tenancy = new Tenancy(ds);
    const cipher = new TenantCipher(new KeyRing(config.MASTER_KEYS), new DataKeyRepository(tenancy));
    const tenant = await tenancy.asOperator((scope) =>
      tenants.create(scope, {
        slug: `bench-${runId}`,
        name: 'Bench NHS Trust',
        emailDomains: [`bench-${runId}.nhs.uk`],
        policy: {},
      }),
    );
    await cipher.provision(tenant.id);
    const queue = new Queue('sms', { connection, prefix: config.REDIS_PREFIX });
    cleanups.push(() => queue.close());
    const outbox = new Outbox(cipher, () => queue);
    let made = 0;
    const recipients = new Map();
    const create = async (count, tag) => {
      const out = [];
      for (let i = 0; i < count; i += 10)
        out.push(
          ...(await Promise.all(
            Array.from({ length: Math.min(10, count - i) }, async () => {
              const n = made++;
              const to = `+4477009${String(n).padStart(5, '0')}`;
              const { delivery } = await tenancy.run(tenant.id, (scope) =>
                outbox.create(scope, {
                  to,
                  content: { kind: 'sms', body: `Your Verity code is ${100000 + (n % 900000)}` },
                  idempotencyKey: `${tag}-${n}`,
                }),
              );
              recipients.set(delivery.id, to);
              return delivery;
            }),
          )),
        );
      return out;
    };
    const sentAt = async (ids) =>
      tenancy.run(tenant.id, (scope) =>
        scope.manager.query(`SELECT id, sent_at FROM deliveries WHERE id = ANY($1) AND status = 'sent'`, [
          ids,
        ]),
      );

    // the worker: its own process, as an operator runs it
    let worker = await startWorker();
    cleanups.unshift(() => worker.stop());

    // (a) throughput: N deliveries queued while paused, then released at once
    log(`creating ${N} deliveries`);
    const batch = await create(N, 'throughput');
    await queue.pause();
    await Promise.all(batch.map((d) => outbox.dispatch(d, 'bench')));
    await fake.reset();
    let start = performance.now();
    await queue.resume();
    while ((await fake.count()) < N) await sleep(20);
    results.worker = { perSecond: N / ((performance.now() - start) / 1000) };
    while ((await sentAt(batch.map((d) => d.id))).length < N) await sleep(50);

    // (b) latency at a steady rate: dispatch time here, to the fake's receipt and to the worker's record
    const extra = await Promise.all(Array.from({ length: WORKERS - 1 }, () => startWorker()));
    cleanups.unshift(() => Promise.all(extra.map((w) => w.stop())));
    const total = RATE * SECONDS;
    log(`creating ${total} deliveries for ${RATE}/s over ${SECONDS} s`);
    const steady = await create(total, 'latency');
    await fake.reset();
    const dispatched = new Map();
    start = Date.now();
    let next = 0;
    while (next < total) {
      const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * RATE));
      const sends = [];
      for (; next < due; next++) {
        const d = steady[next];
        dispatched.set(d.id, Date.now());
        sends.push(outbox.dispatch(d, 'bench'));
      }
      await Promise.all(sends);
      await sleep(2);
    }
    let rows = [];
    while ((rows = await sentAt(steady.map((d) => d.id))).length < total) await sleep(50);
    const recorded = rows
      .map((r) => new Date(r.sent_at).getTime() - dispatched.get(r.id))
      .sort((a, b) => a - b);
    const received = await fake.receivedAt();
    const reached = steady
      .map((d) => received.get(recipients.get(d.id)) - dispatched.get(d.id))
      .sort((a, b) => a - b);
    results.latency = { p50: percentile(reached, 50), p99: percentile(reached, 99) };
    results.recorded = { p50: percentile(recorded, 50), p99: percentile(recorded, 99) };
    await Promise.all([worker, ...extra].map((w) => w.stop()));
    cleanups.shift();
    cleanups.shift();

    // (f) a per-sender rate limit (WORKER_RATE_LIMITS sms=LIMIT/1s): the rate held over WINDOWS windows
    log(`creating ${LIMIT * (WINDOWS + 1)} deliveries for a limit of ${LIMIT}/s`);
    const limitedBatch = await create(LIMIT * (WINDOWS + 1), 'limited');
    await fake.reset();
    await Promise.all(limitedBatch.map((d) => outbox.dispatch(d, 'bench')));
    worker = await startWorker({ WORKER_RATE_LIMITS: `sms=${LIMIT}/1s` });
    cleanups.unshift(() => worker.stop());
    while ((await sentAt(limitedBatch.map((d) => d.id))).length <= LIMIT * WINDOWS) await sleep(50);
    await worker.stop();
    cleanups.shift();
    // As the provider saw them, from the second window on: the mean rate, and the most in any one second.
    // (BullMQ limits when jobs start; a cold worker's first window reaches the provider late, while it opens
    // its connections, so it arrives squeezed against the second.)
    const limitedTimes = [...(await fake.receivedAt()).values()].sort((a, b) => a - b).slice(LIMIT);
    let busiest = 0;
    for (let i = 0, j = 0; i < limitedTimes.length; i++) {
      while (limitedTimes[i] - limitedTimes[j] >= 1000) j++;
      busiest = Math.max(busiest, i - j + 1);
    }
    results.limit = {
      perSecond: (LIMIT * (WINDOWS - 1) * 1000) / (limitedTimes[LIMIT * (WINDOWS - 1)] - limitedTimes[0]),
      busiest,
    };

    // (c) the ceiling: a plain loop posting the same requests to the same fake, as many at once
    const auth = 'Basic ' + Buffer.from(`${accountSid}:${authToken}`).toString('base64');
    const url = `${fake.url}/2010-04-01/Accounts/${accountSid}/Messages.json`;
    let posted = 0;
    start = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (posted < N) {
          const n = posted++;
          const res = await fetch(url, {
            method: 'POST',
            headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({
              To: `+4477009${String(n).padStart(5, '0')}`,
              From: from,
              Body: `Your Verity code is ${100000 + n}`,
            }),
          });
          if (res.status !== 201) throw new Error(`the fake answered ${res.status}`);
          await res.arrayBuffer();
        }
      }),
    );
    results.loop = { perSecond: N / ((performance.now() - start) / 1000) };

    // (d) raw BullMQ with a no-op processor on the same Redis
    const noop = new Queue('bench-noop', { connection, prefix: config.REDIS_PREFIX });
    cleanups.push(() => noop.close());
    await noop.pause();
    await noop.addBulk(
      Array.from({ length: N }, (_, i) => ({ name: 'noop', data: { i }, opts: { removeOnComplete: 1000 } })),
    );
    let done = 0;
    const noopWorker = new Worker('bench-noop', async () => undefined, {
      connection,
      prefix: config.REDIS_PREFIX,
      concurrency: CONCURRENCY,
    });
    noopWorker.on('completed', () => done++);
    await noopWorker.waitUntilReady();
    start = performance.now();
    await noop.resume();
    while (done < N) await sleep(10);
    results.bullmq = { perSecond: N / ((performance.now() - start) / 1000) };
    await noopWorker.close();

    // (e) Redis itself
    const bench = spawnSync('redis-benchmark', ['-q', '-n', '100000', '-t', 'set,get'], { encoding: 'utf8' });
    if (bench.status === 0)
      for (const m of bench.stdout.matchAll(/(SET|GET): ([\d.]+) requests per second/g))
        results[`redis${m[1]}`] = { perSecond: Number(m[2]) };

    report(results);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((e) => console.error(`cleanup: ${e}`));
    fake.child.send('close');
  }
}

/** `node dist/main.js` with the bench's environment; ready once it says which queues it serves. */
async function startWorker(env = {}) {
  const profile = process.env.BENCH_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
    : [];
  const child = spawn(
    process.execPath,
    [...profile, fileURLToPath(new URL('../dist/main.js', import.meta.url))],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the worker exited (${code})`)));
    child.stdout.on('data', (chunk) => String(chunk).includes('Verity worker serving') && resolve());
  });
  child.removeAllListeners('exit');
  return {
    stop: () =>
      child.exitCode === null
        ? new Promise((resolve) => child.once('exit', resolve) && child.kill('SIGTERM'))
        : Promise.resolve(),
  };
}

function log(line) {
  console.error(`[bench] ${line}`);
}

function report(r) {
  const fmt = (v) => (v === undefined ? '-' : Math.round(v).toLocaleString('en-GB'));
  const rows = [
    ['worker deliveries/s (a)', r.worker.perSecond, 'plain posting loop (c)', r.loop.perSecond],
    ['worker deliveries/s (a)', r.worker.perSecond, 'raw BullMQ no-op (d)', r.bullmq.perSecond],
    ['enqueue-to-provider p50 ms (b)', r.latency.p50, 'target p99 50 ms', 50],
    ['enqueue-to-provider p99 ms (b)', r.latency.p99, 'target p99 50 ms', 50],
    ['enqueue-to-recorded p99 ms (b)', r.recorded.p99, 'target p99 50 ms', 50],
    ['raw BullMQ no-op jobs/s (d)', r.bullmq.perSecond, 'redis-benchmark GET/s (e)', r.redisGET?.perSecond],
    ['sms sends/s under a limit (f)', r.limit.perSecond, `WORKER_RATE_LIMITS sms=${LIMIT}/1s`, LIMIT],
    ['most sends in any 1 s (f)', r.limit.busiest, `WORKER_RATE_LIMITS sms=${LIMIT}/1s`, LIMIT],
  ];
  console.log(
    `N=${N} concurrency=${CONCURRENCY} steady=${RATE}/s for ${SECONDS} s with ${WORKERS} worker(s)`,
  );
  console.log('metric                          value     against                          value   ratio');
  for (const [name, value, against, ceiling] of rows)
    console.log(
      `${name.padEnd(30)} ${fmt(value).padStart(7)}   ${against.padEnd(30)} ${fmt(ceiling).padStart(7)}   ${
        ceiling ? (value / ceiling).toFixed(2) : '-'
      }`,
    );
  if (r.redisSET) console.log(`redis-benchmark SET/s ${fmt(r.redisSET.perSecond)}`);
  for (const [metric, value, ceilingName, ceiling] of rows)
    console.log(
      JSON.stringify({
        metric,
        value: Math.round(value * 10) / 10,
        ceiling: ceilingName,
        ceilingValue: ceiling === undefined ? null : Math.round(ceiling * 10) / 10,
        ratio: ceiling ? Math.round((value / ceiling) * 1000) / 1000 : null,
      }),
    );
}

// The fake runs in its own process, as a provider would, so it does not share the worker's event loop.
if (process.argv[2] === 'fake') {
  const { startTwilioFake } = await import('@verity/testing');
  const fake = await startTwilioFake({ accountSid, authToken });
  const total = () => [...fake.acceptedByTo().values()].reduce((a, b) => a + b, 0);
  process.on('message', (m) => {
    if (m === 'count') process.send({ count: total() });
    if (m === 'received') process.send({ received: fake.requests().map((r) => [r.body.To, r.receivedAt]) });
    if (m === 'reset') {
      fake.reset();
      process.send({ count: 0 });
    }
    if (m === 'close') void fake.close().then(() => process.exit(0));
  });
  process.send({ url: fake.url });
} else {
  await main();
}
