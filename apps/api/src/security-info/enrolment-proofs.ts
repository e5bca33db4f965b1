import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  type Account as AccountRow,
  type Delivery,
  type Flow,
  type Method,
  type TenantScope,
  challenges,
  devices,
  flows,
  methods,
  tenants,
} from '@verity/db';
import { type NewMessage, Outbox } from '@verity/delivery';
import { type Policy, SECURITY_QUESTIONS } from '@verity/policy';
import { TenantCipher, hashCode, randomDigits } from '@verity/secrets';
import { type ApiConfig, CONFIG, publicUrlOf } from '../config.js';
import { registrationOptions } from '../factors/security-key.js';
import {
  type MethodDetails,
  type PhoneDetails,
  type SecurityKeyDetails,
  deviceKeyOf,
  masked,
  openDetails,
} from '../methods/method-details.js';
import { policyOf } from '../methods/policy-account.js';
import { DomainError } from '../problem/problem.js';
import { numberContext } from '../sign-in/contexts.js';
import { type PushContext, callMessage, pushMessage } from '../sign-in/challenge-messages.js';
import { challengeLifetimeSeconds, isCall } from '../sign-in/sign-in.service.js';
import {
  type EnrolmentData,
  type Pending,
  SENDS_PER_ENROLMENT,
  enrolmentGone,
  openPending,
} from './enrolment-data.js';
import type { Holder } from './holder.js';
import { qrPng, qrSvg, totpUri } from './qr.js';

/**
 * What an enrolment sends (a code by text or email, a call, the app's test notification) and what it shows its
 * holder (QR codes, the TOTP secret, WebAuthn options, the questions), for each kind of method.
 */
@Injectable()
export class EnrolmentProofs {
  constructor(
    private readonly cipher: TenantCipher,
    private readonly outbox: Outbox,
    @Inject(CONFIG) private readonly config: ApiConfig,
  ) {}

  /** The code, call or test notification of an enrolment: the old one dies; at most five. */
  async send(
    scope: TenantScope,
    flow: Flow,
    account: AccountRow,
    policy: Policy,
    holder: Holder,
  ): Promise<{ delivery: Delivery | null; shown: Record<string, unknown> }> {
    const data = flow.data as EnrolmentData;
    if (data.sends >= SENDS_PER_ENROLMENT)
      throw new DomainError(
        429,
        'too-many-sends',
        'Too many codes',
        'We have sent as many codes as we can for this. Start again, or choose another method.',
      );
    const organisation = await tenants.own(scope);
    const codeKey = await this.cipher.codeKey(scope.tenantId);
    const challengeId = randomUUID();
    const expiresAt = new Date(Date.now() + challengeLifetimeSeconds(policy, data.type) * 1000);
    let codeHash: Buffer | null = null;
    let context: Record<string, unknown> = {};
    let message: Omit<NewMessage, 'idempotencyKey'> | null;
    let methodId: string | null = null;
    let shown: Record<string, unknown> = {};

    if (data.type === 'authenticator_push') {
      const device = await devices.findById(scope, data.deviceId!);
      const push = (await this.appMethods(scope, account.id, data.deviceId!)).find(
        (m) => m.type === 'authenticator_push',
      );
      const numberDigits = account.elevated
        ? policy.push.elevatedNumberMatchingDigits
        : policy.push.numberMatchingDigits;
      const number = randomDigits(numberDigits);
      const pushContext: PushContext = {
        organisation: organisation.name,
        app: 'Security info',
        ...(holder.client.location ? { location: holder.client.location } : {}),
        ...(holder.client.ip ? { ip: holder.client.ip } : {}),
        requestedAt: new Date().toISOString(),
        numberDigits,
        deviceId: data.deviceId!,
      };
      context = { ...pushContext };
      codeHash = hashCode(codeKey, `${numberContext(challengeId)}:${number}`);
      methodId = push?.id ?? null;
      message = await pushMessage(this.cipher, device, organisation, {
        id: challengeId,
        expiresAt,
        context: pushContext,
      });
      shown = { number };
    } else {
      const pending = (await openPending(this.cipher, flow)) as MethodDetails;
      if (data.type === 'mobile_text' || data.type === 'email') {
        const code = randomDigits(6);
        codeHash = hashCode(codeKey, code);
        const text = `Use verification code ${code} to add this ${data.type === 'email' ? 'address' : 'phone'} to your ${organisation.name} security info.`;
        message =
          data.type === 'email'
            ? {
                to: (pending as { email: string }).email,
                content: { kind: 'email', subject: `Your ${organisation.name} verification code`, text },
              }
            : { to: (pending as PhoneDetails).phone, content: { kind: 'sms', body: text } };
      } else {
        message = callMessage(this.apiUrl, organisation.slug, (pending as PhoneDetails).phone);
      }
    }
    if (data.challengeId) await challenges.settle(scope, data.challengeId, 'expired');
    await challenges.create(scope, {
      id: challengeId,
      accountId: account.id,
      flowId: flow.id,
      methodId,
      methodType: data.type,
      purpose: 'registration',
      codeHash,
      expiresAt,
      context,
    });
    if (
      !(await flows.advance(scope, flow, {
        state: 'sent',
        data: { ...data, challengeId, sends: data.sends + 1 },
      }))
    )
      throw enrolmentGone();
    if (!message) return { delivery: null, shown };
    const { delivery } = await this.outbox.create(scope, {
      ...message,
      idempotencyKey: `challenge:${challengeId}`,
      challengeId,
    });
    return { delivery, shown };
  }
  /** What the enrolment shows its holder now: the QR code, where the code went, whether the call was answered. */
  async view(scope: TenantScope, flow: Flow, account: AccountRow) {
    const data = flow.data as EnrolmentData;
    const base = {
      enrolmentId: flow.id,
      type: data.type,
      expiresAt: flow.expiresAt,
      ...(data.replaces ? { replaces: data.replaces } : {}),
    };
    if (flow.state === 'complete') return { ...base, state: 'verified' };
    const challenge = data.challengeId ? await challenges.findById(scope, data.challengeId) : null;
    const pending =
      data.pendingEnc && data.type !== 'authenticator_push'
        ? ((await openPending(this.cipher, flow)) as MethodDetails)
        : null;
    const organisation = await tenants.own(scope);
    switch (data.type) {
      case 'authenticator_push': {
        const device = await devices.findById(scope, data.deviceId!);
        if (device?.status !== 'active') {
          // the activation link is shown only to the holder, and only until the app is set up
          const { link, expiresAt } = (await openPending(this.cipher, flow)) as Extract<
            Pending,
            { type: 'activation' }
          >;
          return {
            ...base,
            state: 'waiting_for_app',
            activation: { link, expiresAt, qr: await qrImages(link) },
          };
        }
        if (!challenge) return { ...base, state: 'app_activated' };
        return {
          ...base,
          state:
            challenge.status === 'approved'
              ? 'notification_approved'
              : challenge.status === 'pending'
                ? 'notification_sent'
                : 'notification_denied',
        };
      }
      case 'authenticator_code': {
        const { secret } = pending as { secret: string };
        const uri = totpUri({ issuer: organisation.name, label: account.username, secret });
        return {
          ...base,
          state: 'waiting_for_code',
          totp: { uri, secret, digits: 6, period: 30, qr: await qrImages(uri) },
        };
      }
      case 'security_key': {
        const options = await this.keyOptions(scope, account, await policyOf(scope), data.webauthnChallenge);
        return { ...base, state: 'waiting_for_security_key', publicKey: options };
      }
      case 'security_questions': {
        const policy = await policyOf(scope);
        return {
          ...base,
          state: 'waiting_for_answers',
          questions: { answer: policy.securityQuestions.questionsToRegister, from: SECURITY_QUESTIONS },
        };
      }
      default:
        return isCall({ methodType: data.type })
          ? {
              ...base,
              state: challenge?.status === 'approved' ? 'call_answered' : 'calling',
              calling: masked(pending!),
            }
          : { ...base, state: 'code_sent', sentTo: masked(pending!), codeLength: 6 };
    }
  }
  /** The push and code methods of an authenticator app installation. */
  async appMethods(scope: TenantScope, accountId: string, deviceId: string): Promise<Method[]> {
    const ref = hashCode(
      await this.cipher.codeKey(scope.tenantId),
      deviceKeyOf({ type: 'authenticator_push', deviceId }),
    );
    return methods.onDevice(scope, accountId, ref);
  }
  /** WebAuthn creation options for a new security key, excluding the person's keys; with the kept challenge. */
  async keyOptions(scope: TenantScope, account: AccountRow, policy: Policy, challenge?: string) {
    const keys = await methods.ofType(scope, account.id, 'security_key');
    const ids: string[] = [];
    for (const key of keys) {
      ids.push((await openDetails<SecurityKeyDetails>(this.cipher, key)).credentialId);
    }
    const options = await registrationOptions({
      rpId: this.config.WEBAUTHN_RP_ID,
      rpName: (await tenants.own(scope)).name,
      userId: account.id,
      userName: account.username,
      userDisplayName: account.displayName,
      excludeCredentialIds: ids,
      attestation: policy.securityKeys.attestation,
    });
    return challenge ? { ...options, challenge } : options;
  }

  get apiUrl(): string {
    return publicUrlOf(this.config);
  }
}

async function qrImages(text: string) {
  return { png: `data:image/png;base64,${(await qrPng(text)).toString('base64')}`, svg: await qrSvg(text) };
}
