import { Writable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { addToLogContext, bindRequestLogContext, withLogContext } from './context.js';
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

describe('log context', () => {
  it("gives every line written while serving a request the request's id and, once known, its organisation", async () => {
    const out = capture();
    const logger = createLogger({ LOG_LEVEL: 'info', NODE_ENV: 'production' }, { destination: out.stream });
    const nest = new NestPinoLogger(logger);
    let n = 0;
    const app = Fastify({
      loggerInstance: logger as FastifyBaseLogger,
      logController: new RequestLogController({ requestIdLogLabel: 'requestId' }),
      genReqId: () => `req-${(n += 1)}`,
    });
    bindRequestLogContext(app);
    // a JSON body (read outside the request's async context), awaits, and the organisation known midway
    app.post('/v1/sign-in', async (request) => {
      const { tenant } = request.body as { tenant: string };
      await tick();
      addToLogContext({ tenantId: tenant });
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
      nest.warn(`serving ${tenant}`, 'Probe');
      return { ok: true };
    });
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const tenants = Array.from({ length: 30 }, (_, i) => `tenant-${i}`);
    await Promise.all(
      tenants.map((tenant) =>
        fetch(`${address}/v1/sign-in`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ tenant }),
        }),
      ),
    );
    nest.log('after every request', 'Probe');
    await app.close();
    const entries = (await out.lines())
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => !String(entry.msg).includes('listening'));

    const served = entries.filter((entry) => String(entry.msg).startsWith('serving '));
    const completed = entries.filter((entry) => String(entry.msg).startsWith('POST '));
    expect(served).toHaveLength(30);
    expect(completed).toHaveLength(30);
    const requestOf = new Map(served.map((entry) => [entry.tenantId, entry.correlationId]));
    for (const tenant of tenants) {
      expect(served).toContainEqual(expect.objectContaining({ msg: `serving ${tenant}`, tenantId: tenant }));
      expect(requestOf.get(tenant)).toMatch(/^req-\d+$/);
      expect(completed).toContainEqual(
        expect.objectContaining({
          tenantId: tenant,
          correlationId: requestOf.get(tenant),
          requestId: requestOf.get(tenant),
        }),
      );
    }
    const after = entries.find((entry) => entry.msg === 'after every request');
    expect(after).not.toHaveProperty('tenantId');
    expect(after).not.toHaveProperty('correlationId');
  });

  it('gives the lines of work run in a context (a job) its fields, and no other work', async () => {
    const out = capture();
    const logger = createLogger({ LOG_LEVEL: 'info', NODE_ENV: 'production' }, { destination: out.stream });
    await Promise.all([
      withLogContext({ tenantId: 't-1', correlationId: 'job-1' }, async () => {
        await tick();
        logger.info('one');
      }),
      withLogContext({ tenantId: 't-2', correlationId: 'job-2' }, async () => logger.info('two')),
    ]);
    logger.info('outside');
    const entries = (await out.lines()).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries).toEqual([
      expect.objectContaining({ msg: 'two', tenantId: 't-2', correlationId: 'job-2' }),
      expect.objectContaining({ msg: 'one', tenantId: 't-1', correlationId: 'job-1' }),
      expect.not.objectContaining({ tenantId: expect.anything() }),
    ]);
  });
});
