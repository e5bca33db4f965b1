import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Bull Board's static files need @fastify/static, which jest on Node 20 cannot load, so this test runs the
// built API as a real process, as an operator does.
const main = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

describe('operator queue dashboard', () => {
  let api: ChildProcess;
  let base: string;
  const key = process.env.OPERATOR_API_KEY!;

  beforeAll(async () => {
    api = spawn(process.execPath, [main], {
      env: { ...process.env, API_PORT: '0', QUEUE_DASHBOARD: 'true', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the API did not start')), 20_000);
      api.stdout!.on('data', (chunk: Buffer) => {
        const url = /listening on (http:\/\/\S+)/.exec(String(chunk))?.[1];
        if (url) {
          clearTimeout(timer);
          resolve(url);
        }
      });
    });
  }, 30_000);
  afterAll(() => {
    api.kill('SIGTERM');
  });

  it('asks for the operator key', async () => {
    const res = await fetch(`${base}/admin/queues`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
    const wrong = await fetch(`${base}/admin/queues`, {
      headers: { authorization: `Basic ${Buffer.from('operator:nope').toString('base64')}` },
    });
    expect(wrong.status).toBe(401);
  });

  it('shows every queue to the operator, in a browser or through its API', async () => {
    const basic = { authorization: `Basic ${Buffer.from(`operator:${key}`).toString('base64')}` };
    const page = await fetch(`${base}/admin/queues`, { headers: basic });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const queues = await fetch(`${base}/admin/queues/api/queues`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(queues.status).toBe(200);
    const names = ((await queues.json()) as { queues: { name: string }[] }).queues.map((q) => q.name);
    expect(names.sort()).toEqual(['email', 'housekeeping', 'push', 'sms', 'voice']);
  });
});
