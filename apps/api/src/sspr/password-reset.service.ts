import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  type Account as AccountRow,
  type Delivery,
  type Flow,
  type Method,
  type TenantScope,
  SignInStatements,
  Tenancy,
  accounts,
  audit,
  challenges,
  flows,
  methods,
  rememberedDevices,
  sessions,
  tenants,
} from '@verity/db';
import { type Policy, decideSspr } from '@verity/policy';
import { PasswordHasher, TenantCipher } from '@verity/secrets';
import { type ApiConfig, CONFIG } from '../config.js';
import { codeAlreadyUsed } from '../factors/code-already-used.js';
import { approximateLocation } from '../geo/locate.js';
import { policyAccount, policyOf, policyOfTenant } from '../methods/policy-account.js';
import { DomainError, problems } from '../problem/problem.js';
import { Notices } from '../sign-in/notices.js';
import { AttemptLimits } from '../sign-in/limits.js';
import { SignInService } from '../sign-in/sign-in.service.js';
import { type ClientContext, userEvent } from '../sign-in/user-events.js';
import { Captcha } from './captcha.js';
import { checkNewPassword, contextWordsOf } from './new-password.js';
import { type GateChallenge, type GateRequest, ResetGates } from './reset-gates.js';
import { ResetLimits } from './reset-limits.js';
import { Writeback } from './writeback.js';

/** A reset lives this long from "Forgot my password" to the new password. */
const RESET_LIFETIME_MS = 20 * 60_000;
/** Wrong answers to one check before it is void (the method's own lock counts across resets and sign-ins). */
const ANSWERS_PER_CHECK = 5;

interface ResetData extends Record<string, unknown> {
  username: string;
  client: ClientContext & { location?: string };
  /** Nobody can reset here (unknown, disabled, not enabled, too few methods): every step answers as for anyone. */
  decoy: boolean;
  gatesRequired: number;
  /** The methods proved so far, in order. */
  gatesPassed: string[];
  challenge?: GateChallenge;
  wrongAnswers: number;
}

const CONTACT_HELPDESK =
  'If you cannot use any of these, or you do not receive a code, contact your local helpdesk to reset your password.';

const resetGone = () =>
  new DomainError(
    404,
    'reset-not-found',
    'Reset not found',
    'This password reset does not exist, has expired or is finished. Start again.',
  );
const outOfOrder = () =>
  new DomainError(
    409,
    'reset-step',
    'Out of order',
    'This step does not apply now. Follow the reset in order.',
  );
const wrongAnswer = (remaining: number) =>
  new DomainError(
    400,
    'wrong-code',
    'Wrong code',
    remaining > 0
      ? 'That didn’t work. Check it and try again.'
      : 'That didn’t work, and too many wrong answers were given. Ask for another check.',
  );
const checkOver = () =>
  new DomainError(
    410,
    'challenge-over',
    'Request expired',
    'This check has expired or was already used. Ask for a new one.',
  );

/**
 * "Forgot my password" (seed 002), as a state machine in a `flows` row of kind `password_reset`: the username,
 * a CAPTCHA, one or two checks from the person's registered methods on different devices, then a new password
 * that is pushed to the organisation's directory before it is saved. Steps advance only from the step read, so
 * none can be skipped, reordered or replayed. A username that cannot reset goes through the same steps with the
 * same answers, and nothing is ever sent for it.
 */
@Injectable()
export class PasswordResets {
  private readonly captcha: Captcha;

  constructor(
    private readonly tenancy: Tenancy,
    private readonly statements: SignInStatements,
    private readonly cipher: TenantCipher,
    private readonly hasher: PasswordHasher,
    private readonly gates: ResetGates,
    private readonly limits: ResetLimits,
    private readonly answers: AttemptLimits,
    private readonly notices: Notices,
    private readonly signIn: SignInService,
    private readonly writeback: Writeback,
    @Inject(CONFIG) config: ApiConfig,
  ) {
    this.captcha = new Captcha(config.CAPTCHA_MAX_NUMBER);
  }

  /** "Forgot my password": the username, then the CAPTCHA to solve. The same answer for anyone. */
  async start(tenantId: string, body: { username: string }, client: ClientContext) {
    const username = body.username.trim().toLowerCase();
    const { account, methods: registered, tenant } = await this.statements.account(tenantId, username);
    const policy = policyOfTenant(tenant);
    await this.limits.begin(tenantId, username, client.ip, policy.sspr.attemptsPerDay);
    // a fraud report blocks a reset as it blocks sign-in, until an administrator has reviewed it
    const atRisk = account?.atRiskSince != null && policy.fraud.blockSignIn;
    const decision =
      account && account.status === 'active' && !atRisk
        ? decideSspr(policyAccount(account, registered), policy, { now: new Date() })
        : null;
    const decoy = decision === null || decision.outcome === 'refused';
    const location = approximateLocation(client.ip)?.text;
    const data: ResetData = {
      username,
      client: { ...client, ...(location ? { location } : {}) },
      decoy,
      gatesRequired: policy.sspr.methodsToReset,
      gatesPassed: [],
      wrongAnswers: 0,
    };
    return this.tenancy.run(tenantId, async (scope) => {
      const flow = await flows.create(scope, {
        id: randomUUID(),
        kind: 'password_reset',
        accountId: account?.id ?? null,
        state: 'captcha',
        data,
        expiresAt: new Date(Date.now() + RESET_LIFETIME_MS),
      });
      await audit.record(scope, {
        actorType: account ? 'user' : 'anonymous',
        actorId: account?.id ?? null,
        action: 'password_reset.started',
        targetType: 'account',
        targetId: account?.id ?? null,
        outcome: decoy ? 'denied' : 'success',
        ip: client.ip ?? null,
        details: {
          flowId: flow.id,
          ...(account ? {} : { account: 'unknown' }),
          ...(decision?.outcome === 'refused' ? { reasons: decision.reasons.map((r) => r.code) } : {}),
          ...(account && account.status !== 'active' ? { status: account.status } : {}),
          ...(atRisk ? { atRisk: true } : {}),
        },
      });
      const captcha = await this.captcha.issue(await this.cipher.codeKey(tenantId), flow.id);
      return { flowId: flow.id, state: 'captcha', expiresAt: flow.expiresAt, captcha };
    });
  }

  /** "First, complete the Captcha": a solution for this reset, once; then the first check. */
  async solveCaptcha(tenantId: string, flowId: string, solution: string | Record<string, unknown>) {
    return this.tenancy.run(tenantId, async (scope) => {
      const { flow, data } = await this.live(scope, flowId);
      if (flow.state !== 'captcha') throw outOfOrder();
      const solved = await this.captcha.solved(
        await this.cipher.codeKey(tenantId),
        flow.id,
        solution as Parameters<Captcha['solved']>[2],
      );
      if (!solved)
        throw new DomainError(
          400,
          'captcha-failed',
          'Check failed',
          'The check that you are a person did not work. Try again.',
        );
      if (!(await flows.advance(scope, flow, { state: 'verify' }))) throw resetGone();
      return this.gateView(scope, { ...flow, state: 'verify' }, data);
    });
  }

  /** Where the reset stands; for a notification or a call, whether the person has answered yet. */
  async status(tenantId: string, flowId: string) {
    return this.tenancy.run(tenantId, async (scope) => {
      const { flow, data } = await this.live(scope, flowId, { lock: true });
      if (flow.state !== 'verify' || !data.challenge) return this.view(flow);
      const kind = data.challenge.kind;
      if (kind !== 'authenticator_push' && !kind.endsWith('_call')) return this.view(flow);
      const { passed, row } = await this.gates.passes(scope, data.challenge, {});
      if (!passed)
        return {
          ...this.view(flow),
          challenge: {
            id: data.challenge.id,
            status:
              row?.status ?? (Date.parse(data.challenge.expiresAt) > Date.now() ? 'pending' : 'expired'),
          },
        };
      return this.passed(scope, flow, data);
    });
  }

  /** "Text my mobile phone", "Call…", "Approve a notification…", "Enter a code…", "Answer my security questions". */
  async challenge(tenantId: string, flowId: string, request: GateRequest) {
    let delivery: Delivery | null = null;
    const shown = await this.tenancy.run(tenantId, async (scope) => {
      const { flow, data } = await this.live(scope, flowId);
      if (flow.state !== 'verify') throw outOfOrder();
      const policy = await policyOf(scope);
      const { account, registered } = await this.person(scope, flow, data);
      const questions = await this.gates.questions(scope, data.username, registered, policy);
      if (!this.gates.options(policy, questions).some((o) => o.kind === request.kind))
        throw new DomainError(
          422,
          'method-not-offered',
          'Method not available',
          'That check cannot be used to reset a password here. Choose another.',
        );
      if (request.kind === 'email' || request.kind.endsWith('_call') || request.kind === 'mobile_text') {
        if (!this.gates.typedDetails(request))
          throw problems.validation([
            {
              field: request.kind === 'email' ? 'email' : 'phone',
              message:
                request.kind === 'email'
                  ? 'enter the email address you registered, in full'
                  : 'enter the phone number you registered, in full',
            },
          ]);
      }
      await this.limits.send(tenantId, data.username);
      let method: Method | null = null;
      if (!data.decoy && account) {
        const decision = decideSspr(policyAccount(account, registered), policy, {
          now: new Date(),
          gatesPassed: data.gatesPassed,
        });
        const candidates =
          decision.outcome === 'next_gate'
            ? registered.filter((m) => decision.candidates.some((c) => c.id === m.id))
            : [];
        const used = registered.filter((m) => data.gatesPassed.includes(m.id));
        const found = await this.gates.match(scope, request, candidates, used);
        if (found.sameDevice)
          throw new DomainError(
            422,
            'same-device',
            'Use another device',
            'Each check must use a different device; a text and a call to the same phone count as one device.',
          );
        if (found.method) this.signIn.refuseIfLocked(found.method, policy);
        method = found.method;
      }
      if (data.challenge?.methodId) await challenges.settle(scope, data.challenge.id, 'expired');
      const issued = await this.gates.issue(
        scope,
        { id: flow.id, client: data.client },
        account,
        request,
        method,
        policy,
        questions,
      );
      delivery = issued.delivery;
      if (
        !(await flows.advance(scope, flow, {
          state: 'verify',
          // a new check: its own count of wrong answers (the method's lock counts across checks)
          data: { ...data, challenge: issued.challenge, wrongAnswers: 0 },
        }))
      )
        throw resetGone();
      await audit.record(
        scope,
        resetEvent(flow, data, 'password_reset.challenge', method ? 'success' : 'denied', {
          method: request.kind,
          gate: data.gatesPassed.length + 1,
        }),
      );
      return { ...issued.shown, message: CONTACT_HELPDESK };
    });
    await this.notices.dispatch([delivery], flowId);
    return shown;
  }

  /** The code typed, or the answers: a right one passes this check (once); wrong ones count toward the lock. */
  async verify(
    tenantId: string,
    flowId: string,
    challengeId: string,
    answer: { code?: string | undefined; answers?: { questionId: string; answer: string }[] | undefined },
  ) {
    await this.answers.answer(tenantId, `reset:${flowId}`);
    const outcome = await this.tenancy.run(tenantId, async (scope) => {
      // answers to one reset take their turns: a double submit's second copy sees the check already passed
      const { flow, data } = await this.live(scope, flowId, { lock: true });
      if (data.challenge?.id !== challengeId) {
        if (await this.issuedIn(scope, flow, challengeId)) return checkOver();
        throw outOfOrder();
      }
      if (flow.state !== 'verify') throw outOfOrder();
      if (Date.parse(data.challenge.expiresAt) <= Date.now() || data.wrongAnswers >= ANSWERS_PER_CHECK)
        return checkOver();
      const policy = await policyOf(scope);
      if (data.challenge.methodId) {
        const method = await methods.findOfAccount(scope, flow.accountId!, data.challenge.methodId);
        if (method) this.signIn.refuseIfLocked(method, policy);
      }
      const { passed, timeStep } = await this.gates.passes(scope, data.challenge, answer);
      if (!passed) return this.failed(scope, flow, data, policy);
      // a right app code already spent (at sign-in, or a moment ago): not a wrong answer, and nothing counted
      if (timeStep !== undefined && !(await methods.spendTimeStep(scope, data.challenge.methodId!, timeStep)))
        return codeAlreadyUsed();
      return this.passed(scope, flow, data);
    });
    if (outcome instanceof DomainError) throw outcome;
    return outcome;
  }

  /** The strength of a password being typed, with the reasons it would be refused; changes nothing. */
  async checkPassword(tenantId: string, flowId: string, password: string) {
    return this.tenancy.run(tenantId, async (scope) => {
      const { flow } = await this.live(scope, flowId);
      if (flow.state !== 'new_password') throw outOfOrder();
      const account = await accounts.findById(scope, flow.accountId!);
      if (!account) throw resetGone();
      return checkNewPassword({
        password,
        policy: await policyOf(scope),
        contextWords: contextWordsOf(account, await tenants.own(scope)),
      });
    });
  }

  /**
   * The new password: checked (length, common and breached passwords, the person's and organisation's words,
   * strength, not the current one), pushed to the organisation's directory, then saved; every session and
   * remembered device of the account ends; the person is told on every channel the reset did not use, and
   * other administrators when the account has elevated rights. No session is made: the person signs in again.
   */
  async setPassword(tenantId: string, flowId: string, password: string) {
    const delivered: (Delivery | null)[] = [];
    const done = await this.tenancy.run(tenantId, async (scope) => {
      const { flow, data } = await this.live(scope, flowId);
      if (flow.state !== 'new_password' || data.decoy) throw outOfOrder();
      const account = await accounts.findById(scope, flow.accountId!);
      if (!account || account.status !== 'active') throw resetGone();
      const organisation = await tenants.own(scope);
      const check = checkNewPassword({
        password,
        policy: await policyOf(scope),
        contextWords: contextWordsOf(account, organisation),
      });
      if (account.passwordHash && (await this.hasher.verify(account.passwordHash, password)))
        check.reasons.push({
          code: 'PASSWORD_SAME_AS_CURRENT',
          message: 'Your new password must be different from your current password.',
        });
      if (!check.accepted || check.reasons.length > 0)
        throw new DomainError(
          422,
          'password-refused',
          'Choose another password',
          check.reasons.map((r) => r.message).join(' '),
          undefined,
          check.reasons,
        ).with({ strength: check.strength });

      // the directory first: if it refuses, nothing here has changed (this transaction rolls back)
      await this.writeback.push(scope, {
        username: account.username,
        newPassword: password,
        correlationId: flow.id,
      });
      if (!(await flows.advance(scope, flow, { state: 'complete', completed: true }))) throw resetGone();
      await accounts.setPasswordHash(scope, account.id, await this.hasher.hash(password));
      const ended = await sessions.revokeAllOf(scope, account.id, 'password_reset');
      const forgotten = await rememberedDevices.revokeAll(scope, account.id);
      await audit.record(
        scope,
        resetEvent(flow, data, 'password_reset.completed', 'success', {
          sessionsEnded: ended,
          rememberedDevicesRevoked: forgotten,
          methods: data.gatesPassed,
          elevated: account.elevated,
        }),
      );
      delivered.push(...(await this.tell(scope, account, data, organisation.name)));
      return {
        flowId: flow.id,
        state: 'complete',
        message: 'Your password has been reset. Sign in with your new password.',
      };
    });
    await this.notices.dispatch(delivered, flowId);
    return done;
  }

  private async passed(scope: TenantScope, flow: Flow, data: ResetData) {
    const gate = data.challenge!;
    if (gate.methodId) {
      await challenges.settle(scope, gate.id, 'approved');
      await methods.recordSuccess(scope, gate.methodId);
    }
    const gatesPassed = [...data.gatesPassed, gate.methodId!];
    const { account, registered } = await this.person(scope, flow, data);
    const decision = decideSspr(policyAccount(account!, registered), await policyOf(scope), {
      now: new Date(),
      gatesPassed,
    });
    const next = decision.outcome === 'may_reset' ? 'new_password' : 'verify';
    const { challenge: _spent, ...rest } = data;
    const moved = { ...rest, gatesPassed, wrongAnswers: 0 };
    if (!(await flows.advance(scope, flow, { state: next, data: moved }))) throw resetGone();
    await audit.record(
      scope,
      resetEvent(flow, data, 'password_reset.gate_passed', 'success', {
        method: gate.kind,
        gate: gatesPassed.length,
      }),
    );
    const after = { ...flow, state: next, data: moved } as Flow;
    if (next === 'new_password') {
      const policy = await policyOf(scope);
      return {
        ...this.view(after),
        password: { minLength: policy.password.minLength, maxLength: policy.password.maxLength },
      };
    }
    return this.gateView(scope, after, moved);
  }

  private async failed(
    scope: TenantScope,
    flow: Flow,
    data: ResetData,
    policy: Policy,
  ): Promise<DomainError> {
    const gate = data.challenge!;
    const wrongAnswers = data.wrongAnswers + 1;
    await flows.advance(scope, flow, { state: flow.state, data: { ...data, wrongAnswers } });
    if (gate.methodId) {
      const count = await methods.recordFailure(
        scope,
        gate.methodId,
        policy.lockout.failedAttempts,
        policy.lockout.lockMinutes * 60,
      );
      if (wrongAnswers >= ANSWERS_PER_CHECK) await challenges.settle(scope, gate.id, 'denied');
      if (count.lockedUntil && count.lockedUntil.getTime() > Date.now())
        return new DomainError(
          423,
          'factor-locked',
          'Locked',
          'Too many attempts, try again later.',
        ).retryAfter((count.lockedUntil.getTime() - Date.now()) / 1000);
    }
    await audit.record(
      scope,
      resetEvent(flow, data, 'password_reset.gate_failed', 'failure', { method: gate.kind, wrongAnswers }),
    );
    return wrongAnswer(ANSWERS_PER_CHECK - wrongAnswers);
  }

  /**
   * Everyone the reset should reach: the person on each channel it did not use (or, having no other, on those it
   * used); other administrators if elevated.
   */
  private async tell(scope: TenantScope, account: AccountRow, data: ResetData, organisation: string) {
    const out: (Delivery | null)[] = [];
    const registered = await methods.verifiedOf(scope, account.id);
    const used = registered.filter((m) => data.gatesPassed.includes(m.id)).map((m) => m.deviceRef);
    const where = data.client.location ?? data.client.ip ?? 'an unknown place';
    out.push(
      ...(await this.notices.everywhereBut(
        scope,
        account,
        {
          subject: `Your ${organisation} password was reset`,
          text: `Your ${organisation} password was reset from ${where}. If this was not you, contact your local helpdesk now.`,
        },
        `notice:password-reset:${account.id}:${Date.now()}`,
        used,
      )),
    );
    if (account.elevated) out.push(...(await this.notices.elevatedPasswordReset(scope, account, where)));
    return out;
  }

  private async person(scope: TenantScope, flow: Flow, data: ResetData) {
    if (data.decoy || !flow.accountId) return { account: null, registered: [] as Method[] };
    const account = await accounts.findById(scope, flow.accountId);
    return { account, registered: account ? await methods.verifiedOf(scope, account.id) : [] };
  }

  private async gateView(
    scope: TenantScope,
    flow: Pick<Flow, 'id' | 'state' | 'expiresAt'>,
    data: ResetData,
  ) {
    const policy = await policyOf(scope);
    const { registered } = await this.person(scope, flow as Flow, data);
    const questions = await this.gates.questions(scope, data.username, registered, policy);
    return {
      ...this.view(flow),
      gate: { number: data.gatesPassed.length + 1, of: data.gatesRequired },
      options: this.gates.options(policy, questions),
      message: CONTACT_HELPDESK,
    };
  }

  private view(flow: Pick<Flow, 'id' | 'state' | 'expiresAt'>) {
    return { flowId: flow.id, state: flow.state, expiresAt: flow.expiresAt };
  }

  /** Whether the check was one made in this reset (since passed, replaced or expired). */
  private async issuedIn(scope: TenantScope, flow: Flow, challengeId: string): Promise<boolean> {
    return (await challenges.findById(scope, challengeId))?.flowId === flow.id;
  }

  /** The reset, alive and of this organisation; otherwise the same 404. `lock`: see `flows.findLive`. */
  private async live(
    scope: TenantScope,
    flowId: string,
    options: { lock?: boolean } = {},
  ): Promise<{ flow: Flow; data: ResetData }> {
    const flow = await flows.findLive(scope, flowId, 'password_reset', options);
    if (!flow || flow.completedAt) throw resetGone();
    return { flow, data: flow.data as ResetData };
  }
}

function resetEvent(
  flow: Pick<Flow, 'id' | 'accountId'>,
  data: ResetData,
  action: string,
  outcome: 'success' | 'failure' | 'denied',
  details: Record<string, unknown>,
) {
  return flow.accountId && !data.decoy
    ? userEvent(flow.accountId, action, outcome, data.client, { flowId: flow.id, ...details })
    : {
        actorType: 'anonymous' as const,
        action,
        targetType: 'account',
        targetId: flow.accountId,
        outcome,
        ip: data.client.ip ?? null,
        details: { flowId: flow.id, decoy: true, ...details },
      };
}
