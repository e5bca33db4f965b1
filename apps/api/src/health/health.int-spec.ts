import { Writable } from 'node:stream';
import { startApi, uniqueTenantBody, type TestApi } from '../test/api.js';

describe('the API process', () => {
  let api: TestApi;
  const logs: string[] = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        logs.push(String(chunk));
        done();
      },
    });
    api = await startApi({ LOG_LEVEL: 'info' }, sink);
  });
  afterAll(() => api.close());

  it('is live, and ready when Postgres and Redis answer', async () => {
    expect((await api.request({ method: 'GET', url: '/health/live' })).body).toEqual({ status: 'ok' });
    const ready = await api.request({ method: 'GET', url: '/health/ready' });
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ postgres: 'ok', redis: 'ok' });
  });

  it('serves Prometheus metrics, with routes as patterns and never raw ids', async () => {
    await api.request({
      method: 'GET',
      url: '/admin/tenants/8f14e45f-ceea-467a-9575-1d8d7e2e1a11',
      key: api.operatorKey,
    });
    const res = await api.request({ method: 'GET', url: '/metrics' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('verity_api_http_request_duration_seconds_bucket');
    expect(res.text).toContain('route="/admin/tenants/:tenantId"');
    expect(res.text).not.toContain('8f14e45f');
  });

  it('serves its OpenAPI document', async () => {
    const res = await api.request({ method: 'GET', url: '/docs/openapi.json' });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/admin/tenants', '/v1/accounts/{accountId}', '/health/ready']),
    );
  });

  it('writes JSON logs that never contain keys or temporary passwords', async () => {
    const created = await api.request({
      method: 'POST',
      url: '/admin/tenants',
      key: api.operatorKey,
      body: uniqueTenantBody('logs'),
    });
    expect(created.status).toBe(201);
    const text = logs.join('');
    expect(text.length).toBeGreaterThan(0);
    for (const line of logs.join('').trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    expect(text).not.toContain(api.operatorKey);
    expect(text).not.toContain(created.body.administrator.temporaryPassword);
    expect(text).toContain('[redacted]');
    // each request's lines carry the id it was answered with, under one label
    const lines = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { requestId?: string; reqId?: string });
    expect(lines.some((line) => line.requestId === created.headers['x-request-id'])).toBe(true);
    expect(lines.every((line) => line.reqId === undefined)).toBe(true);
  });

  it('answers 503 problem+json when Redis is unreachable', async () => {
    const broken = await startApi({ REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const res = await broken.request({ method: 'GET', url: '/health/ready' });
      expect(res.status).toBe(503);
      expect(res.body.detail).toContain('redis');
    } finally {
      await broken.close();
    }
  });
});
