import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  type Challenge,
  type Delivery,
  type Flow,
  type Method,
  type NewChallenge,
  type SignInContext,
  SignInStatements,
  Tenancy,
  type TenantScope,
  challenges,
  devices,
  isUuid,
} from '@verity/db';
import { type NewMessage, Outbox } from '@verity/delivery';
import { type MethodType, type Policy, decidePushPrompt } from '@verity/policy';
import { TenantCipher, hashCode, randomDigits, verifyCode } from '@verity/secrets';
import { verifySync } from 'otplib';
import { codeAlreadyUsed } from '../factors/code-already-used.js';
import { authenticationOptions, verifyAssertion } from '../factors/security-key.js';
import {
  type MethodDetails,
  type PhoneDetails,
  type PushDetails,
  type SecurityKeyDetails,
  type TotpDetails,
  masked,
  openDetails,
  sealDetails,
} from '../methods/method-details.js';
import { policyOfTenant } from '../methods/policy-account.js';
import { type ApiConfig, CONFIG } from '../config.js';
import { DomainError } from '../problem/problem.js';
import { numberContext } from './contexts.js';
import { AttemptLimits } from './limits.js';
import { Notices } from './notices.js';
import { type PushContext, callMessage, pushMessage } from './challenge-messages.js';
import {
  type SignInData,
  SignInService,
  amrWith,
  challengeLifetimeSeconds,
  flowGone,
  isCall,
  mayRemember,
  outOfOrder,
} from './sign-in.service.js';
import { userEvent } from './user-events.js';

/** Seconds before "Resend code" may send another code for the same method. */
export const RESEND_COOL_DOWN_SECONDS = 30;
/** Wrong codes one challenge takes before it is void (the factor's own lock counts across challenges). */
const ANSWERS_PER_CHALLENGE = 5;

const methodNotOffered = () =>
  new DomainError(
    422,
    'method-not-offered',
    'Method not available',
    'This sign-in method cannot be used for this sign-in. Choose another.',
  );

const challengeOver = () =>
  new DomainError(
    410,
    'challenge-over',
    'Request expired',
    'This request has expired or was already used. Ask for a new one.',
  );

const wrongCode = (remaining: number) =>
  new DomainError(
    400,
    'wrong-code',
    'Wrong code',
    remaining > 0
      ? 'That code didn’t work. Check the code and try again.'
      : 'That code didn’t work, and too many wrong codes were entered. Ask for a new one.',
  );

interface Verdict {
  locked: boolean;
  remaining: number;
  notice: Delivery | null;
}

const factorLocked = () =>
  new DomainError(423, 'factor-locked', 'Locked', 'Too many attempts, try again later.');

/**
 * The second factor: one challenge per request of the person ("Text me", "Call me", "Send notification",
 * "Enter a code"), then its answer. Codes are fixed here, hashed, and sent through the outbox; wrong answers
 * count against the method and lock it at the policy's limit.
 */
@Injectable()
export class ChallengeService {
  constructor(
    private readonly tenancy: Tenancy,
    private readonly statements: SignInStatements,
    private readonly cipher: TenantCipher,
    private readonly outbox: Outbox,
    private readonly signIn: SignInService,
    private readonly notices: Notices,
    private readonly limits: AttemptLimits,
    @Inject(CONFIG) private readonly config: ApiConfig,
  ) {}

  /**
   * A challenge for the method chosen. Asks at the same moment in one flow are made one after another: one that
   * finds the flow moved on (another ask was written first) reads it again and is answered as if it had come
   * second (a resend too soon, a push limit), or made from the new step (another method).
   */
  async create(tenantId: string, flowId: string, methodId: string, sessionToken?: string) {
    for (let attempt = 0; attempt < 3; attempt++) {
      const made = await this.createFromStep(tenantId, flowId, methodId, sessionToken);
      if (made) return made;
    }
    throw outOfOrder();
  }

  /** The challenge made from the flow's step as read; null when the flow moved on first (nothing written). */
  private async createFromStep(tenantId: string, flowId: string, methodId: string, sessionToken?: string) {
    const found = isUuid(flowId)
      ? await this.statements.context(tenantId, flowId, isUuid(methodId) ? { methodId } : {})
      : null;
    const { flow, data } = liveFlow(found);
    if (data.stepUp) await this.stepUpHolder(tenantId, data, sessionToken);
    if (flow.state !== 'mfa' && flow.state !== 'challenged') throw outOfOrder();
    if (!data.methodIds.includes(methodId)) throw methodNotOffered();
    const { method, tenant: organisation } = found!;
    if (!method) throw methodNotOffered();
    const policy = policyOfTenant(organisation);
    this.signIn.refuseIfLocked(method, policy);
    const type = method.type as MethodType;
    const details = await openDetails<MethodDetails>(this.cipher, method);
    // the context's challenge is the flow's latest: a resend of the same method waits for the cool-down
    coolDown(found!.challenge, method);

    const expiresAt = new Date(Date.now() + challengeLifetimeSeconds(policy, type) * 1000);
    const challengeId = randomUUID();
    const codeKey = await this.cipher.codeKey(tenantId);
    const base = {
      id: challengeId,
      accountId: flow.accountId!,
      flowId: flow.id,
      methodId,
      methodType: type,
      purpose: 'sign_in' as const,
      expiresAt,
    };
    let challenge: NewChallenge & { id: string };
    let message: Omit<NewMessage, 'idempotencyKey'> | null = null;
    let shown: Record<string, unknown> = {};

    if (type === 'authenticator_code') {
      challenge = { ...base, codeHash: null };
    } else if (type === 'mobile_text' || type === 'email') {
      const code = randomDigits(6);
      challenge = { ...base, codeHash: hashCode(codeKey, code) };
      message = {
        to: 'phone' in details ? details.phone : (details as { email: string }).email,
        content:
          type === 'mobile_text'
            ? { kind: 'sms', body: `Use verification code ${code} for ${organisation.name} sign-in.` }
            : {
                kind: 'email',
                subject: `Your ${organisation.name} verification code`,
                text: `Use verification code ${code} to sign in to ${organisation.name}.`,
              },
      };
      shown = { sentTo: masked(details), codeLength: 6 };
    } else if (isCall({ methodType: type })) {
      const keyed = data.voiceConfirmation === 'key_number';
      const number = keyed ? randomDigits(Math.max(2, data.numberDigits)) : null;
      challenge = {
        ...base,
        codeHash: number ? hashCode(codeKey, `${numberContext(challengeId)}:${number}`) : null,
      };
      message = callMessage(this.signIn.publicUrl, organisation.slug, (details as PhoneDetails).phone);
      shown = { calling: masked(details), ...(number ? { number } : {}) };
    } else if (type === 'authenticator_push') {
      if (found!.account?.atRiskSince) throw pushStopped();
      const deviceId = (details as PushDetails).deviceId;
      const device = await this.tenancy.run(tenantId, (scope) => devices.findById(scope, deviceId));
      const number = randomDigits(data.numberDigits);
      const context: PushContext = {
        organisation: organisation.name,
        ...(data.client.app ? { app: data.client.app } : {}),
        ...(data.client.location ? { location: data.client.location } : {}),
        ...(data.client.ip ? { ip: data.client.ip } : {}),
        requestedAt: new Date().toISOString(),
        numberDigits: data.numberDigits,
        deviceId,
      };
      challenge = {
        ...base,
        codeHash: hashCode(codeKey, `${numberContext(challengeId)}:${number}`),
        context: { ...context },
      };
      message = await pushMessage(this.cipher, device, organisation, { id: challengeId, expiresAt, context });
      shown = { number };
    } else if (type === 'security_key') {
      const key = details as SecurityKeyDetails;
      const options = await authenticationOptions({
        rpId: this.config.WEBAUTHN_RP_ID,
        credentials: [
          { credentialId: key.credentialId, ...(key.transports ? { transports: key.transports } : {}) },
        ],
      });
      challenge = { ...base, codeHash: null, context: { webauthnChallenge: options.challenge } };
      shown = { publicKey: options };
    } else {
      throw methodNotOffered();
    }

    const delivery = message
      ? await this.outbox.seal(tenantId, {
          ...message,
          idempotencyKey: `challenge:${challengeId}`,
          challengeId,
        })
      : null;
    const written = await this.statements.challengeCreated(tenantId, {
      flow,
      data: { ...data, challengeId },
      challenge,
      delivery,
      audit: userEvent(flow.accountId!, 'sign_in.challenge', 'success', data.client, {
        method: type,
        challengeId,
      }),
      // the push limits are counted where the push is inserted, so that asks at the same moment cannot pass together
      ...(type === 'authenticator_push'
        ? {
            pushLimits: {
              maxOutstanding: policy.push.maxOutstanding,
              maxPerWindow: policy.push.maxPerWindow,
              windowMinutes: policy.push.windowMinutes,
            },
          }
        : {}),
    });
    if (written.outcome === 'limited') throw pushLimited(written, policy);
    if (written.outcome === 'flow-moved') return null;
    if (!(await this.notices.dispatch([delivery && { ...delivery, tenantId }], flowId))) throw notSentYet();
    return { challengeId, methodId, type, expiresAt, ...shown };
  }

  /** A code typed by the person (TOTP, SMS or email code) or a security key's assertion. Single use, limited. */
  async verify(
    tenantId: string,
    flowId: string,
    challengeId: string,
    answer: { code?: string | undefined; assertion?: unknown; rememberDevice?: boolean | undefined },
    sessionToken?: string,
  ) {
    await this.limits.answer(tenantId, flowId);
    const found = isUuid(flowId)
      ? await this.statements.context(tenantId, flowId, isUuid(challengeId) ? { challengeId } : {})
      : null;
    const { flow, data } = liveFlow(found);
    if (data.stepUp) await this.stepUpHolder(tenantId, data, sessionToken);
    if (flow.state !== 'challenged' || data.challengeId !== challengeId) throw outOfOrder();
    const { challenge, method, account } = found!;
    if (!challenge || challenge.status !== 'pending' || challenge.expiresAt.getTime() <= Date.now())
      throw challengeOver();
    if (!method || !account) throw challengeOver();
    const policy = policyOfTenant(found!.tenant);
    this.signIn.refuseIfLocked(method, policy);

    const right = await this.check(challenge, method, answer);
    if (!right) {
      const verdict = await this.tenancy.run(tenantId, (scope) =>
        this.wrong(scope, flow.id, challenge, policy),
      );
      await this.notices.dispatch([verdict.notice], flowId);
      if (verdict.locked) throw factorLocked();
      throw wrongCode(verdict.remaining);
    }

    const amr = amrWith(data, challenge.methodType);
    const remember = answer.rememberDevice === true && !data.stepUp && mayRemember(policy, account);
    const outcome = await this.statements.answerAccepted(tenantId, {
      flow,
      data: { ...data, amr },
      challengeId: challenge.id,
      methodId: method.id,
      ...right,
      audit: userEvent(account.id, 'sign_in.completed', 'success', data.client, {
        method: challenge.methodType,
        remembered: remember,
      }),
    });
    if (outcome === 'locked') throw factorLocked();
    if (outcome === 'flow-gone') throw flowGone();
    if (outcome === 'replayed' && challenge.methodType === 'authenticator_code') throw codeAlreadyUsed();
    if (outcome !== 'accepted') throw challengeOver();
    return this.signIn.finished(tenantId, flow, account, amr, remember ? 'own' : null, {
      token: sessionToken,
    });
  }

  private stepUpHolder(tenantId: string, data: SignInData, sessionToken: string | undefined) {
    return this.tenancy.run(tenantId, (scope) =>
      this.signIn.refuseUnlessStepUpHolder(scope, data, sessionToken),
    );
  }

  private async wrong(
    scope: TenantScope,
    flowId: string,
    challenge: Challenge,
    policy: Policy,
  ): Promise<Verdict> {
    const attempts = (await challenges.countAttempt(scope, challenge.id)) ?? ANSWERS_PER_CHALLENGE;
    if (attempts >= ANSWERS_PER_CHALLENGE) await challenges.settle(scope, challenge.id, 'denied');
    const { flow } = await this.signIn.liveFlow(scope, flowId);
    const count = await this.signIn.secondFactorFailed(scope, flow, challenge, policy);
    const locked = count.lockedUntil !== null && count.lockedUntil.getTime() > Date.now();
    if (locked) await challenges.settle(scope, challenge.id, 'locked');
    return { locked, remaining: ANSWERS_PER_CHALLENGE - attempts, notice: count.notice };
  }

  /** The answer checked against the challenge: false, or what accepting it writes to the method. */
  private async check(
    challenge: Challenge,
    method: Method,
    answer: { code?: string | undefined; assertion?: unknown },
  ): Promise<false | { timeStep?: number; detailsEnc?: Buffer }> {
    if (challenge.methodType === 'security_key') {
      if (answer.assertion === undefined) return false;
      const credential = await openDetails<SecurityKeyDetails>(this.cipher, method);
      try {
        const { newCounter } = await verifyAssertion({
          response: answer.assertion,
          expectedChallenge: String(challenge.context.webauthnChallenge),
          expectedOrigin: this.config.WEBAUTHN_ORIGINS,
          rpId: this.config.WEBAUTHN_RP_ID,
          credential,
        });
        return { detailsEnc: await sealDetails(this.cipher, method, { ...credential, counter: newCounter }) };
      } catch {
        return false;
      }
    }
    const code = answer.code ?? '';
    if (challenge.methodType === 'authenticator_code') {
      const { secret } = await openDetails<TotpDetails>(this.cipher, method);
      const result = verifySync({ secret, token: code, epochTolerance: [30, 0] });
      return result.valid && 'timeStep' in result ? { timeStep: result.timeStep } : false;
    }
    if (!challenge.codeHash || isCall(challenge) || challenge.methodType === 'authenticator_push')
      return false;
    return verifyCode(await this.cipher.codeKey(challenge.tenantId), code, challenge.codeHash) ? {} : false;
  }
}

/** "Resend code" kills the old code and sends a new one, but not more often than the cool-down allows. */
function coolDown(previous: Challenge | null, method: Method): void {
  if (!previous || previous.methodId !== method.id || previous.methodType === 'authenticator_code') return;
  refuseResendBefore(previous.createdAt);
}

/** 429 with Retry-After while the last code, sent at `sentAt`, is younger than the resend cool-down. */
export function refuseResendBefore(sentAt: Date): void {
  const waited = (Date.now() - sentAt.getTime()) / 1000;
  if (waited < RESEND_COOL_DOWN_SECONDS)
    throw new DomainError(
      429,
      'resend-too-soon',
      'Wait a moment',
      `We just sent you a code. You can ask for another in ${Math.ceil(RESEND_COOL_DOWN_SECONDS - waited)} seconds.`,
    ).retryAfter(RESEND_COOL_DOWN_SECONDS - waited);
}

/** The flow of a context, live: not expired, not finished. */
function liveFlow(found: SignInContext | null): { flow: Flow; data: SignInData } {
  const flow = found?.flow;
  if (!flow || flow.completedAt || flow.expiresAt.getTime() <= Date.now()) throw flowGone();
  return { flow, data: flow.data as SignInData };
}

/** 429 naming the push limit reached, from the account's counts when the push was refused. */
function pushLimited(counts: { outstanding: number; sentInWindow: number }, policy: Policy): DomainError {
  const prompt = decidePushPrompt(counts, policy);
  const reasons = prompt.outcome === 'refused' ? prompt.reasons : [];
  return new DomainError(429, 'push-limited', 'Use another method', reasons[0]?.message ?? '', undefined, [
    ...reasons,
  ]).retryAfter(prompt.outcome === 'refused' ? prompt.retryAfterSeconds : policy.push.lifetimeSeconds);
}

/** The challenge is made but the queue could not take its message now: it is sent once the queue is back. */
const notSentYet = () =>
  new DomainError(
    503,
    'unavailable',
    'Try again shortly',
    'We cannot send this right now. It will be sent as soon as we can; if it does not arrive, ask again in a moment.',
  ).retryAfter(RESEND_COOL_DOWN_SECONDS);

export const pushStopped = () =>
  new DomainError(
    403,
    'push-stopped',
    'Notifications stopped',
    'A sign-in to your account was reported as fraud, so notifications to your app are stopped until your organisation has checked it. Use another method or contact your local helpdesk.',
  );
