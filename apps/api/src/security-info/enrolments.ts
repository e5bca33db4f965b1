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
} from '@verity/db';
import { Outbox } from '@verity/delivery';
import {
  type MethodType,
  type Policy,
  CATALOGUE,
  answerProblem,
  compareStrength,
  decideAddMethod,
  deviceKeyFor,
  normaliseAnswer,
} from '@verity/policy';
import { PasswordHasher, TenantCipher, hashCode, verifyCode } from '@verity/secrets';
import { generateSecret, verifySync } from 'otplib';
import { type ApiConfig, CONFIG } from '../config.js';
import { verifyRegistration } from '../factors/security-key.js';
import {
  type MethodDetails,
  type PhoneDetails,
  deviceKeyOf,
  openDetails,
  saveMethod,
  sealDetails,
} from '../methods/method-details.js';
import { policyAccount, policyOf } from '../methods/policy-account.js';
import { DomainError, problems } from '../problem/problem.js';
import { refuseResendBefore } from '../sign-in/challenge.service.js';
import { DeviceService } from '../sign-in/device.service.js';
import { AttemptLimits } from '../sign-in/limits.js';
import { Notices } from '../sign-in/notices.js';
import { isCall } from '../sign-in/sign-in.service.js';
import { userEvent } from '../sign-in/user-events.js';
import { type Holder, holderKey } from './holder.js';
import { parsePhone } from './phone-numbers.js';
import {
  ANSWERS_PER_ENROLMENT,
  ENROLMENT_LIFETIME_MS,
  type Enrolled,
  type EnrolmentData,
  type EnrolmentState,
  NUMBER_IN_USE,
  PHONE_TYPES,
  type Pending,
  enrolmentGone,
  notYet,
  openPending,
  sealPending,
  sendsProof,
} from './enrolment-data.js';
export type { Enrolled } from './enrolment-data.js';
import { EnrolmentProofs } from './enrolment-proofs.js';
import type { EnrolmentAnswer, StartEnrolment } from './schemas.js';

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
    private readonly proofs: EnrolmentProofs,
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
        const activation = await this.devicesService.startActivation(
          scope,
          account.id,
          this.proofs.apiUrl,
          id,
        );
        data.deviceId = activation.deviceId;
        secret = {
          type: 'activation',
          link: activation.link,
          expiresAt: activation.expiresAt!.toISOString(),
        };
        state = 'app';
      } else if (body.type === 'security_key') {
        const options = await this.proofs.keyOptions(scope, account, policy);
        data.webauthnChallenge = options.challenge;
      }
      if (secret) data.pendingEnc = await sealPending(this.cipher, holder.tenantId, id, secret);
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
        const sent = await this.proofs.send(scope, flow, account, policy, holder);
        if (sent.delivery) outgoing.push(sent.delivery);
      }
      const latest = (await flows.findLive(scope, id, 'registration'))!;
      return {
        ...(await this.proofs.view(scope, latest, account)),
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
      return this.proofs.view(scope, flow, account);
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
      ({ delivery: sent, shown } = await this.proofs.send(
        scope,
        flow,
        account,
        await policyOf(scope),
        holder,
      ));
      return this.proofs.view(scope, (await flows.findLive(scope, enrolmentId, 'registration'))!, account);
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
    const pending = data.pendingEnc ? await openPending(this.cipher, flow) : null;
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
    const own = (await this.proofs.appMethods(scope, account.id, data.deviceId!)).filter(
      (m) => !m.verifiedAt,
    );
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

  private async deviceRef(scope: TenantScope, details: MethodDetails): Promise<string> {
    return hashCode(await this.cipher.codeKey(scope.tenantId), deviceKeyOf(details)).toString('hex');
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
}
