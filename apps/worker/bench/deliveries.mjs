// Delivery benchmark: one worker process sending SMS through the twilio-sms channel to the Twilio fake,
// beside ceilings measured in the same run. Needs the build (pnpm turbo run build), Postgres and Redis.
// Usage: node bench/deliveries.mjs   (BENCH_N, BENCH_CONCURRENCY, BENCH_RATE, BENCH_SECONDS to change)
import 'reflect-metadata';
import { spawnSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const N = Number(process.env.BENCH_N ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const LIMIT = Number(process.env.BENCH_LIMIT ?? 100);
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
      resolve({ url, count: async () => (await ask('count')).count, reset: () => ask('reset'), child }),
    ),
  );
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main() {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const owner = new URL(process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  owner.pathname = `/verity_bench_${runId}`;
  const app = new URL(owner.href);
  app.username = 'verity_test_app';
  app.password = 'verity_test_app';
  Object.assign(process.env, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_MIGRATION_URL: owner.href,
    DATABASE_URL: app.href,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `verity-bench-${runId}`,
    MASTER_KEYS: `bench:${randomBytes(32).toString('base64')}`,
    WORKER_QUEUES: 'sms',
    WORKER_CONCURRENCY: String(CONCURRENCY),
    DATABASE_POOL_SIZE: String(Math.min(CONCURRENCY, 50)),
  });

  const { migrate, createDataSource, Tenancy, DataKeyRepository, tenants } = await import('@verity/db');
  const { KeyRing, TenantCipher } = await import('@verity/secrets');
  const { Outbox } = await import('@verity/delivery');
  const { Queue, Worker } = await import('bullmq');
  const { Redis } = await import('ioredis');
  const { NestFactory } = await import('@nestjs/core');
  const { loadWorkerConfig } = await import('../dist/config.js');
  const { WorkerModule } = await import('../dist/worker.module.js');

  const fake = await startFake();
  process.env.CHANNELS = JSON.stringify({
    sms: { provider: 'twilio-sms', config: { accountSid, authToken, from, apiBaseUrl: fake.url } },
  });
  const config = loadWorkerConfig();
  const connection = { url: config.REDIS_URL };
  const cleanups = [];
  const results = {};
  try {
    await migrate({ migrationUrl: owner.href, appUrl: app.href });
    cleanups.push(async () => {
      const admin = new URL(owner.href);
      admin.pathname = '/postgres';
      const ds = createDataSource({ url: admin.href, poolSize: 1, applicationName: 'verity-bench' });
      await ds.initialize();
      await ds.query(`DROP DATABASE IF EXISTS "verity_bench_${runId}" WITH (FORCE)`);
      await ds.destroy();
    });
    cleanups.push(async () => {
      const redis = new Redis(config.REDIS_URL);
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${config.REDIS_PREFIX}*`, 'COUNT', 1000);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      await redis.quit();
    });

    const ds = createDataSource({ url: app.href, poolSize: 20, applicationName: 'verity-bench' });
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
    const create = async (count, tag) => {
      const out = [];
      for (let i = 0; i < count; i += 10)
        out.push(
          ...(await Promise.all(
            Array.from({ length: Math.min(10, count - i) }, async () => {
              const n = made++;
              const { delivery } = await tenancy.run(tenant.id, (scope) =>
                outbox.create(scope, {
                  to: `+4477009${String(n).padStart(5, '0')}`,
                  content: { kind: 'sms', body: `Your Verity code is ${100000 + (n % 900000)}` },
                  idempotencyKey: `${tag}-${n}`,
                }),
              );
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

    // the worker, in this process
    const appContext = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
      logger: false,
    });
    await appContext.init();
    cleanups.unshift(() => appContext.close());

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

    // (b) latency at a steady rate: dispatch time here, to the worker's record of the provider's answer
    const total = RATE * SECONDS;
    log(`creating ${total} deliveries for ${RATE}/s over ${SECONDS} s`);
    const steady = await create(total, 'latency');
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
    const latencies = rows
      .map((r) => new Date(r.sent_at).getTime() - dispatched.get(r.id))
      .sort((a, b) => a - b);
    results.latency = { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
    await appContext.close();
    cleanups.shift();

    // (f) a per-sender rate limit (WORKER_RATE_LIMITS sms=LIMIT/1s): the rate held over WINDOWS windows
    log(`creating ${LIMIT * (WINDOWS + 1)} deliveries for a limit of ${LIMIT}/s`);
    const limitedBatch = await create(LIMIT * (WINDOWS + 1), 'limited');
    await Promise.all(limitedBatch.map((d) => outbox.dispatch(d, 'bench')));
    const limited = await NestFactory.createApplicationContext(
      WorkerModule.forRoot({ ...config, WORKER_RATE_LIMITS: { sms: { max: LIMIT, duration: 1000 } } }),
      { logger: false },
    );
    await limited.init();
    let limitedRows = [];
    while ((limitedRows = await sentAt(limitedBatch.map((d) => d.id))).length <= LIMIT * WINDOWS)
      await sleep(50);
    await limited.close();
    const limitedTimes = limitedRows.map((r) => new Date(r.sent_at).getTime()).sort((a, b) => a - b);
    results.limit = {
      perSecond: (LIMIT * WINDOWS * 1000) / (limitedTimes[LIMIT * WINDOWS] - limitedTimes[0]),
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
    const worker = new Worker('bench-noop', async () => undefined, {
      connection,
      prefix: config.REDIS_PREFIX,
      concurrency: CONCURRENCY,
    });
    worker.on('completed', () => done++);
    await worker.waitUntilReady();
    start = performance.now();
    await noop.resume();
    while (done < N) await sleep(10);
    results.bullmq = { perSecond: N / ((performance.now() - start) / 1000) };
    await worker.close();

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

function log(line) {
  console.error(`[bench] ${line}`);
}

function report(r) {
  const fmt = (v) => (v === undefined ? '-' : Math.round(v).toLocaleString('en-GB'));
  const rows = [
    ['worker deliveries/s (a)', r.worker.perSecond, 'plain posting loop (c)', r.loop.perSecond],
    ['worker deliveries/s (a)', r.worker.perSecond, 'raw BullMQ no-op (d)', r.bullmq.perSecond],
    ['latency p50 ms (b)', r.latency.p50, 'target p99 50 ms', 50],
    ['latency p99 ms (b)', r.latency.p99, 'target p99 50 ms', 50],
    ['raw BullMQ no-op jobs/s (d)', r.bullmq.perSecond, 'redis-benchmark GET/s (e)', r.redisGET?.perSecond],
    ['sms sends/s under a limit (f)', r.limit.perSecond, `WORKER_RATE_LIMITS sms=${LIMIT}/1s`, LIMIT],
  ];
  console.log(`N=${N} concurrency=${CONCURRENCY} steady=${RATE}/s for ${SECONDS} s`);
  console.log('metric                        value     against                          value   ratio');
  for (const [name, value, against, ceiling] of rows)
    console.log(
      `${name.padEnd(28)} ${fmt(value).padStart(7)}   ${against.padEnd(30)} ${fmt(ceiling).padStart(7)}   ${
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
