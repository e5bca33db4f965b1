import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  type Account as AccountRow,
  type Delivery,
  type Flow,
  type Method,
  type TenantScope,
  Tenancy,
  accounts,
  audit,
  challenges,
  devices,
  flows,
  methods,
  tenants,
} from '@verity/db';
import { type NewMessage, Outbox } from '@verity/delivery';
import {
  type MethodType,
  type Policy,
  CATALOGUE,
  SECURITY_QUESTIONS,
  answerProblem,
  compareStrength,
  decideAddMethod,
  deviceKeyFor,
  normaliseAnswer,
} from '@verity/policy';
import { PasswordHasher, TenantCipher, hashCode, randomDigits, verifyCode } from '@verity/secrets';
import { generateSecret, verifySync } from 'otplib';
import { type ApiConfig, CONFIG } from '../config.js';
import { registrationOptions, verifyRegistration } from '../factors/security-key.js';
import {
  type MethodDetails,
  type PhoneDetails,
  type SecurityKeyDetails,
  deviceKeyOf,
  masked,
  openDetails,
  saveMethod,
  sealDetails,
} from '../methods/method-details.js';
import { policyAccount, policyOf } from '../methods/policy-account.js';
import { DomainError, problems } from '../problem/problem.js';
import { refuseResendBefore } from '../sign-in/challenge.service.js';
import { numberContext } from '../sign-in/contexts.js';
import { DeviceService } from '../sign-in/device.service.js';
import { AttemptLimits } from '../sign-in/limits.js';
import { Notices } from '../sign-in/notices.js';
import { type PushContext, pushMessage } from '../sign-in/push-message.js';
import { challengeLifetimeSeconds, isCall } from '../sign-in/sign-in.service.js';
import { userEvent } from '../sign-in/user-events.js';
import { type Holder, holderKey } from './holder.js';
import { parsePhone } from './phone-numbers.js';
import { qrPng, qrSvg, totpUri } from './qr.js';
import type { EnrolmentAnswer, StartEnrolment } from './schemas.js';

/** How long a method being added waits for its proof; an app being set up gets as long as its activation. */
const ENROLMENT_LIFETIME_MS = 15 * 60_000;
/** Codes, calls or notifications one enrolment may send, "Resend code" included. */
const SENDS_PER_ENROLMENT = 5;
/** Wrong codes one enrolment takes before it is void and must be started again. */
const ANSWERS_PER_ENROLMENT = 5;

type EnrolmentType = Exclude<MethodType, 'app_password'>;
type EnrolmentState = 'app' | 'ready' | 'sent' | 'complete';
type Pending = MethodDetails | { type: 'activation'; link: string; expiresAt: string };

/** A method being added, in a `flows` row of kind `registration`; its secret parts only encrypted. */
interface EnrolmentData extends Record<string, unknown> {
  type: EnrolmentType;
  label: string | null;
  holder: string;
  /** The details the method will have (phone, address, TOTP seed; the app's activation link), encrypted. */
  pendingEnc?: string;
  /** The method whose phone this replaces ("Change" on Security info). */
  replaces?: string;
  deviceId?: string;
  challengeId?: string;
  webauthnChallenge?: string;
  sends: number;
  wrongAnswers: number;
  methodIds?: string[];
}

export interface Enrolled {
  methods: Method[];
  /** Deliveries to send once the caller's transaction commits. */
  notices: Delivery[];
}

const PHONE_TYPES = new Set(['mobile_text', 'mobile_call', 'alternate_call', 'office_call']);

const pendingContext = (enrolmentId: string) => `enrolment:${enrolmentId}:details`;

const NUMBER_IN_USE = {
  code: 'NUMBER_IN_USE',
  message:
    'That number is already one of your sign-in phones. Enter a different number, or delete the other phone first.',
};

const enrolmentGone = () => problems.notFound('enrolment');

const notYet = (message: string) => new DomainError(409, 'not-verified-yet', 'Not yet', message);

/**
 * Adding a method, each proved before it counts: a code texted, emailed or a call answered for phones and
 * addresses, the first code of a TOTP app, a test notification approved in the authenticator app, a WebAuthn
 * registration ceremony, answers to security questions. The same for Security info and the registration wizard;
 * the holder decides who may go on with it.
 */
@Injectable()
export class Enrolments {
  constructor(
    private readonly tenancy: Tenancy,
    private readonly cipher: TenantCipher,
    private readonly outbox: Outbox,
    private readonly notices: Notices,
    private readonly devicesService: DeviceService,
    private readonly limits: AttemptLimits,
    private readonly hasher: PasswordHasher,
    @Inject(CONFIG) private readonly config: ApiConfig,
  ) {}

  /** "Add sign-in method" (or "Change" of a phone, with `replaces`): checked against the policy, then the proof asked for. */
  async start(holder: Holder, body: StartEnrolment, replaces?: Method) {
    const outgoing: Delivery[] = [];
    const view = await this.tenancy.run(holder.tenantId, async (scope) => {
      const account = await accounts.findById(scope, holder.accountId);
      if (!account) throw enrolmentGone();
      const policy = await policyOf(scope);
      const registered = await methods.verifiedOf(scope, account.id);
      const id = randomUUID();
      const { details: pending, extension } = this.pendingDetails(body);
      const others = replaces
        ? registered.filter((m) => !m.deviceRef.equals(replaces.deviceRef))
        : registered;
      const ref = pending ? await this.deviceRef(scope, pending) : null;
      const decision = decideAddMethod(
        policyAccount(account, others),
        {
          type: body.type,
          deviceKey: ref ? deviceKeyFor(body.type, ref) : `new:${id}`,
          ...(extension ? { extension } : {}),
        },
        policy,
        { now: new Date() },
      );
      if (decision.outcome === 'refused') throw problems.methodRefused(decision.reasons);
      // a new number for a phone must be a new phone: merging two would drop a device without the minimum's check
      if (replaces && ref && others.some((m) => m.deviceRef.toString('hex') === ref))
        throw problems.methodRefused([NUMBER_IN_USE]);

      const data: EnrolmentData = {
        type: body.type,
        label: body.label ?? null,
        holder: holderKey(holder),
        sends: 0,
        wrongAnswers: 0,
        ...(replaces ? { replaces: replaces.id } : {}),
      };
      let state: EnrolmentState = 'ready';
      let secret: Pending | null = pending;
      if (body.type === 'authenticator_push') {
        const activation = await this.devicesService.startActivation(scope, account.id, this.apiUrl, id);
        data.deviceId = activation.deviceId;
        secret = {
          type: 'activation',
          link: activation.link,
          expiresAt: activation.expiresAt!.toISOString(),
        };
        state = 'app';
      } else if (body.type === 'security_key') {
        const options = await this.keyOptions(scope, account, policy);
        data.webauthnChallenge = options.challenge;
      }
      if (secret)
        data.pendingEnc = (
          await this.cipher.encrypt(holder.tenantId, pendingContext(id), JSON.stringify(secret))
        ).toString('base64');
      const flow = await flows.create(scope, {
        id,
        kind: 'registration',
        accountId: account.id,
        state,
        data,
        expiresAt: new Date(Date.now() + ENROLMENT_LIFETIME_MS),
      });
      await audit.record(
        scope,
        userEvent(account.id, 'security_info.enrolment_started', 'success', holder.client, {
          method: body.type,
          enrolmentId: id,
          ...(replaces ? { replaces: replaces.id } : {}),
          notices: decision.notices.map((n) => n.code),
        }),
      );
      if (state === 'ready' && sendsProof(body.type)) {
        const sent = await this.send(scope, flow, account, policy, holder);
        if (sent.delivery) outgoing.push(sent.delivery);
      }
      const latest = (await flows.findLive(scope, id, 'registration'))!;
      return {
        ...(await this.view(scope, latest, account)),
        notices: decision.notices.map((n) => ({ code: n.code, message: n.message })),
      };
    });
    await this.notices.dispatch(outgoing, view.enrolmentId);
    return view;
  }

  /** Where the enrolment stands: the QR code, the number to type, whether the call was answered. Changes nothing. */
  async status(holder: Holder, enrolmentId: string) {
    return this.tenancy.run(holder.tenantId, async (scope) => {
      const { flow, account } = await this.own(scope, holder, enrolmentId);
      return this.view(scope, flow, account);
    });
  }

  /**
   * "Resend code", "Call me" again, or, once the authenticator app is set up, the test notification ("Next" on
   * "Scan the QR code"). The old code dies; not sooner than the cool-down, and at most five sends.
   */
  async resend(holder: Holder, enrolmentId: string) {
    let sent: Delivery | null = null;
    let shown: Record<string, unknown> = {};
    const view = await this.tenancy.run(holder.tenantId, async (scope) => {
      const { flow, account } = await this.own(scope, holder, enrolmentId);
      const data = flow.data as EnrolmentData;
      if (!sendsProof(data.type) && data.type !== 'authenticator_push')
        throw notYet('This method is proved without a message: nothing to send.');
      if (data.type === 'authenticator_push') await this.refuseUntilActivated(scope, data);
      const previous = data.challengeId ? await challenges.findById(scope, data.challengeId) : null;
      if (previous) refuseResendBefore(previous.createdAt);
      ({ delivery: sent, shown } = await this.send(scope, flow, account, await policyOf(scope), holder));
      return this.view(scope, (await flows.findLive(scope, enrolmentId, 'registration'))!, account);
    });
    await this.notices.dispatch([sent], enrolmentId);
    return { ...view, ...shown };
  }

  /**
   * The proof: the code, the security key's credential, the answers; for a call or a test notification,
   * nothing (the answer came by phone or from the app). Once it holds, the method is saved, in the caller's
   * transaction, and what the holder must be told is returned.
   */
  async verify(
    holder: Holder,
    enrolmentId: string,
    answer: EnrolmentAnswer,
    within?: (scope: TenantScope, enrolled: Enrolled) => Promise<void>,
  ): Promise<Enrolled> {
    await this.limits.answer(holder.tenantId, `${holderKey(holder)}:${enrolmentId}`);
    const outcome = await this.tenancy.run(holder.tenantId, async (scope) => {
      const result = await this.check(scope, holder, enrolmentId, answer);
      if (!(result instanceof DomainError)) await within?.(scope, result);
      return result;
    });
    // a wrong answer is counted (committed) before it is refused
    if (outcome instanceof DomainError) throw outcome;
    await this.notices.dispatch(outcome.notices, enrolmentId);
    return outcome;
  }

  private async check(
    scope: TenantScope,
    holder: Holder,
    enrolmentId: string,
    answer: EnrolmentAnswer,
  ): Promise<Enrolled | DomainError> {
    const { flow, account } = await this.own(scope, holder, enrolmentId);
    const data = flow.data as EnrolmentData;
    const policy = await policyOf(scope);
    const pending = data.pendingEnc ? await this.pending(flow) : null;
    let details: MethodDetails;
    let timeStep: number | undefined;

    switch (data.type) {
      case 'authenticator_code': {
        const { secret } = pending as { secret: string };
        const result = verifySync({ secret, token: answer.code ?? '', epochTolerance: [30, 0] });
        if (!result.valid || !('timeStep' in result)) return this.wrong(scope, flow, account, holder);
        details = { type: 'authenticator_code', secret };
        timeStep = result.timeStep;
        break;
      }
      case 'security_key': {
        if (answer.credential === undefined)
          throw problems.validation([{ field: 'credential', message: 'is required' }]);
        try {
          details = await verifyRegistration({
            response: answer.credential,
            expectedChallenge: data.webauthnChallenge!,
            expectedOrigin: this.config.WEBAUTHN_ORIGINS,
            rpId: this.config.WEBAUTHN_RP_ID,
          });
        } catch {
          return this.wrong(scope, flow, account, holder);
        }
        break;
      }
      case 'security_questions':
        details = await this.answersOf(policy, answer);
        break;
      case 'authenticator_push':
        return this.appApproved(scope, flow, account, holder, policy);
      default: {
        const challenge = data.challengeId ? await challenges.findById(scope, data.challengeId) : null;
        if (!challenge || challenge.expiresAt.getTime() <= Date.now())
          throw notYet('The code has expired. Ask for a new one.');
        if (isCall(challenge)) {
          if (challenge.status !== 'approved')
            throw notYet('We have not had your answer to the call yet. Answer it and press the hash key.');
        } else if (
          challenge.status !== 'pending' ||
          !challenge.codeHash ||
          !verifyCode(await this.cipher.codeKey(holder.tenantId), answer.code ?? '', challenge.codeHash)
        )
          return this.wrong(scope, flow, account, holder);
        else if (!(await challenges.settle(scope, challenge.id, 'approved'))) throw enrolmentGone();
        details = pending as MethodDetails;
      }
    }
    return this.complete(scope, flow, account, holder, policy, [details], timeStep);
  }

  /** The device whose test notification was approved: its push and code methods count from now. */
  private async appApproved(
    scope: TenantScope,
    flow: Flow,
    account: AccountRow,
    holder: Holder,
    policy: Policy,
  ): Promise<Enrolled> {
    const data = flow.data as EnrolmentData;
    await this.refuseUntilActivated(scope, data);
    const challenge = data.challengeId ? await challenges.findById(scope, data.challengeId) : null;
    if (challenge?.status !== 'approved')
      throw notYet(
        challenge && challenge.status !== 'pending'
          ? 'The notification was denied or has expired. Send another.'
          : 'Approve the notification in the authenticator app first.',
      );
    const own = (await this.appMethods(scope, account.id, data.deviceId!)).filter((m) => !m.verifiedAt);
    return this.complete(scope, flow, account, holder, policy, own);
  }

  private async complete(
    scope: TenantScope,
    flow: Flow,
    account: AccountRow,
    holder: Holder,
    policy: Policy,
    added: (MethodDetails | Method)[],
    timeStep?: number,
  ): Promise<Enrolled> {
    const data = flow.data as EnrolmentData;
    if (!(await flows.advance(scope, flow, { state: 'complete', completed: true }))) throw enrolmentGone();
    const registered = await methods.verifiedOf(scope, account.id);
    const replaced = data.replaces ? registered.find((m) => m.id === data.replaces) : undefined;
    if (data.replaces && !replaced) throw enrolmentGone();

    let saved: Method[];
    const notices: Delivery[] = [];
    if (replaced) {
      const details = added[0] as PhoneDetails;
      const before = await this.openPhone(replaced);
      saved = await this.replacePhone(scope, registered, replaced, details);
      const old = await this.notices.phoneReplaced(scope, account.id, before, details.phone);
      if (old) notices.push(old);
    } else {
      saved = [];
      for (const item of added) {
        saved.push(
          'detailsEnc' in item
            ? item
            : await saveMethod(scope, this.cipher, {
                accountId: account.id,
                details: item,
                label: data.label,
              }),
        );
      }
      if (saved[0]?.type === 'authenticator_push')
        await methods.markVerified(
          scope,
          saved.map((m) => m.id),
        );
      if (timeStep !== undefined) await methods.useTimeStep(scope, saved[0]!.id, timeStep);
      const current = registered.find((m) => m.isDefault);
      const first = saved[0]!;
      const type = first.type as MethodType;
      if (
        CATALOGUE[type].mayBeDefault &&
        (!current ||
          (!policy.defaultMethod.userMayChoose && compareStrength(type, current.type as MethodType) < 0))
      )
        await methods.makeDefault(scope, account.id, first.id);
    }
    await audit.record(
      scope,
      userEvent(
        account.id,
        replaced ? 'security_info.phone_changed' : 'security_info.method_added',
        'success',
        holder.client,
        {
          method: data.type,
          methodIds: saved.map((m) => m.id),
          ...(replaced ? { replaced: replaced.id } : {}),
        },
      ),
    );
    const told = await this.notices.securityInfoChanged(
      scope,
      account.id,
      replaced
        ? 'The phone number you use to sign in was changed.'
        : `${CATALOGUE[data.type].label} was added to your security info.`,
      saved.map((m) => m.deviceRef),
    );
    if (told) notices.push(told);
    const fresh = await methods.findOfAccount(scope, account.id, saved[0]!.id);
    return { methods: fresh ? [fresh, ...saved.slice(1)] : saved, notices };
  }

  /** A wrong code counts against the enrolment; five and it is void. */
  private async wrong(
    scope: TenantScope,
    flow: Flow,
    account: AccountRow,
    holder: Holder,
  ): Promise<DomainError> {
    const data = flow.data as EnrolmentData;
    const wrongAnswers = data.wrongAnswers + 1;
    const over = wrongAnswers >= ANSWERS_PER_ENROLMENT;
    await flows.advance(scope, flow, { state: flow.state, data: { ...data, wrongAnswers }, completed: over });
    await audit.record(
      scope,
      userEvent(account.id, 'security_info.enrolment_failed', 'failure', holder.client, {
        method: data.type,
        enrolmentId: flow.id,
        wrongAnswers,
      }),
    );
    return new DomainError(
      400,
      'wrong-code',
      'Wrong code',
      over
        ? 'That code didn’t work, and too many wrong codes were entered. Start again.'
        : data.type === 'security_key'
          ? 'The security key could not be registered. Try again.'
          : 'That code didn’t work. Check the code and try again.',
    );
  }

  private async send(
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
      const pending = (await this.pending(flow)) as MethodDetails;
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
        const deliveryId = randomUUID();
        message = {
          id: deliveryId,
          to: (pending as PhoneDetails).phone,
          content: {
            kind: 'voice',
            instructionsUrl: `${this.apiUrl}/webhooks/twilio/${organisation.slug}/voice/${deliveryId}`,
          },
        };
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

  private async view(scope: TenantScope, flow: Flow, account: AccountRow) {
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
        ? ((await this.pending(flow)) as MethodDetails)
        : null;
    const organisation = await tenants.own(scope);
    switch (data.type) {
      case 'authenticator_push': {
        const device = await devices.findById(scope, data.deviceId!);
        if (device?.status !== 'active') {
          // the activation link is shown only to the holder, and only until the app is set up
          const { link, expiresAt } = (await this.pending(flow)) as Extract<Pending, { type: 'activation' }>;
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

  /** The enrolment, if it is this holder's and alive; the same 404 otherwise. */
  private async own(scope: TenantScope, holder: Holder, enrolmentId: string) {
    const flow = await flows.findLive(scope, enrolmentId, 'registration');
    const data = flow?.data as EnrolmentData | undefined;
    if (
      !flow ||
      flow.completedAt ||
      flow.accountId !== holder.accountId ||
      data?.holder !== holderKey(holder)
    )
      throw enrolmentGone();
    const account = await accounts.findById(scope, holder.accountId);
    if (!account) throw enrolmentGone();
    return { flow, account };
  }

  /** What the method will hold, parsed and checked now (a phone in E.164, an address); null when made later. */
  private pendingDetails(body: StartEnrolment): { details: MethodDetails | null; extension?: string } {
    switch (body.type) {
      case 'mobile_text':
      case 'mobile_call':
      case 'alternate_call':
      case 'office_call': {
        const parsed = parsePhone(body.phone, body.type);
        if (!parsed.ok) throw problems.validation([{ field: 'phone', message: parsed.message }]);
        return {
          details: { type: body.type, phone: parsed.e164 },
          ...(parsed.extension ? { extension: parsed.extension } : {}),
        };
      }
      case 'email':
        return { details: { type: 'email', email: body.email.trim().toLowerCase() } };
      case 'authenticator_code':
        return { details: { type: 'authenticator_code', secret: generateSecret() } };
      default:
        return { details: null };
    }
  }

  private async appMethods(scope: TenantScope, accountId: string, deviceId: string): Promise<Method[]> {
    const ref = hashCode(
      await this.cipher.codeKey(scope.tenantId),
      deviceKeyOf({ type: 'authenticator_push', deviceId }),
    );
    return methods.onDevice(scope, accountId, ref);
  }

  private async deviceRef(scope: TenantScope, details: MethodDetails): Promise<string> {
    return hashCode(await this.cipher.codeKey(scope.tenantId), deviceKeyOf(details)).toString('hex');
  }

  private async pending(flow: Flow): Promise<Pending> {
    const data = flow.data as EnrolmentData;
    return JSON.parse(
      await this.cipher.decryptText(
        flow.tenantId,
        pendingContext(flow.id),
        Buffer.from(data.pendingEnc!, 'base64'),
      ),
    ) as Pending;
  }

  private async openPhone(method: Method): Promise<string> {
    return (await openDetails<PhoneDetails>(this.cipher, method)).phone;
  }

  /** Every method on the old phone (a text and a call to it are one phone) moves to the new number. */
  private async replacePhone(
    scope: TenantScope,
    registered: Method[],
    replaced: Method,
    details: PhoneDetails,
  ): Promise<Method[]> {
    const onPhone = registered.filter(
      (m) => PHONE_TYPES.has(m.type) && m.deviceRef.equals(replaced.deviceRef),
    );
    const codeKey = await this.cipher.codeKey(scope.tenantId);
    const saved: Method[] = [];
    for (const method of onPhone) {
      const moved: PhoneDetails = { type: method.type as PhoneDetails['type'], phone: details.phone };
      await methods.replaceDetails(
        scope,
        method.id,
        await sealDetails(this.cipher, method, moved),
        hashCode(codeKey, deviceKeyOf(moved)),
      );
      // as saved: the new number and its device reference, not the rows read before the move
      saved.push((await methods.findOfAccount(scope, method.accountId, method.id))!);
    }
    return saved;
  }

  private async refuseUntilActivated(scope: TenantScope, data: EnrolmentData) {
    const device = await devices.findById(scope, data.deviceId!);
    if (device?.status !== 'active')
      throw notYet('Scan the QR code with the authenticator app first, then choose Next.');
  }

  private async keyOptions(scope: TenantScope, account: AccountRow, policy: Policy, challenge?: string) {
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

  private async answersOf(policy: Policy, answer: EnrolmentAnswer): Promise<MethodDetails> {
    const answers = answer.answers ?? [];
    const needed = policy.securityQuestions.questionsToRegister;
    const issues: { field: string; message: string }[] = [];
    const ids = new Set(answers.map((a) => a.questionId));
    if (answers.length !== needed || ids.size !== answers.length)
      issues.push({ field: 'answers', message: `must answer ${needed} different questions` });
    answers.forEach((a, i) => {
      const problem = answerProblem(a.questionId, a.answer);
      if (problem) issues.push({ field: `answers.${i}.answer`, message: problem });
    });
    if (issues.length > 0) throw problems.validation(issues);
    return {
      type: 'security_questions',
      answers: await Promise.all(
        answers.map(async (a) => ({
          questionId: a.questionId,
          hash: await this.hasher.hash(normaliseAnswer(a.answer)),
        })),
      ),
    };
  }

  private get apiUrl(): string {
    return this.config.PUBLIC_URL ?? `http://${this.config.API_HOST}:${this.config.API_PORT}`;
  }
}

function sendsProof(type: EnrolmentType): boolean {
  return type === 'mobile_text' || type === 'email' || isCall({ methodType: type });
}

async function qrImages(text: string) {
  return { png: `data:image/png;base64,${(await qrPng(text)).toString('base64')}`, svg: await qrSvg(text) };
}
