import { Writable } from 'node:stream';
import { startApi, type TestApi } from '../test/api.js';

// What `npm start` shows of the API: one readable line per request, and no line per mapped route.
describe('the API in development', () => {
  let api: TestApi;
  const logs: string[] = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        logs.push(String(chunk));
        done();
      },
    });
    api = await startApi({ NODE_ENV: 'development', LOG_LEVEL: 'info' }, sink);
  });
  afterAll(() => api.close());

  const lines = () => logs.join('').split('\n').filter(Boolean);

  it('logs nothing about mapped routes or loaded modules at start', () => {
    expect(lines().filter((line) => /Mapped \{|RoutesResolver|dependencies initialized/.test(line))).toEqual(
      [],
    );
  });

  it('logs each request as one readable line, and nothing else', async () => {
    const before = lines().length;
    await api.request({ method: 'GET', url: '/health/live' });
    await api.request({ method: 'GET', url: '/admin/tenants' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lines().slice(before)).toEqual([
      expect.stringMatching(/^\[\d\d:\d\d:\d\d\] INFO \(api\): GET \/health\/live 200 \d+ms$/),
      expect.stringMatching(/^\[\d\d:\d\d:\d\d\] INFO \(api\): GET \/admin\/tenants 401 \d+ms$/),
    ]);
  });
});
