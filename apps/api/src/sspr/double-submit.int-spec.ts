import { randomInt } from 'node:crypto';
import { Tenancy } from '@verity/db';
import { solveChallenge } from 'altcha-lib/v1';
import { generateSecret, generateSync } from 'otplib';
import { onboard, startApi, type TestApi } from '../test/api.js';
import { codeIn, messageOf, staffMember } from '../test/sign-in.js';

const newMobile = () => `+447400${String(randomInt(1_000_000)).padStart(6, '0')}`;
const national = (e164: string) => `0${e164.slice(3)}`;

/**
 * A right answer sent many times at once to one check of a password reset (a double submit, a retrying client):
 * one passes the check, the others are told it was already used, and none counts as a wrong answer against the
 * method, whose lock is shared with sign-in.
 */
describe('password reset: a right answer sent fifty times at once', () => {
  let api: TestApi;
  let org: Awaited<ReturnType<typeof onboard>>;

  beforeAll(async () => {
    api = await startApi({ CAPTCHA_MAX_NUMBER: '2000' });
    org = await onboard(api, 'double-submit');
  });
  afterAll(() => api.close());

  const call = (url: string, body: unknown) => api.request({ method: 'POST', url, key: org.key, body });

  async function pastCaptcha(username: string) {
    const started = await call('/v1/password-reset', { username, client: { ip: '81.2.69.160' } });
    expect(started.status).toBe(201);
    const c = started.body.captcha;
    const { number } = (await solveChallenge(c.challenge, c.salt, c.algorithm, 2000).promise)!;
    const solved = await call(`/v1/password-reset/${started.body.flowId}/captcha`, {
      solution: Buffer.from(JSON.stringify({ ...c, number })).toString('base64'),
    });
    expect(solved.status).toBe(200);
    return started.body.flowId as string;
  }

  const methodState = async (methodId: string) => {
    const [row] = await api.app
      .get(Tenancy)
      .run(org.tenantId, (scope) =>
        scope.manager.query(`SELECT failed_attempts, locked_until FROM methods WHERE id = $1`, [methodId]),
      );
    return row as { failed_attempts: number; locked_until: Date | null };
  };

  /** Fifty copies of one answer at once: one passes to gate 2, the rest "already used", nothing counted. */
  async function fiftyAtOnce(flowId: string, challengeId: string, code: string, methodId: string) {
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        call(`/v1/password-reset/${flowId}/challenges/${challengeId}/verify`, { code }),
      ),
    );
    const outcomes: Record<string, number> = {};
    for (const r of answers) {
      const outcome = `${r.status} ${r.body?.code ?? r.body?.state}`;
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
    expect(outcomes).toEqual({ '200 verify': 1, '410 challenge-over': 49 });
    expect(answers.find((r) => r.status === 200)!.body.gate).toEqual({ number: 2, of: 2 });
    expect(await methodState(methodId)).toEqual({ failed_attempts: 0, locked_until: null });
  }

  it('an authenticator code', async () => {
    const secret = generateSecret();
    const who = await staffMember(api, org.tenantId, {
      methods: [
        { type: 'authenticator_code', secret },
        { type: 'mobile_text', phone: newMobile() },
      ],
    });
    const flowId = await pastCaptcha(who.username);
    const asked = await call(`/v1/password-reset/${flowId}/challenges`, { kind: 'authenticator_code' });
    expect(asked.status).toBe(201);
    await fiftyAtOnce(flowId, asked.body.challengeId, generateSync({ secret }), who.methods[0]!.id);
  });

  it('a code sent by text', async () => {
    const phone = newMobile();
    const who = await staffMember(api, org.tenantId, {
      methods: [
        { type: 'mobile_text', phone },
        { type: 'authenticator_code', secret: generateSecret() },
      ],
    });
    const flowId = await pastCaptcha(who.username);
    const asked = await call(`/v1/password-reset/${flowId}/challenges`, {
      kind: 'mobile_text',
      phone: national(phone),
    });
    expect(asked.status).toBe(201);
    const { content } = await messageOf(api, org.tenantId, asked.body.challengeId);
    await fiftyAtOnce(flowId, asked.body.challengeId, codeIn(content.body), who.methods[0]!.id);
  });
});
