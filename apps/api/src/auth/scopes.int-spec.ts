import { randomUUID } from 'node:crypto';
import { GUARDS_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { RequestMethod } from '@nestjs/common';
import { issueKey, onboard, startApi, type TestApi } from '../test/api.js';
import { OperatorGuard, TenantKeyGuard } from './guards.js';
import { ORGANISATION_KEY_SCHEME } from './openapi-scopes.js';
import { API_SCOPES, AREA_SCOPES, type ApiScope, PORTAL_SCOPES } from './scope-names.js';
import { REQUIRED_SCOPES, SCOPES_EXTENSION } from './scopes.js';

/**
 * How each route not under an organisation key proves who calls it. A new controller that is not guarded by
 * TenantKeyGuard (with a scope) or OperatorGuard must be added here, on purpose.
 */
const OTHER_AUTHENTICATION: Record<string, string> = {
  DevicesController: 'the device key (Device-Proof, signed by the authenticator app)',
  WebhooksController: "the provider's signature (Twilio, SendGrid)",
  HealthController: 'none: liveness and readiness',
  KeysController: 'none: the public keys that verify sign-in results',
  MetricsController: 'none: Prometheus metrics, kept off the public network',
};

/** The same, by path in the OpenAPI document. */
const OTHER_PATHS: [RegExp, string][] = [
  [/^\/admin\//, 'operator key'],
  [/^\/v1\/devices\//, 'device key'],
  [/^\/health\//, 'none'],
  [/^\/\.well-known\//, 'none'],
];

type Operation = {
  [SCOPES_EXTENSION]?: ApiScope[];
  security?: Record<string, string[]>[];
  description?: string;
};

describe('API key scopes', () => {
  let api: TestApi;
  let org: Awaited<ReturnType<typeof onboard>>;
  const keyOf = {} as Record<ApiScope, string>;

  beforeAll(async () => {
    api = await startApi({ OPENAPI: 'json' });
    org = await onboard(api, 'scopes');
    for (const scope of API_SCOPES) keyOf[scope] = await issueKey(api, org.tenantId, [scope], scope);
  });
  afterAll(() => api.close());

  it('knows how every route of the API authenticates: an organisation key with a scope, or one named here', () => {
    const reflector = new Reflector();
    const unknown: string[] = [];
    let scoped = 0;
    for (const module of api.app.get(ModulesContainer).values()) {
      for (const { metatype } of module.controllers.values()) {
        const controller = metatype as new (...args: never[]) => unknown;
        for (const name of Object.getOwnPropertyNames(controller.prototype)) {
          const handler = (controller.prototype as Record<string, unknown>)[name];
          if (name === 'constructor' || typeof handler !== 'function') continue;
          if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
          const route = `${RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number]} ${controller.name}.${name}`;
          const guards = [
            ...((Reflect.getMetadata(GUARDS_METADATA, controller) as unknown[] | undefined) ?? []),
            ...((Reflect.getMetadata(GUARDS_METADATA, handler) as unknown[] | undefined) ?? []),
          ];
          if (guards.includes(TenantKeyGuard)) {
            const scopes = reflector.getAllAndOverride<ApiScope[] | undefined>(REQUIRED_SCOPES, [
              handler as () => void,
              controller,
            ]);
            if (!scopes?.length || !scopes.every((s) => (AREA_SCOPES as string[]).includes(s)))
              unknown.push(`${route}: an organisation key, but no scope`);
            else scoped += 1;
          } else if (!guards.includes(OperatorGuard) && !OTHER_AUTHENTICATION[controller.name]) {
            unknown.push(`${route}: no known authentication`);
          }
        }
      }
    }
    expect(unknown).toEqual([]);
    expect(scoped).toBeGreaterThan(60);
  });

  it('walks every operation of the OpenAPI document with a key of each scope: only the scope it names opens it', async () => {
    const document = await api.request({ method: 'GET', url: '/docs/openapi.json' });
    expect(document.status).toBe(200);
    const paths = document.body.paths as Record<string, Record<string, Operation>>;
    const unguarded: string[] = [];
    const wrong: string[] = [];
    let walked = 0;
    for (const [path, item] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const name = `${method.toUpperCase()} ${path}`;
        const required = operation[SCOPES_EXTENSION];
        if (!required) {
          if (!OTHER_PATHS.some(([pattern]) => pattern.test(path))) unguarded.push(name);
          continue;
        }
        // the document says which scope, in its security and in words
        expect(operation.security).toEqual(required.map((s) => ({ [ORGANISATION_KEY_SCHEME]: [s] })));
        expect(operation.description).toContain(`\`${required[0]}\``);
        walked += 1;
        const url = path.replace(/\{[^}]+\}/g, () => randomUUID());
        const body = ['post', 'put', 'patch'].includes(method) ? {} : undefined;
        await Promise.all(
          API_SCOPES.map(async (scope) => {
            const res = await api.request({
              method: method.toUpperCase() as 'GET',
              url,
              key: keyOf[scope],
              ...(body ? { body } : {}),
            });
            const allowed = required.includes(scope);
            const refused =
              res.status === 403 &&
              String(res.headers['content-type']).startsWith('application/problem+json') &&
              res.body?.code === 'insufficient-scope' &&
              required.every((s) => String(res.body.detail).includes(`"${s}"`));
            if (allowed ? res.status === 403 : !refused)
              wrong.push(`${name} with ${scope}: ${res.status} ${res.text.slice(0, 200)}`);
          }),
        );
      }
    }
    expect(unguarded).toEqual([]);
    expect(wrong).toEqual([]);
    expect(walked).toBeGreaterThan(60);
  }, 120_000);

  it("refuses the portal's key what the portal does not do, and changes nothing", async () => {
    const portalKey = await issueKey(api, org.tenantId, PORTAL_SCOPES, 'portal');
    const full = org.key;
    const policyBefore = await api.request({ method: 'GET', url: '/v1/organisation/policy', key: full });
    const channelsBefore = await api.request({ method: 'GET', url: '/v1/channels', key: full });
    const methodsBefore = await api.request({
      method: 'GET',
      url: `/v1/accounts/${org.adminId}/methods`,
      key: full,
    });
    expect([policyBefore.status, channelsBefore.status, methodsBefore.status]).toEqual([200, 200, 200]);

    const attempts = [
      {
        method: 'PUT',
        url: '/v1/organisation/policy',
        body: { expectedVersion: policyBefore.body.version, policy: policyBefore.body.policy },
        scope: 'policy',
      },
      { method: 'DELETE', url: `/v1/accounts/${org.adminId}/methods/${randomUUID()}`, scope: 'people' },
      { method: 'GET', url: '/v1/audit-events', scope: 'audit' },
      {
        method: 'PUT',
        url: '/v1/channels/sms',
        body: { provider: 'sandbox', config: {} },
        scope: 'channels',
      },
      { method: 'GET', url: '/v1/accounts', scope: 'people' },
      { method: 'PUT', url: '/v1/organisation/directory', body: {}, scope: 'directory' },
    ] as const;
    for (const attempt of attempts) {
      const res = await api.request({ ...attempt, key: portalKey });
      expect({ url: attempt.url, status: res.status, type: res.headers['content-type'] }).toEqual({
        url: attempt.url,
        status: 403,
        type: expect.stringMatching(/^application\/problem\+json/),
      });
      expect(res.body).toMatchObject({ code: 'insufficient-scope', requiredScopes: [attempt.scope] });
      expect(res.body.detail).toContain(`"${attempt.scope}"`);
    }
    expect((await api.request({ method: 'GET', url: '/v1/organisation/policy', key: full })).body).toEqual(
      policyBefore.body,
    );
    expect((await api.request({ method: 'GET', url: '/v1/channels', key: full })).body).toEqual(
      channelsBefore.body,
    );
    expect(
      (await api.request({ method: 'GET', url: `/v1/accounts/${org.adminId}/methods`, key: full })).body,
    ).toEqual(methodsBefore.body);
    // and what the portal does stays open to it
    expect((await api.request({ method: 'GET', url: '/v1/organisation', key: portalKey })).status).toBe(200);
  });

  it('issues keys only with known scopes, naming them', async () => {
    for (const scopes of [[], ['everything'], undefined]) {
      const res = await api.request({
        method: 'POST',
        url: `/admin/tenants/${org.tenantId}/api-keys`,
        key: api.operatorKey,
        body: { name: 'bad', ...(scopes ? { scopes } : {}) },
      });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].field).toMatch(/^scopes/);
      expect(res.body.detail).toContain('sign-in');
    }
  });
});
