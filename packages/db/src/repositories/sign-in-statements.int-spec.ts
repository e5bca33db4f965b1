import { randomBytes, randomUUID } from 'node:crypto';
import { createDataSource } from '../data-source.js';
import { AuditEvent, Challenge, Flow, Method } from '../entities/index.js';
import { Tenancy } from '../tenancy.js';
import { accounts } from './accounts.js';
import { challenges } from './challenges.js';
import { flows } from './flows.js';
import { methods } from './methods.js';
import { SignInStatements } from './sign-in-statements.js';
import { tenants } from './tenants.js';

describe(SignInStatements.name, () => {
  const dataSource = createDataSource({ url: process.env.DATABASE_URL!, poolSize: 4 });
  const tenancy = new Tenancy(dataSource);
  const statements = new SignInStatements(tenancy);
  let a: string;
  let b: string;

  const tenant = async (base: string) => {
    const slug = `${base}-${randomBytes(4).toString('hex')}`;
    return (
      await tenancy.asOperator((scope) =>
        tenants.create(scope, { slug, name: slug, emailDomains: [`${slug}.nhs.uk`], policy: {} }),
      )
    ).id;
  };

  /** An account with a TOTP method, and a sign-in waiting for its code. */
  const waiting = (tenantId: string) =>
    tenancy.run(tenantId, async (scope) => {
      const account = await accounts.create(scope, {
        username: `staff-${randomBytes(4).toString('hex')}@example.nhs.uk`,
        displayName: 'Staff',
      });
      const method = await methods.create(scope, {
        id: randomUUID(),
        accountId: account.id,
        type: 'authenticator_code',
        label: null,
        detailsEnc: Buffer.from([0, 1, 2, 255]),
        deviceRef: Buffer.from('ref'),
        isDefault: true,
        verifiedAt: new Date(),
      });
      const challengeId = randomUUID();
      const flow = await flows.create(scope, {
        kind: 'sign_in',
        accountId: account.id,
        state: 'challenged',
        data: { challengeId, amr: ['pwd'] },
        expiresAt: new Date(Date.now() + 600_000),
      });
      await challenges.create(scope, {
        id: challengeId,
        accountId: account.id,
        flowId: flow.id,
        methodId: method.id,
        methodType: 'authenticator_code',
        purpose: 'sign_in',
        codeHash: null,
        expiresAt: new Date(Date.now() + 300_000),
      });
      return { account, method, flow, challengeId };
    });

  const accept = (tenantId: string, w: Awaited<ReturnType<typeof waiting>>, timeStep: number) =>
    statements.answerAccepted(tenantId, {
      flow: w.flow,
      data: { ...w.flow.data, amr: ['pwd', 'otp', 'mfa'] },
      challengeId: w.challengeId,
      methodId: w.method.id,
      timeStep,
      audit: { actorType: 'user', actorId: w.account.id, action: 'sign_in.completed', outcome: 'success' },
    });

  const rows = (tenantId: string, w: Awaited<ReturnType<typeof waiting>>) =>
    tenancy.run(tenantId, async (scope) => ({
      flow: await scope.manager.getRepository(Flow).findOneByOrFail({ id: w.flow.id }),
      challenge: await scope.manager.getRepository(Challenge).findOneByOrFail({ id: w.challengeId }),
      method: await scope.manager.getRepository(Method).findOneByOrFail({ id: w.method.id }),
      audits: await scope.manager
        .getRepository(AuditEvent)
        .countBy({ actorId: w.account.id, action: 'sign_in.completed' }),
    }));

  beforeAll(async () => {
    await dataSource.initialize();
    [a, b] = [await tenant('statements-a'), await tenant('statements-b')];
  });
  afterAll(() => dataSource.destroy());

  it('reads the flow, its challenge, method, account and organisation as the entities TypeORM reads', async () => {
    const w = await waiting(a);
    const found = await statements.context(a, w.flow.id);
    expect(found?.flow).toMatchObject({ id: w.flow.id, step: 0, state: 'challenged' });
    expect(found?.flow.expiresAt).toBeInstanceOf(Date);
    expect(found?.challenge).toMatchObject({ id: w.challengeId, status: 'pending', methodId: w.method.id });
    expect(found?.method?.detailsEnc).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(found?.method?.lastTimeStep).toBeNull();
    expect(found?.account).toMatchObject({ id: w.account.id, username: w.account.username });
    expect(found?.tenant.id).toBe(a);
  });

  it("finds nothing of another organisation's sign-in, and writes nothing to it", async () => {
    const w = await waiting(a);
    await expect(statements.context(b, w.flow.id)).resolves.toBeNull();
    await expect(accept(b, w, 100)).resolves.toBe('replayed');
    expect(await rows(a, w)).toMatchObject({
      flow: { step: 0, completedAt: null },
      challenge: { status: 'pending' },
      method: { lastTimeStep: null },
      audits: 0,
    });
  });

  it('accepts a time step once: the flow completes, the challenge settles, one audit row', async () => {
    const w = await waiting(a);
    await expect(accept(a, w, 100)).resolves.toBe('accepted');
    await expect(accept(a, w, 100)).resolves.toBe('replayed');
    const after = await rows(a, w);
    expect(after).toMatchObject({
      flow: { step: 1, state: 'complete' },
      challenge: { status: 'approved' },
      method: { lastTimeStep: '100', failedAttempts: 0 },
      audits: 1,
    });
    expect(after.flow.data).toMatchObject({ amr: ['pwd', 'otp', 'mfa'] });
  });

  it('rolls the time step back when the flow moved on, and refuses a locked factor', async () => {
    const w = await waiting(a);
    await expect(accept(a, { ...w, flow: { ...w.flow, step: 7 } }, 100)).resolves.toBe('flow-gone');
    expect(await rows(a, w)).toMatchObject({
      challenge: { status: 'pending' },
      method: { lastTimeStep: null },
      audits: 0,
    });
    await tenancy.run(a, (scope) =>
      scope.manager.query(`UPDATE methods SET locked_until = now() + interval '1 minute' WHERE id = $1`, [
        w.method.id,
      ]),
    );
    await expect(accept(a, w, 100)).resolves.toBe('locked');
  });
});
