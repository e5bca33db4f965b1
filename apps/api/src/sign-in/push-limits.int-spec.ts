import { Tenancy } from '@verity/db';
import { onboard, startApi, type TestApi } from '../test/api.js';
import { PASSWORD, appOf, staffMember } from '../test/sign-in.js';

type Org = Awaited<ReturnType<typeof onboard>>;
type Answer = Awaited<ReturnType<TestApi['request']>>;

/**
 * Push fatigue limits under concurrency: many sign-ins of one person (the right password each time) asking for a
 * notification at the same moment, as whoever holds the password would to bomb the phone.
 */
describe('push limits under concurrency', () => {
  let api: TestApi;
  /** The default policy: one outstanding push, five per 15 minutes. */
  let org: Org;
  /** Five outstanding allowed, three per window: the window is the limit that binds. */
  let windowed: Org;

  beforeAll(async () => {
    api = await startApi();
    org = await onboard(api, 'push-race');
    windowed = await onboard(api, 'push-window');
    const current = await api.request({ method: 'GET', url: '/v1/organisation/policy', key: windowed.key });
    const saved = await api.request({
      method: 'PUT',
      url: '/v1/organisation/policy',
      key: windowed.key,
      body: {
        expectedVersion: current.body.version,
        policy: {
          ...current.body.policy,
          push: { ...current.body.policy.push, maxOutstanding: 5, maxPerWindow: 3 },
        },
      },
    });
    expect(saved.status).toBe(200);
  });
  afterAll(() => api.close());

  const start = (of: Org, username: string) =>
    api.request({
      method: 'POST',
      url: '/v1/sign-in',
      key: of.key,
      body: { username, password: PASSWORD, client: { ip: '81.2.69.160', app: 'NHSmail' } },
    });
  /** "Send notification", or "Text me" for a phone's method. */
  const askPush = (of: Org, flowId: string, methodId: string) =>
    api.request({ method: 'POST', url: `/v1/sign-in/${flowId}/challenges`, key: of.key, body: { methodId } });

  /** A person with an activated app and `flows` sign-ins past the password, each at "Send notification". */
  async function signedInTimes(of: Org, flows: number) {
    const { account, username } = await staffMember(api, of.tenantId, { registrationDue: false });
    await appOf(api, of.key, account.id);
    const started = await Promise.all(Array.from({ length: flows }, () => start(of, username)));
    for (const s of started) expect(s.body.state).toBe('mfa_required');
    const pushMethod = started[0]!.body.methods.find(
      (m: { type: string }) => m.type === 'authenticator_push',
    );
    return { account, flowIds: started.map((s) => s.body.flowId as string), pushMethodId: pushMethod.id };
  }

  const pushesOf = async (of: Org, accountId: string) => {
    const rows: { status: string }[] = await api.app
      .get(Tenancy)
      .run(of.tenantId, (scope) =>
        scope.manager.query(
          `SELECT status FROM challenges WHERE account_id = $1 AND method_type = 'authenticator_push'`,
          [accountId],
        ),
      );
    return { all: rows.length, pending: rows.filter((r) => r.status === 'pending').length };
  };
  const refusals = (answers: Answer[]) =>
    answers
      .filter((r) => r.status !== 201)
      .map((r) => `${r.status} ${r.body?.reasons?.[0]?.code ?? r.body?.code}`);

  it('twenty sign-ins asking at once raise one notification; the others are steered to another method', async () => {
    const person = await signedInTimes(org, 20);
    const asked = await Promise.all(person.flowIds.map((id) => askPush(org, id, person.pushMethodId)));
    expect(asked.filter((r) => r.status === 201).length).toBe(1);
    expect(new Set(refusals(asked))).toEqual(new Set(['429 PUSH_OUTSTANDING']));
    for (const r of asked.filter((a) => a.status === 429)) {
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(r.headers['retry-after']).toBeDefined();
    }
    expect(await pushesOf(org, person.account.id)).toEqual({ all: 1, pending: 1 });
  }, 60_000);

  it("fifteen sign-ins asking at once never pass the window's limit", async () => {
    const person = await signedInTimes(windowed, 15);
    const asked = await Promise.all(person.flowIds.map((id) => askPush(windowed, id, person.pushMethodId)));
    expect(asked.filter((r) => r.status === 201).length).toBe(3);
    expect(new Set(refusals(asked))).toEqual(new Set(['429 PUSH_RATE_LIMITED']));
    expect(await pushesOf(windowed, person.account.id)).toEqual({ all: 3, pending: 3 });
  }, 60_000);

  it('twenty asks at once within one sign-in raise one notification', async () => {
    const person = await signedInTimes(org, 1);
    const flowId = person.flowIds[0]!;
    const asked = await Promise.all(
      Array.from({ length: 20 }, () => askPush(org, flowId, person.pushMethodId)),
    );
    expect(asked.filter((r) => r.status === 201).length).toBe(1);
    // as when asked one after another: a notification is waiting, or one was just sent
    for (const refusal of refusals(asked))
      expect(['429 PUSH_OUTSTANDING', '429 resend-too-soon']).toContain(refusal);
    expect(await pushesOf(org, person.account.id)).toEqual({ all: 1, pending: 1 });
  }, 60_000);

  it('twenty "Text me" at once within one sign-in send one text; the others are told one was just sent', async () => {
    const { username, methods } = await staffMember(api, org.tenantId, {
      methods: [{ type: 'mobile_text', phone: '+447700900321' }],
    });
    // five sign-ins, one after another, each with twenty asks at once
    for (let round = 0; round < 5; round++) {
      const flowId = (await start(org, username)).body.flowId as string;
      const asked = await Promise.all(Array.from({ length: 20 }, () => askPush(org, flowId, methods[0]!.id)));
      expect(asked.filter((r) => r.status === 201).length).toBe(1);
      expect(new Set(refusals(asked))).toEqual(new Set(['429 resend-too-soon']));
      const [{ n }] = await api.app
        .get(Tenancy)
        .run(org.tenantId, (scope) =>
          scope.manager.query(`SELECT count(*)::int AS n FROM challenges WHERE flow_id = $1`, [flowId]),
        );
      expect(n).toBe(1);
    }
  }, 60_000);
});
