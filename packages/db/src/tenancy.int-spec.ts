import { randomBytes, randomUUID } from 'node:crypto';
import type { EntitySubscriberInterface } from 'typeorm';
import { createDataSource } from './data-source.js';
import { Account, AuditEvent, Method } from './entities/index.js';
import { accounts, audit, tenants } from './repositories/index.js';
import { Tenancy } from './tenancy.js';

// @verity/testing builds on this package, so these tests connect by themselves, as the application role.
async function connectAsApp() {
  const dataSource = createDataSource({ url: process.env.DATABASE_URL!, poolSize: 4 });
  await dataSource.initialize();
  return { dataSource, tenancy: new Tenancy(dataSource), close: () => dataSource.destroy() };
}

function createTenant(tenancy: Tenancy, base: string) {
  const slug = `${base}-${randomBytes(4).toString('hex')}`;
  return tenancy.asOperator((scope) =>
    tenants.create(scope, { slug, name: `${slug} NHS Trust`, emailDomains: [`${slug}.nhs.uk`], policy: {} }),
  );
}

describe(Tenancy.name, () => {
  let app: Awaited<ReturnType<typeof connectAsApp>>;
  let a: string;
  let b: string;
  let aliceId: string;

  beforeAll(async () => {
    app = await connectAsApp();
    a = (await createTenant(app.tenancy, 'alpha')).id;
    b = (await createTenant(app.tenancy, 'beta')).id;
    aliceId = (
      await app.tenancy.run(a, (scope) =>
        accounts.create(scope, { username: 'Alice@Alpha.nhs.uk', displayName: 'Alice' }),
      )
    ).id;
  });
  afterAll(() => app.close());

  it('reads a row in its own organisation', async () => {
    const found = await app.tenancy.run(a, (scope) => accounts.findById(scope, aliceId));
    expect(found?.username).toBe('alice@alpha.nhs.uk');
  });

  it("cannot read another organisation's row, even through a raw query with the filter forgotten", async () => {
    await app.tenancy.run(b, async (scope) => {
      expect(await accounts.findById(scope, aliceId)).toBeNull();
      expect(await scope.manager.query('SELECT * FROM accounts WHERE id = $1', [aliceId])).toEqual([]);
      expect(await scope.manager.getRepository(Account).findOne({ where: { id: aliceId } })).toBeNull();
      const all: { tenant_id: string }[] = await scope.manager.query('SELECT tenant_id FROM accounts');
      expect(all.every((row) => row.tenant_id === b)).toBe(true);
    });
  });

  it("cannot update or delete another organisation's row", async () => {
    await app.tenancy.run(b, async (scope) => {
      const updated = await scope.manager.query(
        `UPDATE accounts SET display_name = 'Mallory' WHERE id = $1`,
        [aliceId],
      );
      expect(updated[1]).toBe(0);
      const deleted = await scope.manager.query('DELETE FROM accounts WHERE id = $1', [aliceId]);
      expect(deleted[1]).toBe(0);
    });
    const still = await app.tenancy.run(a, (scope) => accounts.findById(scope, aliceId));
    expect(still?.displayName).toBe('Alice');
  });

  it('cannot write a row into another organisation', async () => {
    await expect(
      app.tenancy.run(b, (scope) =>
        scope.manager.query(
          `INSERT INTO accounts (tenant_id, username, display_name) VALUES ($1, 'x@y', 'X')`,
          [a],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it("cannot attach a method to another organisation's account, even with its own tenant id", async () => {
    await expect(
      app.tenancy.run(b, (scope) =>
        scope.manager.getRepository(Method).insert({
          tenantId: b,
          accountId: aliceId,
          type: 'mobile_text',
          detailsEnc: Buffer.from('x'),
          deviceRef: Buffer.from('x'),
        }),
      ),
    ).rejects.toThrow(/foreign key/);
  });

  it('sees nothing at all without an organisation scope', async () => {
    expect(await app.dataSource.query('SELECT * FROM accounts')).toEqual([]);
    expect(await app.dataSource.query('SELECT * FROM tenants')).toEqual([]);
    expect(await app.dataSource.query('SELECT * FROM data_keys')).toEqual([]);
  });

  it('lets an organisation see itself and not the others', async () => {
    await app.tenancy.run(b, async (scope) => {
      expect((await tenants.own(scope)).id).toBe(b);
      expect(await scope.manager.query('SELECT id FROM tenants WHERE id = $1', [a])).toEqual([]);
    });
  });

  it('keeps the audit log append-only', async () => {
    const event = await app.tenancy.run(a, (scope) =>
      audit.record(scope, { actorType: 'system', action: 'test.appended', outcome: 'success' }),
    );
    await expect(
      app.tenancy.run(a, (scope) =>
        scope.manager.query(`UPDATE audit_events SET action = 'x' WHERE id = $1`, [event.id]),
      ),
    ).rejects.toThrow(/permission denied|append-only/);
    await expect(
      app.tenancy.run(a, (scope) => scope.manager.getRepository(AuditEvent).delete({ id: event.id })),
    ).rejects.toThrow(/permission denied|append-only/);
  });

  it('routes a domain to its organisation only through the narrow lookup', async () => {
    const alpha = await app.tenancy.asOperator((scope) => tenants.findById(scope, a));
    expect(await app.tenancy.tenantForDomain(alpha!.emailDomains[0]!.toUpperCase())).toBe(a);
    expect(await app.tenancy.tenantForDomain('unknown.example')).toBeNull();
  });

  it("runs its one-statement calls through TypeORM's public query path, seen by its subscribers", async () => {
    const seen: string[] = [];
    const subscriber: EntitySubscriberInterface = { beforeQuery: (event) => void seen.push(event.query) };
    app.dataSource.subscribers.push(subscriber);
    try {
      const sent = await app.tenancy.call('verity_deliveries_sent', [a], [randomUUID()], ['provider-id']);
      expect(sent).toEqual([]);
      const context = await app.tenancy.callOne('verity_sign_in_context', a, randomUUID(), null, null);
      expect(context).toBeNull();
    } finally {
      app.dataSource.subscribers.splice(app.dataSource.subscribers.indexOf(subscriber), 1);
    }
    expect(seen).toEqual([
      expect.stringContaining('verity_deliveries_sent'),
      expect.stringContaining('verity_sign_in_context'),
    ]);
  });

  it('refuses to open a scope without a valid organisation id', async () => {
    await expect(app.tenancy.run('not-a-uuid', async () => 1)).rejects.toThrow(/organisation id/);
  });
});
