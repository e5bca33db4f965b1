import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { migrate } from '@verity/db';
import { Outbox } from '@verity/delivery';
import { HOUSEKEEPING } from '@verity/queues';
import {
  type TwilioFake,
  connectAsApp,
  createTenant,
  dropScratch,
  scratchEnvironment,
  startTwilioFake,
} from '@verity/testing';
import { Queue } from 'bullmq';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const BURST = 300;
/** Dispatches lost between the API's commit and Redis: only the sweep can send these. */
const UNDISPATCHED = 5;
const CONCURRENCY = 50;
const KILLS = 3;
const accountSid = 'AC' + '0123456789abcdef'.repeat(2);
const authToken = 'stall-test-token';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(20);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Workers killed again and again during a burst, as the issue measured: a job whose worker dies twice used
 * to be failed by BullMQ ("stalled more than allowable limit") with its row left `sending` for good. Its
 * own database (the sweep looks at every organisation, so it must not take other test files' deliveries).
 */
describe('delivery workers SIGKILLed repeatedly during a burst', () => {
  const scratch = scratchEnvironment('test', `stall${randomBytes(4).toString('hex')}`);
  const env = { ...process.env, ...scratch };
  let fake: TwilioFake;
  let db: Awaited<ReturnType<typeof connectAsApp>>;
  let queue: Queue;
  const children: ChildProcess[] = [];

  function startWorker(metricsPort = 0): ChildProcess {
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...env,
        WORKER_QUEUES: `sms,${HOUSEKEEPING}`,
        WORKER_CONCURRENCY: String(CONCURRENCY),
        WORKER_LOCK_MS: '1000',
        WORKER_STUCK_AFTER_MS: '2000',
        WORKER_METRICS_PORT: String(metricsPort),
        LOG_LEVEL: 'silent',
        CHANNELS: JSON.stringify({
          sms: {
            provider: 'twilio-sms',
            config: { accountSid, authToken, from: '+447700900001', apiBaseUrl: fake.url },
          },
        }),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => {
      if (code) console.error(`worker exited with ${code}:\n${stderr}`);
    });
    children.push(child);
    return child;
  }

  async function kill(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(child.pid!, 'SIGKILL');
    await exited;
  }

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first (pnpm turbo run build)`);
    await migrate({ migrationUrl: scratch.DATABASE_MIGRATION_URL!, appUrl: scratch.DATABASE_URL! });
    // a slow provider keeps each job in hand long enough for a kill to catch it
    fake = await startTwilioFake({ accountSid, authToken, answerDelayMs: 150 });
    db = await connectAsApp(env);
    queue = new Queue('sms', {
      connection: { url: scratch.REDIS_URL },
      prefix: scratch.REDIS_PREFIX,
    });
  }, 60_000);
  afterAll(async () => {
    for (const child of children) await kill(child);
    await queue?.close();
    await db?.close();
    await fake?.close();
    await dropScratch(scratch);
  });

  it('leaves no delivery sending and loses none; repeats are rare, counted and identical', async () => {
    const tenantId = (await createTenant(db.tenancy, db.cipher, 'stall')).id;
    const outbox = new Outbox(db.cipher, () => queue);
    const bodies = new Map<string, string>();
    const create = async (n: number) => {
      const to = `+4477009${String(n).padStart(5, '0')}`;
      const body = `Your Verity code is ${String(200000 + n)}`;
      bodies.set(to, body);
      const { delivery } = await db.tenancy.run(tenantId, (scope) =>
        outbox.create(scope, { to, content: { kind: 'sms', body }, idempotencyKey: `stall-${n}` }),
      );
      return delivery;
    };
    for (let n = 0; n < BURST; n++) await outbox.dispatch(await create(n), `stall-${n}`);

    const requestsPerTo = () => {
      const counts = new Map<string, number>();
      for (const r of fake.requests())
        counts.set(String(r.body.To), (counts.get(String(r.body.To)) ?? 0) + 1);
      return counts;
    };
    const accepted = () => [...fake.acceptedByTo().values()].reduce((a, b) => a + b, 0);

    let worker = startWorker();
    await until('60 texts reached the provider', () => accepted() >= 60, 30_000);
    await kill(worker);
    for (let k = 2; k <= KILLS; k++) {
      // kill the next worker just as it runs again a job the last one died holding: that job stalls twice
      const before = requestsPerTo();
      worker = startWorker();
      const rerun = () => [...requestsPerTo()].some(([to, n]) => n > (before.get(to) ?? 0) && before.has(to));
      await until('a job of a dead worker runs again', rerun, 30_000).catch(() => undefined);
      await kill(worker);
    }

    // dispatches lost before they reached Redis, then the last worker, its metrics served
    for (let n = BURST; n < BURST + UNDISPATCHED; n++) await create(n);
    const metricsPort = await freePort();
    startWorker(metricsPort);

    const unfinished = async () => {
      const [row] = await db.tenancy.run(tenantId, (scope) =>
        scope.manager.query(
          `SELECT count(*)::int AS n FROM deliveries WHERE status IN ('queued', 'sending')`,
        ),
      );
      return (row as { n: number }).n;
    };
    await until(
      'no delivery is left queued or sending',
      async () => (await unfinished()) === 0,
      90_000,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${await unfinished()} still are`);
    });

    const received = fake.acceptedByTo();
    const missing = [...bodies.keys()].filter((to) => !received.get(to));
    expect(missing).toEqual([]);
    // never a second, different code: every request for a number carries that number's one text
    for (const request of fake.requests())
      expect(request.body.Body).toBe(bodies.get(String(request.body.To)));
    const [stats] = await db.tenancy.run(tenantId, (scope) =>
      scope.manager.query(
        `SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent,
                count(*) FILTER (WHERE attempts > 1)::int AS retried,
                max(attempts)::int AS most
           FROM deliveries`,
      ),
    );
    const { sent, retried, most } = stats as { sent: number; retried: number; most: number };
    expect(sent).toBe(BURST + UNDISPATCHED);
    const duplicates = [...received.values()].reduce((sum, n) => sum + n - 1, 0);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const swept = Number(
      /verity_worker_stuck_deliveries_total\{queue="sms",action="redispatched"\} (\d+)/.exec(metrics)?.[1] ??
        0,
    );
    console.log(
      `stall test: ${BURST + UNDISPATCHED} deliveries, ${KILLS} SIGKILLs; ${duplicates} extra copies reached the provider ` +
        `(same text), ${retried} deliveries claimed more than once (at most ${most} times), ` +
        `${swept} dispatched again by the last worker's sweep`,
    );
    // the lost dispatches were found by the sweep, and counted
    expect(swept).toBeGreaterThanOrEqual(UNDISPATCHED);
    // a kill repeats at most the jobs in hand: one per concurrent job and kill
    expect(duplicates).toBeLessThanOrEqual(CONCURRENCY * KILLS);
  }, 240_000);
});
