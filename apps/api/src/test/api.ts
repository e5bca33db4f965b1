import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { DestinationStream } from 'pino';
import { createApp } from '../app.factory.js';
import { API_SCOPES, type ApiScope } from '../auth/scope-names.js';
import { loadApiConfig } from '../config.js';
import { ContractCheck } from './contract.js';

export interface TestApi {
  app: NestFastifyApplication;
  operatorKey: string;
  request(options: {
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    url: string;
    key?: string;
    body?: unknown;
    payload?: string;
    headers?: Record<string, string>;
  }): Promise<{ status: number; headers: Record<string, unknown>; body: any; text: string }>;
  close(): Promise<void>;
}

/**
 * The real API on this run's Postgres and Redis, listening on a free loopback port, driven over HTTP. Each answer
 * is held to the OpenAPI document (ContractCheck).
 */
export async function startApi(
  overrides: Record<string, string> = {},
  logDestination?: DestinationStream,
): Promise<TestApi> {
  const config = loadApiConfig({ ...process.env, ...overrides });
  const app = await createApp(config, logDestination);
  await app.listen(0, '127.0.0.1');
  const base = await app.getUrl();
  const served = await fetch(`${base}/docs/openapi.json`);
  const contract = served.ok ? new ContractCheck((await served.json()) as OpenAPIObject) : undefined;
  return {
    app,
    operatorKey: config.OPERATOR_API_KEY,
    async request({ method, url, key, body, payload, headers = {} }) {
      const res = await fetch(`${base}${url}`, {
        method,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: payload ?? (body !== undefined ? JSON.stringify(body) : undefined),
      });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: the test reads `text`
      }
      contract?.enforce(
        contract.check(method, url, {
          status: res.status,
          contentType: res.headers.get('content-type') ?? '',
          body: parsed,
          text,
        }),
      );
      return { status: res.status, headers: Object.fromEntries(res.headers.entries()), body: parsed, text };
    },
    close: () => app.close(),
  };
}

let counter = 0;
export function uniqueTenantBody(base = 'trust') {
  counter += 1;
  const slug = `${base}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 7)}`;
  return {
    slug,
    name: `${slug} NHS Foundation Trust`,
    emailDomains: [`${slug}.nhs.uk`],
    administrator: {
      username: `la@${slug}.nhs.uk`,
      displayName: 'Local Administrator',
      contactEmail: `la.personal@${slug}.example`,
    },
  };
}

/**
 * A new organisation with its first administrator and an API key: by default with every scope (the tests that
 * are not about scopes act as the organisation's console, and as a relying app forwarding its users' addresses).
 */
export async function onboard(api: TestApi, base: string, scopes: readonly ApiScope[] = API_SCOPES) {
  const created = await api.request({
    method: 'POST',
    url: '/admin/tenants',
    key: api.operatorKey,
    body: uniqueTenantBody(base),
  });
  const key = await api.request({
    method: 'POST',
    url: `/admin/tenants/${created.body.tenant.id}/api-keys`,
    key: api.operatorKey,
    body: { name: 'console', scopes },
  });
  if (key.status !== 201) throw new Error(`issuing a key failed: ${key.text}`);
  return {
    tenantId: created.body.tenant.id as string,
    adminId: created.body.administrator.id as string,
    key: key.body.key as string,
  };
}

/** Another API key for the organisation, with just these scopes. */
export async function issueKey(api: TestApi, tenantId: string, scopes: readonly ApiScope[], name = 'narrow') {
  const res = await api.request({
    method: 'POST',
    url: `/admin/tenants/${tenantId}/api-keys`,
    key: api.operatorKey,
    body: { name, scopes },
  });
  if (res.status !== 201) throw new Error(`issuing a key failed: ${res.text}`);
  return res.body.key as string;
}
