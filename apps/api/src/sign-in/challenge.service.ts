import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  type Challenge,
  type Delivery,
  type Method,
  Tenancy,
  type TenantScope,
  accounts,
  challenges,
  devices,
  flows,
  methods,
  tenants,
} from '@verity/db';
import { Outbox } from '@verity/delivery';
import { type MethodType, type Policy, decidePushPrompt, policyFrom } from '@verity/policy';
import { TenantCipher, hashCode, randomDigits, verifyCode } from '@verity/secrets';
import { verifySync } from 'otplib';
import { authenticationOptions, verifyAssertion } from '../factors/security-key.js';
import {
  type MethodDetails,
  type PhoneDetails,
  type SecurityKeyDetails,
  updateDetails,
  type PushDetails,
  type TotpDetails,
  masked,
  openDetails,
} from '../methods/method-details.js';
import { type ApiConfig, CONFIG } from '../config.js';
import { DomainError } from '../problem/problem.js';
import { numberContext, pushTokenContext } from './contexts.js';
import { AttemptLimits } from './limits.js';
import { Notices } from './notices.js';
import {
  SignInService,
  challengeLifetimeSeconds,
  flowGone,
  isCall,
  outOfOrder,
  recordUserEvent,
} from './sign-in.service.js';
import { policyOf } from '../methods/policy-account.js';

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

type Verdict =
  | { outcome: 'passed'; body: unknown }
  | { outcome: 'wrong'; locked: boolean; remaining: number; notice: Delivery | null };

/**
 * The second factor: one challenge per request of the person ("Text me", "Call me", "Send notification",
 * "Enter a code"), then its answer. Codes are fixed here, hashed, and sent through the outbox; wrong answers
 * count against the method and lock it at the policy's limit.
 */
@Injectable()
export class ChallengeService {
  constructor(
    private readonly tenancy: Tenancy,
    private readonly cipher: TenantCipher,
    private readonly outbox: Outbox,
    private readonly signIn: SignInService,
    private readonly notices: Notices,
    private readonly limits: AttemptLimits,
    @Inject(CONFIG) private readonly config: ApiConfig,
  ) {}

  async create(tenantId: string, flowId: string, methodId: string) {
    const sent: Delivery[] = [];
    const view = await this.tenancy.run(tenantId, async (scope) => {
      const { flow, data } = await this.signIn.liveFlow(scope, flowId);
      if (flow.state !== 'mfa' && flow.state !== 'challenged') throw outOfOrder();
      if (!data.methodIds.includes(methodId)) throw methodNotOffered();
      const method = await methods.findOfAccount(scope, flow.accountId!, methodId);
      if (!method) throw methodNotOffered();
      const organisation = await tenants.own(scope);
      const policy = policyFrom(organisation.policy);
      this.signIn.refuseIfLocked(method, policy);
      const type = method.type as MethodType;
      const details = await openDetails<MethodDetails>(this.cipher, method);
      await this.coolDown(scope, data.challengeId as string | undefined, method);
      if (data.challengeId) await challenges.voidPending(scope, flow.id, method.id);

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
      let shown: Record<string, unknown> = {};
      let challenge: Challenge;

      if (type === 'authenticator_code') {
        challenge = await challenges.create(scope, { ...base, codeHash: null });
      } else if (type === 'mobile_text' || type === 'email') {
        const code = randomDigits(6);
        challenge = await challenges.create(scope, { ...base, codeHash: hashCode(codeKey, code) });
        const to = 'phone' in details ? details.phone : (details as { email: string }).email;
        const content =
          type === 'mobile_text'
            ? {
                kind: 'sms' as const,
                body: `Use verification code ${code} for ${organisation.name} sign-in.`,
              }
            : {
                kind: 'email' as const,
                subject: `Your ${organisation.name} verification code`,
                text: `Use verification code ${code} to sign in to ${organisation.name}.`,
              };
        sent.push(await this.send(scope, to, content, challenge.id));
        shown = { sentTo: masked(details), codeLength: 6 };
      } else if (isCall({ methodType: type })) {
        const keyed = data.voiceConfirmation === 'key_number';
        const number = keyed ? randomDigits(Math.max(2, data.numberDigits)) : null;
        challenge = await challenges.create(scope, {
          ...base,
          codeHash: number ? hashCode(codeKey, `${numberContext(challengeId)}:${number}`) : null,
        });
        const deliveryId = randomUUID();
        const instructionsUrl = `${this.signIn.publicUrl}/webhooks/twilio/${organisation.slug}/voice/${deliveryId}`;
        sent.push(
          await this.send(
            scope,
            (details as PhoneDetails).phone,
            { kind: 'voice', instructionsUrl },
            challenge.id,
            deliveryId,
          ),
        );
        shown = { calling: masked(details), ...(number ? { number } : {}) };
      } else if (type === 'authenticator_push') {
        const account = await accounts.findById(scope, flow.accountId!);
        if (account?.atRiskSince) throw pushStopped();
        const since = new Date(Date.now() - policy.push.windowMinutes * 60_000);
        const prompt = decidePushPrompt(await challenges.pushCounts(scope, flow.accountId!, since), policy);
        if (prompt.outcome === 'refused')
          throw new DomainError(
            429,
            'push-limited',
            'Use another method',
            prompt.reasons[0]!.message,
            undefined,
            [...prompt.reasons],
          ).retryAfter(prompt.retryAfterSeconds);
        const number = randomDigits(data.numberDigits);
        const deviceId = (details as PushDetails).deviceId;
        const context = {
          organisation: organisation.name,
          ...(data.client.app ? { app: data.client.app } : {}),
          ...(data.client.location ? { location: data.client.location } : {}),
          ...(data.client.ip ? { ip: data.client.ip } : {}),
          requestedAt: new Date().toISOString(),
          numberDigits: data.numberDigits,
          deviceId,
        };
        challenge = await challenges.create(scope, {
          ...base,
          codeHash: hashCode(codeKey, `${numberContext(challengeId)}:${number}`),
          context,
        });
        const device = await devices.findById(scope, deviceId);
        if (device?.status === 'active' && device.pushTokenEnc) {
          const token = await this.cipher.decryptText(
            tenantId,
            pushTokenContext(device.id),
            device.pushTokenEnc,
          );
          const ttlSeconds = Math.round((expiresAt.getTime() - Date.now()) / 1000);
          sent.push(
            await this.send(
              scope,
              token,
              {
                kind: 'push',
                ttlSeconds,
                data: {
                  challengeId: challenge.id,
                  organisation: organisation.slug,
                  organisationName: organisation.name,
                  ...(context.app ? { app: context.app } : {}),
                  ...(context.location ? { location: context.location } : {}),
                },
              },
              challenge.id,
              undefined,
              device.id,
            ),
          );
        }
        shown = { number };
      } else if (type === 'security_key') {
        const key = details as SecurityKeyDetails;
        const options = await authenticationOptions({
          rpId: this.config.WEBAUTHN_RP_ID,
          credentials: [
            { credentialId: key.credentialId, ...(key.transports ? { transports: key.transports } : {}) },
          ],
        });
        challenge = await challenges.create(scope, {
          ...base,
          codeHash: null,
          context: { webauthnChallenge: options.challenge },
        });
        shown = { publicKey: options };
      } else {
        throw methodNotOffered();
      }
      if (
        !(await flows.advance(scope, flow, {
          state: 'challenged',
          data: { ...data, challengeId: challenge.id },
        }))
      )
        throw flowGone();
      await recordUserEvent(scope, flow.accountId!, 'sign_in.challenge', 'success', data.client, {
        method: type,
        challengeId: challenge.id,
      });
      return { challengeId: challenge.id, methodId, type, expiresAt, ...shown };
    });
    await this.notices.dispatch(sent, flowId);
    return view;
  }

  /** A code typed by the person (TOTP, SMS or email code). Single use, limited, locked at the policy's limit. */
  async verify(
    tenantId: string,
    flowId: string,
    challengeId: string,
    answer: { code?: string | undefined; assertion?: unknown; rememberDevice?: boolean | undefined },
  ) {
    await this.limits.answer(tenantId, flowId);
    const verdict: Verdict = await this.tenancy.run(tenantId, async (scope) => {
      const { flow, data } = await this.signIn.liveFlow(scope, flowId);
      if (flow.state !== 'challenged' || data.challengeId !== challengeId) throw outOfOrder();
      const challenge = await challenges.findById(scope, challengeId);
      if (!challenge || challenge.status !== 'pending' || challenge.expiresAt.getTime() <= Date.now())
        throw challengeOver();
      const method = challenge.methodId
        ? await methods.findOfAccount(scope, flow.accountId!, challenge.methodId)
        : null;
      if (!method) throw challengeOver();
      const policy = await policyOf(scope);
      this.signIn.refuseIfLocked(method, policy);
      const right = await this.check(scope, challenge, method, answer);
      if (right === 'replayed') throw challengeOver();
      if (right) {
        if (!(await challenges.settle(scope, challenge.id, 'approved'))) throw challengeOver();
        const account = await accounts.findById(scope, flow.accountId!);
        if (!account) throw flowGone();
        const body = await this.signIn.secondFactorPassed(
          scope,
          flow,
          account,
          challenge,
          data,
          answer.rememberDevice === true,
        );
        return { outcome: 'passed', body };
      }
      return this.wrong(scope, flow.id, challenge, policy);
    });
    if (verdict.outcome === 'passed') return verdict.body;
    await this.notices.dispatch([verdict.notice], flowId);
    if (verdict.locked)
      throw new DomainError(423, 'factor-locked', 'Locked', 'Too many attempts, try again later.');
    throw wrongCode(verdict.remaining);
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
    return { outcome: 'wrong', locked, remaining: ANSWERS_PER_CHALLENGE - attempts, notice: count.notice };
  }

  private async check(
    scope: TenantScope,
    challenge: Challenge,
    method: Method,
    answer: { code?: string | undefined; assertion?: unknown },
  ): Promise<boolean | 'replayed'> {
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
        await updateDetails(scope, this.cipher, method, { ...credential, counter: newCounter });
        return true;
      } catch {
        return false;
      }
    }
    const code = answer.code ?? '';
    if (challenge.methodType === 'authenticator_code') {
      const { secret } = await openDetails<TotpDetails>(this.cipher, method);
      const result = verifySync({ secret, token: code, epochTolerance: [30, 0] });
      if (!result.valid || !('timeStep' in result)) return false;
      return (await methods.acceptTimeStep(scope, method.id, result.timeStep)) ? true : 'replayed';
    }
    if (!challenge.codeHash || isCall(challenge) || challenge.methodType === 'authenticator_push')
      return false;
    return verifyCode(await this.cipher.codeKey(scope.tenantId), code, challenge.codeHash);
  }

  /** "Resend code" kills the old code and sends a new one, but not more often than the cool-down allows. */
  private async coolDown(scope: TenantScope, previousId: string | undefined, method: Method): Promise<void> {
    if (!previousId) return;
    const previous = await challenges.findById(scope, previousId);
    if (!previous || previous.methodId !== method.id || previous.methodType === 'authenticator_code') return;
    const waited = (Date.now() - previous.createdAt.getTime()) / 1000;
    if (waited < RESEND_COOL_DOWN_SECONDS)
      throw new DomainError(
        429,
        'resend-too-soon',
        'Wait a moment',
        `We just sent you a code. You can ask for another in ${Math.ceil(RESEND_COOL_DOWN_SECONDS - waited)} seconds.`,
      ).retryAfter(RESEND_COOL_DOWN_SECONDS - waited);
  }

  private async send(
    scope: TenantScope,
    to: string,
    content: Parameters<Outbox['create']>[1]['content'],
    challengeId: string,
    id?: string,
    targetId?: string,
  ): Promise<Delivery> {
    const { delivery } = await this.outbox.create(scope, {
      ...(id ? { id } : {}),
      to,
      content,
      idempotencyKey: `challenge:${challengeId}`,
      challengeId,
      targetId: targetId ?? null,
    });
    return delivery;
  }
}

export const pushStopped = () =>
  new DomainError(
    403,
    'push-stopped',
    'Notifications stopped',
    'A sign-in to your account was reported as fraud, so notifications to your app are stopped until your organisation has checked it. Use another method or contact your local helpdesk.',
  );
