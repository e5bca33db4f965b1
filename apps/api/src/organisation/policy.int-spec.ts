import { randomBytes } from 'node:crypto';
import { Method, Tenancy, accounts } from '@verity/db';
import { DEFAULT_POLICY } from '@verity/policy';
import { onboard, startApi, type TestApi } from '../test/api.js';

const copy = () => JSON.parse(JSON.stringify(DEFAULT_POLICY));
const withoutPhones = (list: string[]) => list.filter((m) => m !== 'mobile_text' && m !== 'mobile_call');

describe('organisation policy API', () => {
  let api: TestApi;
  let key: string;
  let tenantId: string;

  beforeAll(async () => {
    api = await startApi();
    ({ tenantId, key } = await onboard(api, 'policy'));
  });
  afterAll(() => api.close());

  it('starts every organisation on the default policy from the seeds', async () => {
    const res = await api.request({ method: 'GET', url: '/v1/organisation/policy', key });
    expect(res.status).toBe(200);
    expect(res.body.version).toBe(1);
    expect(res.body.policy).toEqual(copy());
    expect(res.body.policy.sspr.methodsToReset).toBe(2);
  });

  it('saves a tightened policy, bumps the version and audits the change', async () => {
    const policy = { ...copy(), lockout: { failedAttempts: 5, lockMinutes: 30 } };
    const res = await api.request({
      method: 'PUT',
      url: '/v1/organisation/policy',
      key,
      body: { expectedVersion: 1, policy },
    });
    expect(res.status).toBe(200);
    expect(res.body.version).toBe(2);
    expect(
      (await api.request({ method: 'GET', url: '/v1/organisation/policy', key })).body.policy.lockout
        .failedAttempts,
    ).toBe(5);
    const log = await api.request({ method: 'GET', url: '/v1/audit-events', key });
    expect(log.body.events.map((e: { action: string }) => e.action)).toContain('policy.changed');
  });

  it('refuses to overwrite a version someone else already changed', async () => {
    const res = await api.request({
      method: 'PUT',
      url: '/v1/organisation/policy',
      key,
      body: { expectedVersion: 1, policy: copy() },
    });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('stale');
  });

  it('refuses an invalid policy naming the field, and changes nothing', async () => {
    const policy = { ...copy(), sspr: { ...copy().sspr, methodsToReset: 3 } };
    const res = await api.request({
      method: 'PUT',
      url: '/v1/organisation/policy',
      key,
      body: { expectedVersion: 2, policy },
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('policy-invalid');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain('sspr.methodsToReset');
    expect((await api.request({ method: 'GET', url: '/v1/organisation/policy', key })).body.version).toBe(2);
  });

  it('refuses a policy that can never be safe, with the reasons', async () => {
    const policy = { ...copy(), sspr: { ...copy().sspr, methodsToReset: 1, eligibleMethods: ['email'] } };
    const res = await api.request({
      method: 'PUT',
      url: '/v1/organisation/policy',
      key,
      body: { expectedVersion: 2, policy },
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('policy-unsafe');
    expect(res.body.reasons.map((r: { code: string }) => r.code)).toContain('UNSAFE_SSPR_WEAK_SINGLE_GATE');
    expect(res.body.detail).toMatch(/Email can never be the only check/);
  });

  it('dry-runs a change against the organisation’s staff, counting who would be blocked', async () => {
    const tenancy = api.app.get(Tenancy);
    const textAndCode = await tenancy.run(tenantId, async (scope) => {
      const account = await accounts.create(scope, {
        username: `texts.only@${tenantId}.nhs.uk`,
        displayName: 'Texts Only',
      });
      const add = (type: string) =>
        scope.manager.getRepository(Method).save({
          tenantId,
          accountId: account.id,
          type,
          detailsEnc: randomBytes(40),
          deviceRef: randomBytes(32),
          verifiedAt: new Date(),
        });
      await add('mobile_text');
      await add('authenticator_code');
      return account.id;
    });
    const base = copy();
    const proposal = {
      ...base,
      allowedMethods: withoutPhones(base.allowedMethods),
      sspr: { ...base.sspr, eligibleMethods: withoutPhones(base.sspr.eligibleMethods) },
    };
    const res = await api.request({
      method: 'POST',
      url: '/v1/organisation/policy/dry-run',
      key,
      body: { policy: proposal },
    });
    expect(res.status).toBe(200);
    expect(res.body.newlyBlocked).toContain(textAndCode);
    expect(res.body.worse).toBeGreaterThanOrEqual(1);
    expect(res.body.proposed.rules.allowed_methods.reasons.METHOD_DISABLED).toBeGreaterThanOrEqual(1);
    expect((await api.request({ method: 'GET', url: '/v1/organisation/policy', key })).body.version).toBe(2);
  });
});
