import { Writable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { NestPinoLogger, RequestLogController, createLogger } from './logging.js';

function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    stream,
    /** The lines written so far, once the pretty stream has passed them on. */
    async lines(): Promise<string[]> {
      for (let i = 0; i < 5; i += 1) await tick();
      return text.split('\n').filter(Boolean);
    },
  };
}

/** A Fastify server logging as the API and portal do, after one request (its start-up line left out). */
async function serveOne(logger: ReturnType<typeof createLogger>) {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: new RequestLogController({ requestIdLogLabel: 'requestId' }),
    genReqId: () => 'req-1',
  });
  app.post('/v1/sign-in', (_request, reply) => reply.code(201).send({ ok: true }));
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  await fetch(`${address}/v1/sign-in?token=secret-in-query`, {
    method: 'POST',
    headers: { authorization: 'Bearer vty_secret', 'content-type': 'application/json' },
    body: JSON.stringify({ password: 'secret password' }),
  });
  await app.close();
}

describe('development logs', () => {
  it('gives a request one readable line: method, path, status and time', async () => {
    const out = capture();
    const logger = createLogger(
      { LOG_LEVEL: 'info', NODE_ENV: 'development' },
      { name: 'api', destination: out.stream },
    );
    await serveOne(logger);
    const lines = (await out.lines()).filter((line) => !line.includes('Server listening'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\] INFO \(api\): POST \/v1\/sign-in 201 \d+ms$/);
  });

  it('says which Nest part logged a message', async () => {
    const out = capture();
    const logger = createLogger(
      { LOG_LEVEL: 'info', NODE_ENV: 'development' },
      { name: 'worker', destination: out.stream },
    );
    new NestPinoLogger(logger).log('serving queues', 'WorkerModule');
    expect(await out.lines()).toEqual([
      expect.stringMatching(/INFO \(worker\): WorkerModule: serving queues$/),
    ]);
  });
});

describe('production logs', () => {
  it('stay one JSON object per line, with the request in it and its secrets redacted', async () => {
    const out = capture();
    const logger = createLogger(
      { LOG_LEVEL: 'info', NODE_ENV: 'production' },
      { name: 'api', destination: out.stream },
    );
    await serveOne(logger);
    const lines = (await out.lines()).filter((line) => !line.includes('Server listening'));
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({
      level: 30,
      name: 'api',
      requestId: 'req-1',
      msg: expect.stringMatching(/^POST \/v1\/sign-in 201 \d+ms$/),
      req: { method: 'POST', url: '/v1/sign-in', headers: { authorization: '[redacted]' } },
      res: { statusCode: 201 },
      responseTime: expect.any(Number),
    });
    expect(lines[0]).not.toContain('secret');
  });
});

describe(NestPinoLogger.name, () => {
  const startUp: [string, string][] = [
    ['Mapped {/v1/sign-in, POST} route', 'RouterExplorer'],
    ['SignInController {/v1}:', 'RoutesResolver'],
    ['AppModule dependencies initialized', 'InstanceLoader'],
    ['Starting Nest application...', 'NestFactory'],
    ['Nest application successfully started', 'NestApplication'],
  ];

  it("puts Nest's start-up lines (routes mapped, modules loaded) at debug, not info", async () => {
    for (const level of ['info', 'debug']) {
      const out = capture();
      const nest = new NestPinoLogger(
        createLogger({ LOG_LEVEL: level, NODE_ENV: 'production' }, { destination: out.stream }),
      );
      for (const [message, context] of startUp) nest.log(message, context);
      const entries = (await out.lines()).map((line) => JSON.parse(line) as { level: number });
      expect(entries.map((e) => e.level)).toEqual(level === 'info' ? [] : startUp.map(() => 20));
    }
  });

  it('keeps what the application says itself at info', async () => {
    const out = capture();
    const nest = new NestPinoLogger(
      createLogger({ LOG_LEVEL: 'info', NODE_ENV: 'production' }, { destination: out.stream }),
    );
    nest.log('organisation x: removed 3 challenges', 'HousekeepingProcessor');
    expect((await out.lines()).map((line) => (JSON.parse(line) as { level: number }).level)).toEqual([30]);
  });
});
