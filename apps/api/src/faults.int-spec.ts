import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { type AddressInfo, type Server, type Socket, createServer, connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Tenancy } from '@verity/db';
import { onboard, startApi, type TestApi } from './test/api.js';
import { PASSWORD, codeIn, messageOf, staffMember } from './test/sign-in.js';

/** Each test starts and stops processes and servers of its own. */
const SLOW = 60_000;
const worker = fileURLToPath(new URL('../../worker/dist/main.js', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** A redis-server of the test's own, on its own port, that the test kills, freezes and starts again. */
class OwnRedis {
  private process: ChildProcess | null = null;
  constructor(readonly port: number) {}

  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    this.process = child;
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code})`)));
      child.stdout!.on('data', (chunk) => String(chunk).includes('Ready to accept connections') && resolve());
    });
  }

  async kill(): Promise<void> {
    const child = this.process!;
    child.kill('SIGKILL');
    await exited(child);
  }

  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    this.process!.kill(signal);
  }
}

/** A TCP proxy to PostgreSQL that the test can take away (refusing, or accepting and never answering). */
class PostgresProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(mode: 'forward' | 'black-hole'): Promise<void> {
    const server = createServer((client) => {
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      client.on('error', () => client.destroy());
      if (mode === 'black-hole') return;
      const upstream = connect(this.target);
      this.sockets.add(upstream);
      upstream.on('close', () => this.sockets.delete(upstream));
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      upstream.on('error', end);
      client.on('close', end);
      upstream.on('close', end);
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Nothing listens any more and every connection through it is cut: the database is gone. */
  async close(): Promise<void> {
    const server = this.server!;
    this.server = null;
    const closed = new Promise((resolve) => server.close(resolve));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

/** Time a request took, and its answer. */
async function timed<T>(request: () => Promise<T>): Promise<{ ms: number; answer: T }> {
  const started = performance.now();
  const answer = await request();
  return { ms: performance.now() - started, answer };
}

async function until<T>(find: () => Promise<T | undefined>, what: string, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const found = await find();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

type Answer = Awaited<ReturnType<TestApi['request']>>;

function expectUnavailable({ ms, answer }: { ms: number; answer: Answer }, withinMs: number): void {
  expect({ status: answer.status, type: answer.headers['content-type'], code: answer.body?.code }).toEqual({
    status: 503,
    type: expect.stringContaining('application/problem+json'),
    code: 'unavailable',
  });
  expect(ms).toBeLessThan(withinMs);
}

/** The API while Redis or PostgreSQL goes away and comes back: prompt 503 problem+json, then service again. */
describe('faults: a dependency down', () => {
  describe('Redis down while "Text me" is asked', () => {
    let redis: OwnRedis;
    let api: TestApi;
    let org: Awaited<ReturnType<typeof onboard>>;
    let sender: ChildProcess | null = null;
    const prefix = `verity-faults-${randomBytes(4).toString('hex')}`;

    beforeAll(async () => {
      redis = new OwnRedis(await freePort());
      await redis.start();
      api = await startApi({ REDIS_URL: redis.url, REDIS_PREFIX: prefix });
      org = await onboard(api, 'faults-redis');
    }, SLOW);
    afterAll(async () => {
      if (sender && sender.exitCode === null) {
        sender.kill('SIGTERM');
        await exited(sender);
      }
      await api.close();
      await redis.kill();
    }, SLOW);

    /** A worker process serving the SMS queue (the sandbox channel), on this test's Redis. */
    async function startWorker(): Promise<void> {
      const child = spawn(process.execPath, [worker], {
        env: {
          ...process.env,
          REDIS_URL: redis.url,
          REDIS_PREFIX: prefix,
          WORKER_QUEUES: 'sms',
          LOG_LEVEL: 'silent',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      sender = child;
      await new Promise<void>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`the worker exited (${code})`)));
        child.stdout!.on('data', (chunk) => String(chunk).includes('Verity worker serving') && resolve());
      });
    }

    const sql = <T>(query: string, params: unknown[] = []) =>
      api.app.get(Tenancy).run(org.tenantId, (scope) => scope.manager.query(query, params)) as Promise<T[]>;
    const deliveryOf = async (challengeId: string) =>
      (
        await sql<{ status: string }>(`SELECT status FROM deliveries WHERE challenge_id = $1`, [challengeId])
      )[0]?.status;
    /** The challenge the person asked for last in this flow (the answer to the 503 did not name it). */
    const latestChallenge = async (flowId: string) =>
      (
        await sql<{ id: string }>(
          `SELECT id FROM challenges WHERE flow_id = $1 ORDER BY created_at DESC LIMIT 1`,
          [flowId],
        )
      )[0]?.id;

    async function signIn(username: string) {
      const started = await api.request({
        method: 'POST',
        url: '/v1/sign-in',
        key: org.key,
        body: { username, password: PASSWORD },
      });
      expect(started.body.state).toBe('mfa_required');
      return started.body.flowId as string;
    }
    const textMe = (flowId: string, methodId: string) =>
      timed(() =>
        api.request({
          method: 'POST',
          url: `/v1/sign-in/${flowId}/challenges`,
          key: org.key,
          body: { methodId },
        }),
      );
    const verify = (flowId: string, challengeId: string, code: string) =>
      api.request({
        method: 'POST',
        url: `/v1/sign-in/${flowId}/challenges/${challengeId}/verify`,
        key: org.key,
        body: { code },
      });

    it(
      'killed: 503 at once; the text committed is sent once Redis is back, and its code signs in',
      async () => {
        const { username, methods } = await staffMember(api, org.tenantId, {
          methods: [{ type: 'mobile_text', phone: '+447700900777' }],
        });
        const flowId = await signIn(username);

        await redis.kill();
        expectUnavailable(await textMe(flowId, methods[0]!.id), 2500);
        const challengeId = (await latestChallenge(flowId))!;
        expect(await deliveryOf(challengeId)).toBe('queued');

        await redis.start();
        await startWorker();
        await until(
          async () => ((await deliveryOf(challengeId)) === 'sent' ? true : undefined),
          'the text sent',
        );
        const { content } = await messageOf(api, org.tenantId, challengeId);
        const done = await verify(flowId, challengeId, codeIn(content.body));
        expect(done.body).toMatchObject({ state: 'complete', result: expect.any(String) });
      },
      SLOW,
    );

    it(
      'frozen (SIGSTOP): 503 within two seconds, never a hang; sent once it runs again',
      async () => {
        const { username, methods } = await staffMember(api, org.tenantId, {
          methods: [{ type: 'mobile_text', phone: '+447700900778' }],
        });
        const flowId = await signIn(username);

        redis.signal('SIGSTOP');
        try {
          expectUnavailable(await textMe(flowId, methods[0]!.id), 2500);
        } finally {
          redis.signal('SIGCONT');
        }
        const challengeId = (await latestChallenge(flowId))!;
        await until(
          async () => ((await deliveryOf(challengeId)) === 'sent' ? true : undefined),
          'the text sent',
        );
      },
      SLOW,
    );
  });

  describe('PostgreSQL down during sign-in', () => {
    let proxy: PostgresProxy;
    let api: TestApi;
    let org: Awaited<ReturnType<typeof onboard>>;

    beforeAll(async () => {
      const direct = new URL(process.env.DATABASE_URL!);
      proxy = new PostgresProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
      await proxy.open('forward');
      const viaProxy = new URL(direct);
      viaProxy.hostname = '127.0.0.1';
      viaProxy.port = String(proxy.port);
      api = await startApi({ DATABASE_URL: viaProxy.toString(), DATABASE_CONNECT_TIMEOUT_MS: '1000' });
      org = await onboard(api, 'faults-pg');
    }, SLOW);
    afterAll(async () => {
      await api.close();
      await proxy.close();
    }, SLOW);

    const post = (url: string, body: unknown) =>
      timed(() => api.request({ method: 'POST', url, key: org.key, body }));

    it(
      'answers sign-in, challenge and verify with 503 problem+json at once, never 500, and works once it is back',
      async () => {
        const { username, methods } = await staffMember(api, org.tenantId, {
          methods: [{ type: 'mobile_text', phone: '+447700900779' }],
        });
        const methodId = methods[0]!.id;
        const signIn = () => post('/v1/sign-in', { username, password: PASSWORD });
        const before = (await signIn()).answer.body.flowId as string;
        const asked = (await post(`/v1/sign-in/${before}/challenges`, { methodId })).answer;
        expect(asked.status).toBe(201);
        const { content } = await messageOf(api, org.tenantId, asked.body.challengeId);
        const code = codeIn(content.body);
        const all = () => [
          signIn(),
          post(`/v1/sign-in/${before}/challenges`, { methodId }),
          post(`/v1/sign-in/${before}/challenges/${asked.body.challengeId}/verify`, { code }),
        ];

        // gone: nothing listens, and every connection is cut
        await proxy.close();
        for (const answer of await Promise.all(all())) expectUnavailable(answer, 3000);
        for (const answer of await Promise.all(all())) expectUnavailable(answer, 3000);

        // frozen: connections are accepted and never answered (the pool's connect timeout)
        await proxy.open('black-hole');
        for (const answer of await Promise.all(all())) expectUnavailable(answer, 3000);
        await proxy.close();

        // back
        await proxy.open('forward');
        const done = (
          await post(`/v1/sign-in/${before}/challenges/${asked.body.challengeId}/verify`, { code })
        ).answer;
        expect(done.body).toMatchObject({ state: 'complete', result: expect.any(String) });
        const again = (await signIn()).answer;
        expect(again.body.state).toBe('mfa_required');
        expect((await post(`/v1/sign-in/${again.body.flowId}/challenges`, { methodId })).answer.status).toBe(
          201,
        );
      },
      SLOW,
    );
  });
});
