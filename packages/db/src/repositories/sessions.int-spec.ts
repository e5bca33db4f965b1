import { randomBytes, randomUUID } from 'node:crypto';
import { createDataSource } from '../data-source.js';
import { Tenancy, type TenantScope } from '../tenancy.js';
import { accounts } from './accounts.js';
import { sessions, type NewSession } from './sessions.js';
import { tenants } from './tenants.js';

// @verity/testing builds on this package, so these tests connect by themselves, as the application role.
async function connectAsApp() {
  const dataSource = createDataSource({ url: process.env.DATABASE_URL!, poolSize: 4 });
  await dataSource.initialize();
  return { dataSource, tenancy: new Tenancy(dataSource), close: () => dataSource.destroy() };
}

async function createTenant(tenancy: Tenancy, base: string) {
  const slug = `${base}-${randomBytes(4).toString('hex')}`;
  return tenancy.asOperator((scope) =>
    tenants.create(scope, { slug, name: `${slug} NHS Trust`, emailDomains: [`${slug}.nhs.uk`], policy: {} }),
  );
}

/** Moves a session's clock back by `interval` (a Postgres interval), as if that much time had passed. */
const age = (scope: TenantScope, id: string, column: string, interval: string) =>
  scope.manager.query(`UPDATE sessions SET ${column} = ${column} - $2::interval WHERE id = $1`, [
    id,
    interval,
  ]);

describe('sessions', () => {
  let app: Awaited<ReturnType<typeof connectAsApp>>;
  let a: string;
  let b: string;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    app = await connectAsApp();
    a = (await createTenant(app.tenancy, 'sess-a')).id;
    b = (await createTenant(app.tenancy, 'sess-b')).id;
    [alice, bob] = await app.tenancy.run(a, async (scope) => [
      (await accounts.create(scope, { username: `alice.${randomUUID()}@a.nhs.uk`, displayName: 'Alice' })).id,
      (await accounts.create(scope, { username: `bob.${randomUUID()}@a.nhs.uk`, displayName: 'Bob' })).id,
    ]);
  });
  afterAll(() => app.close());

  const fresh = (accountId: string, extra: Partial<NewSession> = {}): NewSession => ({
    accountId,
    flowId: randomUUID(),
    tokenHash: randomBytes(32),
    acr: 'aal2',
    amr: ['pwd', 'otp', 'mfa'],
    elevated: false,
    authenticatedAt: new Date(),
    absoluteSeconds: 12 * 3600,
    idleSeconds: 30 * 60,
    ip: '81.2.69.160',
    userAgent: 'Firefox',
    ...extra,
  });
  const make = (data: NewSession) => app.tenancy.run(a, (scope) => sessions.create(scope, data));
  const touch = (tokenHash: Buffer, tenant = a) =>
    app.tenancy.run(tenant, (scope) => sessions.touch(scope, tokenHash));

  it('is made once per sign-in, expires 12 hours after the authentication, and is found by its hash', async () => {
    const data = fresh(alice);
    const made = await make(data);
    expect(made).toMatchObject({ tenantId: a, accountId: alice, acr: 'aal2', amr: ['pwd', 'otp', 'mfa'] });
    expect(made!.expiresAt.getTime() - made!.authenticatedAt.getTime()).toBe(12 * 3600 * 1000);
    expect(await make({ ...data, tokenHash: randomBytes(32) })).toBeNull();
    const found = await app.tenancy.run(a, (scope) => sessions.findByTokenHash(scope, data.tokenHash));
    expect(found?.id).toBe(made!.id);
    const touched = await touch(data.tokenHash);
    expect(touched).toMatchObject({ session: { id: made!.id }, username: expect.stringMatching(/^alice/) });
    expect(touched!.session.expiresAt).toEqual(made!.expiresAt);
  });

  it('races: of 20 simultaneous exchanges of one sign-in, one makes a session', async () => {
    const flowId = randomUUID();
    const made = await Promise.all(Array.from({ length: 20 }, () => make(fresh(alice, { flowId }))));
    expect(made.filter((s) => s !== null)).toHaveLength(1);
  });

  it('refuses a session idle for longer than its limit, and one past its absolute limit however busy', async () => {
    const idle = fresh(alice);
    const idleId = (await make(idle))!.id;
    await app.tenancy.run(a, (scope) => age(scope, idleId, 'last_seen_at', '29 minutes 58 seconds'));
    expect(await touch(idle.tokenHash)).not.toBeNull();
    await app.tenancy.run(a, (scope) => age(scope, idleId, 'last_seen_at', '30 minutes 1 second'));
    expect(await touch(idle.tokenHash)).toBeNull();

    const old = fresh(alice);
    const oldId = (await make(old))!.id;
    await app.tenancy.run(a, (scope) => age(scope, oldId, 'expires_at', '12 hours'));
    expect(await touch(old.tokenHash)).toBeNull();
  });

  it('refuses a revoked session, and one whose account is disabled', async () => {
    const one = fresh(bob);
    const two = fresh(bob);
    const oneId = (await make(one))!.id;
    await make(two);
    expect(await app.tenancy.run(a, (scope) => sessions.revoke(scope, oneId, 'signed_out'))).toBe(true);
    expect(await app.tenancy.run(a, (scope) => sessions.revoke(scope, oneId, 'signed_out'))).toBe(false);
    expect(await touch(one.tokenHash)).toBeNull();
    const row = await app.tenancy.run(a, (scope) => sessions.findByTokenHash(scope, one.tokenHash));
    expect(row).toMatchObject({ revokedReason: 'signed_out', revokedAt: expect.any(Date) });

    expect(await touch(two.tokenHash)).not.toBeNull();
    await app.tenancy.run(a, (scope) => accounts.setStatus(scope, bob, 'disabled'));
    expect(await touch(two.tokenHash)).toBeNull();
    await app.tenancy.run(a, (scope) => accounts.setStatus(scope, bob, 'active'));
  });

  it('revokes only the account’s own session when asked for one account, and all of them when asked', async () => {
    const mine = fresh(alice);
    const theirs = fresh(bob);
    const mineId = (await make(mine))!.id;
    const theirsId = (await make(theirs))!.id;
    expect(
      await app.tenancy.run(a, (scope) => sessions.revoke(scope, theirsId, 'revoked_by_user', alice)),
    ).toBe(false);
    expect(await touch(theirs.tokenHash)).not.toBeNull();
    const listed = await app.tenancy.run(a, (scope) => sessions.listOf(scope, alice));
    expect(listed.map((s) => s.id)).toContain(mineId);
    expect(listed.every((s) => s.accountId === alice && s.revokedAt === null)).toBe(true);

    const count = await app.tenancy.run(a, (scope) => sessions.revokeAllOf(scope, alice, 'revoked_by_admin'));
    expect(count).toBe(listed.length);
    expect(await app.tenancy.run(a, (scope) => sessions.listOf(scope, alice))).toEqual([]);
    expect(await touch(mine.tokenHash)).toBeNull();
  });

  it('is invisible to another organisation, even by its hash or id', async () => {
    const data = fresh(alice);
    const id = (await make(data))!.id;
    expect(await touch(data.tokenHash, b)).toBeNull();
    await app.tenancy.run(b, async (scope) => {
      expect(await sessions.findByTokenHash(scope, data.tokenHash)).toBeNull();
      expect(await sessions.revoke(scope, id, 'revoked_by_admin')).toBe(false);
      expect(await scope.manager.query('SELECT id FROM sessions')).toEqual([]);
    });
    expect(await touch(data.tokenHash)).not.toBeNull();
  });

  it('cannot be made for another organisation’s account', async () => {
    await expect(app.tenancy.run(b, (scope) => sessions.create(scope, fresh(alice)))).rejects.toThrow(
      /foreign key|row-level security/,
    );
  });
});
