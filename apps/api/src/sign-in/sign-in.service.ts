import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  type Account as AccountRow,
  type Challenge,
  type Delivery,
  type Flow,
  type Method,
  type TenantScope,
  SignInStatements,
  Tenancy,
  accounts,
  challenges,
  flows,
  methods,
  rememberedDevices,
} from '@verity/db';
import {
  type MethodType,
  type Policy,
  type SignInDecision,
  CATALOGUE,
  codeLifetimeSeconds,
  decideFailedAttempts,
  decideRegistration,
  decideSignIn,
} from '@verity/policy';
import { PasswordHasher, TenantCipher, hashCode } from '@verity/secrets';
import { type ApiConfig, CONFIG, publicUrlOf } from '../config.js';
import { approximateLocation } from '../geo/locate.js';
import { policyAccount, policyOf, policyOfTenant } from '../methods/policy-account.js';
import { DomainError } from '../problem/problem.js';
import { SessionReauthentication, type StepUpOf } from '../sessions/reauthentication.js';
import { choicesView, reasonView } from './choices.js';
import { AttemptLimits } from './limits.js';
import { type ClientContext, recordUserEvent, userEvent } from './user-events.js';
import { Notices } from './notices.js';
import { ResultSigner } from './result-signer.js';

export interface SignInData extends Record<string, unknown> {
  methodIds: string[];
  defaultMethodId?: string;
  amr: string[];
  client: ClientContext & { location?: string };
  numberDigits: number;
  voiceConfirmation: 'press_hash' | 'key_number';
  elevated: boolean;
  /** Set once the person has been told about a failed second factor after a right password. */
  failureNoticeSent?: boolean;
  /** A step-up of this live session (POST /v1/session/step-up): finishing re-authenticates it, no result. */
  stepUp?: StepUpOf;
  /** The policy wants more security info and the person has not postponed it: the wizard comes before the result. */
  registrationDue?: boolean;
}

export const FLOW_LIFETIME_MS = 10 * 60_000;
/** The registration wizard's time: setting up an app on a phone takes longer than a sign-in. */
export const WIZARD_LIFETIME_MS = 30 * 60_000;
const REMEMBER_CONTEXT = 'remembered-device';

/** RFC 8176 method references for each factor. */
const AMR: Record<MethodType, string> = {
  security_key: 'hwk',
  authenticator_push: 'swk',
  authenticator_code: 'otp',
  mobile_call: 'tel',
  alternate_call: 'tel',
  office_call: 'tel',
  mobile_text: 'sms',
  email: 'otp',
  security_questions: 'kba',
  app_password: 'pwd',
};

export const invalidCredentials = () =>
  new DomainError(
    401,
    'invalid-credentials',
    'Sign-in failed',
    'Your account or password is incorrect. If you don’t remember your password, reset it now.',
  );

export const flowGone = () =>
  new DomainError(
    404,
    'flow-not-found',
    'Sign-in not found',
    'This sign-in does not exist, has expired or is finished. Start again.',
  );

export const outOfOrder = () =>
  new DomainError(
    409,
    'flow-step',
    'Out of order',
    'This step does not apply now. Follow the sign-in in order.',
  );

/**
 * The sign-in state machine: password, then what the organisation's policy asks (nothing, the registration
 * wizard, or a second factor), then a signed result. Its steps are in the `flows` row, advanced only from the
 * step the caller read, so a step cannot be skipped, reordered or replayed.
 */
@Injectable()
export class SignInService {
  private readonly decoy: Promise<string>;

  constructor(
    private readonly tenancy: Tenancy,
    private readonly statements: SignInStatements,
    private readonly cipher: TenantCipher,
    private readonly hasher: PasswordHasher,
    private readonly limits: AttemptLimits,
    private readonly signer: ResultSigner,
    private readonly notices: Notices,
    private readonly reauthentication: SessionReauthentication,
    @Inject(CONFIG) private readonly config: ApiConfig,
  ) {
    // Unknown users are checked against this, so they cost what a real check costs.
    this.decoy = hasher.hash(randomBytes(24).toString('base64'));
  }

  async start(
    tenantId: string,
    body: { username: string; password: string; rememberToken?: string | undefined },
    client: ClientContext,
  ) {
    const username = body.username.trim().toLowerCase();
    await this.limits.password(tenantId, username, client.ip);
    const { account, methods: registered, tenant } = await this.statements.account(tenantId, username);
    const stored = account?.passwordHash ?? (await this.decoy);
    const passwordRight = await this.hasher.verify(stored, body.password);
    const usable = account !== null && account.passwordHash !== null && account.status === 'active';
    if (!usable || !passwordRight) {
      // written for unknown users too (naming nobody), so every refusal does the same work and takes as long
      await this.statements.started(tenantId, {
        flow: null,
        audit: account
          ? userEvent(account.id, 'sign_in.password', 'failure', client)
          : {
              actorType: 'anonymous',
              action: 'sign_in.password',
              targetType: 'account',
              outcome: 'failure',
              ip: client.ip ?? null,
              details: { account: 'unknown' },
            },
      });
      throw invalidCredentials();
    }

    const policy = policyOfTenant(tenant);
    const rememberedAt = body.rememberToken
      ? await this.tenancy.run(tenantId, (scope) => this.rememberedAt(scope, account.id, body.rememberToken))
      : null;
    const now = new Date();
    const seen = policyAccount(account, registered);
    const decision = decideSignIn(seen, policy, {
      now,
      ...(client.ip ? { ip: client.ip } : {}),
      ...(rememberedAt ? { rememberedDeviceAt: rememberedAt } : {}),
    });
    const snoozed = account.snoozedUntil !== null && account.snoozedUntil > now;
    const registrationDue = !snoozed && decideRegistration(seen, policy, { now }).outcome === 'required';
    const location = approximateLocation(client.ip)?.text;
    const data: SignInData = {
      methodIds: decision.outcome === 'mfa' ? decision.methods.map((m) => m.id) : [],
      ...(decision.outcome === 'mfa' ? { defaultMethodId: decision.defaultMethod.id } : {}),
      amr: ['pwd'],
      client: { ...client, ...(location ? { location } : {}) },
      numberDigits: decision.outcome === 'mfa' ? decision.numberMatchingDigits : 0,
      voiceConfirmation: decision.outcome === 'mfa' ? decision.voiceConfirmation : 'press_hash',
      elevated: account.elevated,
      ...(registrationDue ? { registrationDue } : {}),
    };
    const fraudBlock = account.atRiskSince !== null && policy.fraud.blockSignIn;
    // nothing to sign in with, but the wizard was postponed: the password alone, until the snooze ends
    const state = fraudBlock
      ? 'blocked'
      : decision.outcome === 'register' && snoozed
        ? 'password_checked'
        : stateOf(decision);
    const flow = {
      id: randomUUID(),
      kind: 'sign_in' as const,
      accountId: account.id,
      state,
      step: 0,
      data,
      expiresAt: new Date(Date.now() + (state === 'register' ? WIZARD_LIFETIME_MS : FLOW_LIFETIME_MS)),
    };
    await this.statements.started(tenantId, {
      flow,
      audit: userEvent(account.id, 'sign_in.password', 'success', client, { decision: decision.outcome }),
    });
    if (fraudBlock)
      return {
        ...this.view(flow),
        reasons: [
          {
            code: 'FRAUD_REPORTED',
            message:
              'A sign-in to your account was reported as fraud, so it is blocked until your organisation has checked it. Contact your local helpdesk.',
          },
        ],
      };
    if (decision.outcome === 'no_mfa' || state === 'password_checked')
      return this.tenancy.run(tenantId, (scope) =>
        this.complete(scope, flow, account, 'aal1', decision.reasons),
      );
    return {
      ...this.view(flow),
      reasons: decision.reasons.map(reasonView),
      ...(await choicesView(this.cipher, decision, registered)),
      // "Don't ask again for N days", where the policy allows it for this person
      ...(decision.outcome === 'mfa' && mayRemember(policy, account)
        ? { rememberDevice: { days: policy.conditionalMfa.rememberedDevice.lifetimeDays } }
        : {}),
    };
  }

  /** Where the flow stands; for push and calls, whether the person has answered yet. */
  async status(
    tenantId: string,
    flowId: string,
    options: { rememberDevice?: boolean | undefined; sessionToken?: string | undefined },
  ) {
    return this.tenancy.run(tenantId, async (scope) => {
      const flow = await flows.findLive(scope, flowId, 'sign_in');
      if (!flow || flow.completedAt) throw flowGone();
      const data = flow.data as SignInData;
      if (data.stepUp) await this.refuseUnlessStepUpHolder(scope, data, options.sessionToken);
      const challengeId = flow.data.challengeId as string | undefined;
      if (flow.state !== 'challenged' || !challengeId) return this.view(flow);
      const challenge = await challenges.findById(scope, challengeId);
      if (!challenge) return this.view(flow);
      if (
        challenge.status === 'approved' &&
        (challenge.methodType === 'authenticator_push' || isCall(challenge))
      ) {
        const account = await accounts.findById(scope, flow.accountId!);
        if (!account) throw flowGone();
        return this.secondFactorPassed(
          scope,
          flow,
          account,
          challenge,
          data,
          options.rememberDevice === true,
          options.sessionToken,
        );
      }
      // a denial that came with a fraud report (from the app, or 0# on a call) is said as such
      const fraudReported =
        challenge.status === 'denied' &&
        (await accounts.findById(scope, flow.accountId!))?.atRiskSince != null;
      return {
        ...this.view(flow),
        challenge: {
          id: challenge.id,
          status: challenge.status,
          ...(fraudReported ? { fraudReported } : {}),
        },
      };
    });
  }

  /** The second factor was proved (an answer seen by polling): finish the flow once, and sign the result. */
  async secondFactorPassed(
    scope: TenantScope,
    flow: Flow,
    account: AccountRow,
    challenge: Challenge,
    data: SignInData,
    rememberDevice: boolean,
    sessionToken?: string,
  ) {
    const amr = amrWith(data, challenge.methodType);
    if (!(await flows.advance(scope, flow, { state: 'complete', data: { ...data, amr }, completed: true })))
      throw flowGone();
    if (challenge.methodId) await methods.recordSuccess(scope, challenge.methodId);
    const remember = rememberDevice && !data.stepUp && mayRemember(await policyOf(scope), account);
    await recordUserEvent(scope, account.id, 'sign_in.completed', 'success', data.client, {
      method: challenge.methodType,
      remembered: remember,
    });
    return this.finished(scope.tenantId, flow, account, amr, remember ? scope : null, {
      token: sessionToken,
      scope,
    });
  }

  /**
   * The signed result of a finished second factor and, where asked and allowed, the token that remembers the
   * device (written in `scope`, or in its own transaction). For a step-up, instead, the session it names is
   * re-authenticated with a new token (in `session.scope`, or in its own transaction), if `session.token` is
   * still that session's.
   */
  async finished(
    tenantId: string,
    flow: Pick<Flow, 'id' | 'data'>,
    account: AccountRow,
    amr: string[],
    remember: TenantScope | 'own' | null,
    session: { token?: string | undefined; scope?: TenantScope } = {},
  ) {
    const { stepUp, client } = flow.data as SignInData;
    if (stepUp) {
      const renew = (scope: TenantScope) =>
        this.reauthentication.renew(scope, {
          stepUp,
          flowId: flow.id,
          accountId: account.id,
          token: session.token,
          amr,
          client,
        });
      const renewed = session.scope ? await renew(session.scope) : await this.tenancy.run(tenantId, renew);
      return { flowId: flow.id, state: 'complete', session: renewed };
    }
    const rememberToken =
      remember === null
        ? undefined
        : remember === 'own'
          ? await this.tenancy.run(tenantId, (scope) => this.remember(scope, account))
          : await this.remember(remember, account);
    if ((flow.data as SignInData).registrationDue) {
      const wizard = session.scope
        ? await this.handOver(session.scope, flow, account, amr)
        : await this.tenancy.run(tenantId, (scope) => this.handOver(scope, flow, account, amr));
      return { ...wizard, ...(rememberToken ? { rememberToken } : {}) };
    }
    const result = await this.sign(tenantId, flow, account, 'aal2', amr);
    return { flowId: flow.id, state: 'complete', result, ...(rememberToken ? { rememberToken } : {}) };
  }

  /**
   * A wrong answer to a factor: counted against the method, which locks at the policy's limit; the person is
   * told once per sign-in, through another channel, that their password was right but the second check failed.
   */
  async secondFactorFailed(scope: TenantScope, flow: Flow, challenge: Challenge, policy: Policy) {
    const data = flow.data as SignInData;
    const count = challenge.methodId
      ? await methods.recordFailure(
          scope,
          challenge.methodId,
          policy.lockout.failedAttempts,
          policy.lockout.lockMinutes * 60,
        )
      : { failedAttempts: 0, lockedUntil: null };
    await recordUserEvent(scope, flow.accountId!, 'sign_in.second_factor', 'failure', data.client, {
      method: challenge.methodType,
      challengeId: challenge.id,
      failedAttempts: count.failedAttempts,
    });
    let notice: Delivery | null = null;
    if (!data.failureNoticeSent) {
      await flows.advance(scope, flow, { state: flow.state, data: { ...data, failureNoticeSent: true } });
      notice = await this.notices.failedSecondFactor(scope, flow.accountId!, challenge.methodId, data.client);
    }
    return { ...count, notice };
  }

  /** The lock on a factor, as the same refusal whatever the answer (right answers too). */
  refuseIfLocked(method: Method, policy: Policy): void {
    const decision = decideFailedAttempts({ consecutiveFailures: method.failedAttempts }, policy);
    const locked = method.lockedUntil !== null && method.lockedUntil.getTime() > Date.now();
    if (!locked) return;
    const seconds = (method.lockedUntil!.getTime() - Date.now()) / 1000;
    const reasons = decision.outcome === 'refused' ? decision.reasons.map(reasonView) : [];
    throw new DomainError(
      423,
      'factor-locked',
      'Locked',
      reasons[0]?.message ?? 'Too many attempts, try again later.',
      undefined,
      reasons,
    ).retryAfter(seconds);
  }

  /**
   * A step-up flow is for whoever holds the session it re-authenticates (the Verity-Session header): 401 when
   * that token names no live session, 404 (as for any flow that is not theirs) when it names another one.
   */
  async refuseUnlessStepUpHolder(scope: TenantScope, data: SignInData, sessionToken: string | undefined) {
    if (data.stepUp && !(await this.reauthentication.holds(scope, data.stepUp, sessionToken)))
      throw flowGone();
  }

  async liveFlow(scope: TenantScope, flowId: string): Promise<{ flow: Flow; data: SignInData }> {
    const flow = await flows.findLive(scope, flowId, 'sign_in');
    if (!flow || flow.completedAt) throw flowGone();
    return { flow, data: flow.data as SignInData };
  }

  private async complete(
    scope: TenantScope,
    flow: Pick<Flow, 'id' | 'step' | 'data' | 'state' | 'expiresAt'>,
    account: AccountRow,
    acr: 'aal1',
    reasons: SignInDecision['reasons'],
  ) {
    if (!(await flows.advance(scope, flow, { state: 'complete', completed: true }))) throw flowGone();
    const { client, registrationDue } = flow.data as SignInData;
    await recordUserEvent(scope, account.id, 'sign_in.completed', 'success', client, {
      mfa: false,
      reasons: reasons.map((r) => r.code),
      ...(registrationDue ? { registration: 'required' } : {}),
    });
    if (registrationDue) return this.handOver(scope, flow, account, ['pwd']);
    const result = await this.sign(scope.tenantId, flow, account, acr, ['pwd']);
    return { ...this.view(flow), state: 'complete', reasons: reasons.map(reasonView), result };
  }

  /**
   * "More information required": the sign-in is proved, but the organisation wants more security info first. A
   * new flow, in the wizard's state, carries what was proved; its result comes when the wizard is done or
   * postponed. The finished flow made no result, so it can make no session.
   */
  async handOver(scope: TenantScope, flow: Pick<Flow, 'id' | 'data'>, account: AccountRow, amr: string[]) {
    const data = flow.data as SignInData;
    const wizard = await flows.create(scope, {
      kind: 'sign_in',
      accountId: account.id,
      state: 'register',
      data: { ...data, methodIds: [], amr, handedOverFrom: flow.id },
      expiresAt: new Date(Date.now() + WIZARD_LIFETIME_MS),
    });
    await recordUserEvent(scope, account.id, 'sign_in.registration_required', 'success', data.client, {
      flowId: wizard.id,
    });
    return { flowId: wizard.id, state: 'registration_required', expiresAt: wizard.expiresAt };
  }

  /** The signed result of a finished sign-in (the wizard's too). */
  sign(tenantId: string, flow: Pick<Flow, 'id'>, account: AccountRow, acr: 'aal1' | 'aal2', amr: string[]) {
    return this.signer.sign({
      tenantId,
      accountId: account.id,
      username: account.username,
      flowId: flow.id,
      amr,
      acr,
    });
  }

  /** "Don't ask again for N days" (the caller checked `mayRemember`). */
  private async remember(scope: TenantScope, account: AccountRow): Promise<string> {
    const { lifetimeDays } = (await policyOf(scope)).conditionalMfa.rememberedDevice;
    const token = randomBytes(32).toString('base64url');
    await rememberedDevices.create(scope, {
      accountId: account.id,
      tokenHash: await this.tokenHash(scope.tenantId, token),
      expiresAt: new Date(Date.now() + lifetimeDays * 86_400_000),
    });
    return token;
  }

  private async rememberedAt(scope: TenantScope, accountId: string, token: string | undefined) {
    if (!token) return null;
    return rememberedDevices.issuedAt(scope, accountId, await this.tokenHash(scope.tenantId, token));
  }

  private async tokenHash(tenantId: string, token: string): Promise<Buffer> {
    return hashCode(await this.cipher.codeKey(tenantId), `${REMEMBER_CONTEXT}:${token}`);
  }

  private view(flow: Pick<Flow, 'id' | 'state' | 'expiresAt'>) {
    return { flowId: flow.id, state: publicState(flow.state), expiresAt: flow.expiresAt };
  }

  get publicUrl(): string {
    return publicUrlOf(this.config);
  }
}

/** How long a challenge of this method lives: the policy's code or push lifetime; five minutes for typed codes and keys. */
export function challengeLifetimeSeconds(policy: Policy, type: MethodType): number {
  const { channel } = CATALOGUE[type];
  return channel === 'none' ? 300 : codeLifetimeSeconds(policy, channel);
}

/** The flow's method references once this factor is added (RFC 8176, and "mfa"). */
export function amrWith(data: SignInData, methodType: string): string[] {
  return [...new Set([...data.amr, AMR[methodType as MethodType] ?? 'mfa', 'mfa'])];
}

/** "Don't ask again for N days": never for elevated rights, never where the policy turned it off. */
export function mayRemember(policy: Policy, account: Pick<AccountRow, 'elevated'>): boolean {
  return policy.conditionalMfa.rememberedDevice.enabled && !account.elevated;
}

export function isCall(challenge: Pick<Challenge, 'methodType'>): boolean {
  return ['mobile_call', 'alternate_call', 'office_call'].includes(challenge.methodType);
}

function stateOf(decision: SignInDecision): string {
  switch (decision.outcome) {
    case 'no_mfa':
      return 'password_checked';
    case 'mfa':
      return 'mfa';
    case 'register':
      return 'register';
    case 'blocked':
      return 'blocked';
  }
}

function publicState(state: string): string {
  return (
    { mfa: 'mfa_required', challenged: 'mfa_required', register: 'registration_required' }[state] ?? state
  );
}
