import { startApi, uniqueTenantBody, type TestApi } from '../test/api.js';

const valid = () => uniqueTenantBody('bad');

/** Malformed requests to the admin API: each must get a 4xx problem+json, none a 500, and write nothing. */
const cases: {
  name: string;
  status: number;
  field?: string;
  send: () => { payload?: string; body?: unknown; headers?: Record<string, string> };
}[] = [
  {
    name: 'invalid JSON',
    status: 400,
    send: () => ({ payload: '{"slug": "x",', headers: { 'content-type': 'application/json' } }),
  },
  {
    name: 'empty JSON body',
    status: 400,
    send: () => ({ payload: '', headers: { 'content-type': 'application/json' } }),
  },
  {
    name: 'JSON null',
    status: 400,
    send: () => ({ payload: 'null', headers: { 'content-type': 'application/json' } }),
  },
  { name: 'a JSON array', status: 400, send: () => ({ body: [valid()] }) },
  { name: 'a JSON string', status: 400, send: () => ({ body: 'northshire' }) },
  {
    name: 'text/plain body',
    status: 415,
    send: () => ({ payload: 'slug=x', headers: { 'content-type': 'text/plain' } }),
  },
  {
    name: 'form body',
    status: 415,
    send: () => ({ payload: 'slug=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
  },
  { name: 'huge body', status: 413, send: () => ({ body: { ...valid(), name: 'x'.repeat(200_000) } }) },
  { name: 'unknown field', status: 400, field: 'admin', send: () => ({ body: { ...valid(), admin: true } }) },
  {
    name: 'unknown nested field',
    status: 400,
    field: 'administrator.isRoot',
    send: () => ({ body: { ...valid(), administrator: { ...valid().administrator, isRoot: true } } }),
  },
  {
    name: 'slug of the wrong type',
    status: 400,
    field: 'slug',
    send: () => ({ body: { ...valid(), slug: 42 } }),
  },
  {
    name: 'slug with capitals and spaces',
    status: 400,
    field: 'slug',
    send: () => ({ body: { ...valid(), slug: 'North Shire' } }),
  },
  {
    name: 'missing name',
    status: 400,
    field: 'name',
    send: () => ({ body: { ...valid(), name: undefined } }),
  },
  {
    name: 'name of one character',
    status: 400,
    field: 'name',
    send: () => ({ body: { ...valid(), name: 'x' } }),
  },
  {
    name: 'domains not an array',
    status: 400,
    field: 'emailDomains',
    send: () => ({ body: { ...valid(), emailDomains: 'trust.nhs.uk' } }),
  },
  {
    name: 'a domain that is not one',
    status: 400,
    field: 'emailDomains.0',
    send: () => ({ body: { ...valid(), emailDomains: ['not a domain'] } }),
  },
  {
    name: 'too many domains',
    status: 400,
    field: 'emailDomains',
    send: () => ({
      body: { ...valid(), emailDomains: Array.from({ length: 21 }, (_, i) => `d${i}.nhs.uk`) },
    }),
  },
  {
    name: 'administrator missing',
    status: 400,
    field: 'administrator',
    send: () => ({ body: { ...valid(), administrator: undefined } }),
  },
  {
    name: 'administrator username not an address',
    status: 400,
    field: 'administrator.username',
    send: () => ({ body: { ...valid(), administrator: { ...valid().administrator, username: 'jane' } } }),
  },
  {
    name: 'prototype pollution',
    status: 400,
    send: () => ({
      payload: `{"__proto__": {"admin": true}, "slug": "proto"}`,
      headers: { 'content-type': 'application/json' },
    }),
  },
  {
    name: 'deeply nested body',
    status: 400,
    send: () => ({
      payload: '['.repeat(5000) + ']'.repeat(5000),
      headers: { 'content-type': 'application/json' },
    }),
  },
  {
    name: 'NUL bytes in the name',
    status: 400,
    field: 'name',
    send: () => ({ body: { ...valid(), name: 'North\u0000shire' } }),
  },
];

describe('bad input to the admin API', () => {
  let api: TestApi;
  let before: number;
  beforeAll(async () => {
    api = await startApi();
    before = (await api.request({ method: 'GET', url: '/admin/tenants', key: api.operatorKey })).body.tenants
      .length;
  });
  afterAll(() => api.close());

  it.each(cases)('answers $name with $status problem+json', async ({ status, field, send }) => {
    const { payload, body, headers } = send();
    const res = await api.request({
      method: 'POST',
      url: '/admin/tenants',
      key: api.operatorKey,
      payload,
      body,
      headers,
    });
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      status,
      type: expect.stringMatching(/^urn:verity:problem:/),
      title: expect.any(String),
      detail: expect.any(String),
    });
    if (field) expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('answers bad path parameters and queries with 4xx too', async () => {
    for (const url of [
      '/admin/tenants/not-a-uuid',
      '/admin/tenants/%00',
      "/admin/tenants/1'%20OR%201=1",
      '/admin/tenants/00000000-0000-0000-0000-000000000000',
    ]) {
      const res = await api.request({ method: 'GET', url, key: api.operatorKey });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    const unknownRoute = await api.request({
      method: 'GET',
      url: '/admin/nothing-here',
      key: api.operatorKey,
    });
    expect(unknownRoute.status).toBe(404);
    expect(unknownRoute.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('wrote nothing for any of them', async () => {
    const after = (await api.request({ method: 'GET', url: '/admin/tenants', key: api.operatorKey })).body
      .tenants.length;
    expect(after).toBe(before);
  });
});
