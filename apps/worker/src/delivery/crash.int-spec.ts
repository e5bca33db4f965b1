import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Outbox } from '@verity/delivery';
import { type TwilioFake, connectAsApp, createTenant, startTwilioFake } from '@verity/testing';
import { Queue } from 'bullmq';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const DELIVERIES = 1000;
const CONCURRENCY = 50;
const accountSid = 'AC' + 'fedcba9876543210'.repeat(2);
const authToken = 'crash-test-token';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(20);
  }
}

describe('a delivery worker killed with SIGKILL in the middle of a batch', () => {
  // its own Redis prefix, so no other test's worker takes these jobs
  const prefix = `${process.env.REDIS_PREFIX ?? 'verity-test'}-crash`;
  let fake: TwilioFake;
  let db: Awaited<ReturnType<typeof connectAsApp>>;
  let queue: Queue;
  const children: ChildProcess[] = [];

  function startWorker(): ChildProcess {
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        REDIS_PREFIX: prefix,
        WORKER_QUEUES: 'sms',
        WORKER_CONCURRENCY: String(CONCURRENCY),
        WORKER_LOCK_MS: '2000',
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
    child.on('exit', (code, signal) => {
      if (code) console.error(`worker exited with ${code}:\n${stderr}`);
      else if (signal && signal !== 'SIGKILL' && signal !== 'SIGTERM')
        console.error(`worker died of ${signal}`);
    });
    children.push(child);
    return child;
  }

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first (pnpm turbo run build)`);
    fake = await startTwilioFake({ accountSid, authToken });
    db = await connectAsApp();
    queue = new Queue('sms', { connection: { url: process.env.REDIS_URL }, prefix });
  });
  afterAll(async () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await queue?.obliterate({ force: true });
    await queue?.close();
    await db?.close();
    await fake?.close();
  });

  it('loses nothing, and what it sends twice carries the same content', async () => {
    const tenantId = (await createTenant(db.tenancy, db.cipher, 'crash')).id;
    const outbox = new Outbox(db.cipher, () => queue);
    const bodies = new Map<string, string>();
    // one at a time: encrypting can take a second connection from the test's small pool
    for (let n = 0; n < DELIVERIES; n++) {
      const to = `+4477009${String(n).padStart(5, '0')}`;
      const body = `Your Verity code is ${String(100000 + n)}`;
      bodies.set(to, body);
      const { delivery } = await db.tenancy.run(tenantId, (scope) =>
        outbox.create(scope, { to, content: { kind: 'sms', body }, idempotencyKey: `crash-${n}` }),
      );
      await outbox.dispatch(delivery, `crash-${n}`);
    }
    const accepted = () => [...fake.acceptedByTo().values()].reduce((a, b) => a + b, 0);

    const first = startWorker();
    await until('150 messages reached the provider', () => accepted() >= 150, 30_000);
    first.kill('SIGKILL');
    await new Promise((r) =>
      first.exitCode === null && first.signalCode === null ? first.once('exit', r) : r(null),
    );
    const beforeRestart = accepted();
    expect(beforeRestart).toBeLessThan(DELIVERIES);

    startWorker();
    const unsent = async () => {
      const [row] = await db.tenancy.run(tenantId, (scope) =>
        scope.manager.query(`SELECT count(*)::int AS n FROM deliveries WHERE status <> 'sent'`),
      );
      return (row as { n: number }).n;
    };
    await until('every delivery is sent', async () => (await unsent()) === 0, 60_000);

    const received = fake.acceptedByTo();
    for (const to of bodies.keys()) expect(received.get(to) ?? 0).toBeGreaterThanOrEqual(1);
    for (const request of fake.requests())
      expect(request.body.Body).toBe(bodies.get(String(request.body.To)));
    const duplicates = [...received.values()].filter((n) => n > 1);
    expect(Math.max(...received.values())).toBe(duplicates.length > 0 ? 2 : 1);
    const [retried] = await db.tenancy.run(tenantId, (scope) =>
      scope.manager.query(`SELECT count(*)::int AS n FROM deliveries WHERE attempts > 1`),
    );
    // only a send in flight when the process died can be repeated: at most one per concurrent job
    expect(duplicates.length).toBeLessThanOrEqual((retried as { n: number }).n);
    expect(duplicates.length).toBeLessThanOrEqual(CONCURRENCY);
    console.log(
      `crash test: ${DELIVERIES} deliveries, ${beforeRestart} accepted before SIGKILL, ` +
        `${duplicates.length} reached the provider twice (same content), ${(retried as { n: number }).n} were attempted more than once`,
    );
  }, 120_000);
});
