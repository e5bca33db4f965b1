import { createHmac, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  type Account as AccountRow,
  type Challenge,
  type Method,
  type TenantScope,
  challenges,
  devices,
  methods,
  tenants,
} from '@verity/db';
import { type NewMessage, Outbox } from '@verity/delivery';
import { type MethodType, type Policy, CATALOGUE, SECURITY_QUESTIONS, normaliseAnswer } from '@verity/policy';
import { PasswordHasher, TenantCipher, hashCode, randomDigits, verifyCode } from '@verity/secrets';
import { verifySync } from 'otplib';
import { type ApiConfig, CONFIG, publicUrlOf } from '../config.js';
import {
  type MethodDetails,
  type PhoneDetails,
  type PushDetails,
  type SecurityQuestionsDetails,
  type TotpDetails,
  deviceKeyOf,
  masked,
  openDetails,
} from '../methods/method-details.js';
import { parsePhone } from '../security-info/phone-numbers.js';
import { numberContext } from '../sign-in/contexts.js';
import { type PushContext, callMessage, pushMessage } from '../sign-in/challenge-messages.js';
import { challengeLifetimeSeconds, isCall } from '../sign-in/sign-in.service.js';
import type { ClientContext } from '../sign-in/user-events.js';

/** The kinds of check a password reset may offer (never a security key: it proves presence, not recovery). */
export type GateKind = Exclude<MethodType, 'security_key' | 'app_password'>;

/** A check asked for in a reset; `methodId` null when it was made for nobody (nothing sent, nothing passes). */
export interface GateChallenge extends Record<string, unknown> {
  id: string;
  kind: GateKind;
  methodId: string | null;
  expiresAt: string;
  /** The questions asked, when the check is security questions: every one must be answered right. */
  questionIds?: string[];
}

/** What the person gives to be sent a check: the number or address they registered, typed in full. */
export interface GateRequest {
  kind: GateKind;
  phone?: string | undefined;
  email?: string | undefined;
}

const NEEDS: Partial<Record<GateKind, 'phone' | 'email'>> = {
  mobile_text: 'phone',
  mobile_call: 'phone',
  alternate_call: 'phone',
  office_call: 'phone',
  email: 'email',
};

const ASK: Record<GateKind, string> = {
  authenticator_push: 'Approve a notification on my authenticator app',
  authenticator_code: 'Enter a code from my authenticator app',
  mobile_text: 'Text my mobile phone',
  mobile_call: 'Call my mobile phone',
  alternate_call: 'Call my alternate phone',
  office_call: 'Call my office phone',
  email: 'Email my alternate email address',
  security_questions: 'Answer my security questions',
};

/**
 * The checks of a password reset. What the person is offered, and every answer, is the same whether or not the
 * username names someone who may reset: numbers and addresses are typed in full by the person, and a check is
 * sent only when what they typed is one of the account's methods that may serve this gate. Otherwise a check is
 * made for nobody: the same answer, nothing sent, and no code ever passes it.
 */
@Injectable()
export class ResetGates {
  constructor(
    private readonly cipher: TenantCipher,
    private readonly outbox: Outbox,
    private readonly hasher: PasswordHasher,
    @Inject(CONFIG) private readonly config: ApiConfig,
  ) {}

  /** The checks the organisation allows for a reset, in the order of strength, as offered to anyone. */
  options(policy: Policy, questions: { id: string; text: string }[]) {
    const allowed = new Set(policy.allowedMethods);
    return policy.sspr.eligibleMethods
      .filter((t): t is GateKind => allowed.has(t) && t !== 'security_key' && t !== 'app_password')
      .sort((a, b) => CATALOGUE[a].strengthRank - CATALOGUE[b].strengthRank)
      .map((kind) => ({
        kind,
        label: ASK[kind],
        needs: NEEDS[kind] ?? (kind === 'security_questions' ? 'answers' : null),
        ...(kind === 'security_questions' ? { questions } : {}),
      }));
  }

  /**
   * The questions asked of this username: the account's own, or for anyone else the same made-up choice every
   * time (from a keyed hash of the username), so that asking shows nothing about who is registered.
   */
  async questions(
    scope: TenantScope,
    username: string,
    registered: Method[],
    policy: Policy,
  ): Promise<{ id: string; text: string }[]> {
    const count = policy.securityQuestions.questionsToReset;
    const own = registered.find((m) => m.type === 'security_questions');
    let ids: string[];
    if (own) {
      ids = (await openDetails<SecurityQuestionsDetails>(this.cipher, own)).answers
        .slice(0, count)
        .map((a) => a.questionId);
    } else {
      const key = await this.cipher.codeKey(scope.tenantId);
      const ranked = SECURITY_QUESTIONS.map((q) => ({
        id: q.id,
        rank: createHmac('sha256', key).update(`questions:${username}:${q.id}`).digest('hex'),
      })).sort((a, b) => a.rank.localeCompare(b.rank));
      ids = ranked.slice(0, count).map((q) => q.id);
    }
    return ids.map((id) => ({ id, text: SECURITY_QUESTIONS.find((q) => q.id === id)?.text ?? id }));
  }

  /**
   * The candidate this request names: a method of the account of that kind, on the device typed (for phones and
   * addresses), among those the policy lets serve this gate. `sameDevice` when it names a device already used.
   */
  async match(
    scope: TenantScope,
    request: GateRequest,
    candidates: Method[],
    used: Method[],
  ): Promise<{ method: Method | null; sameDevice: boolean }> {
    const ofKind = (list: Method[]) => list.filter((m) => m.type === request.kind);
    const typed = this.typedDetails(request);
    if (typed) {
      const ref = hashCode(await this.cipher.codeKey(scope.tenantId), deviceKeyOf(typed));
      const method = ofKind(candidates).find((m) => m.deviceRef.equals(ref)) ?? null;
      const sameDevice = !method && used.some((m) => m.deviceRef.equals(ref));
      return { method, sameDevice };
    }
    return { method: ofKind(candidates)[0] ?? null, sameDevice: false };
  }

  /** The number or address typed, in the form the method keeps it; null when the kind needs none or it is malformed. */
  typedDetails(request: GateRequest): MethodDetails | null {
    if (request.kind === 'email' && request.email)
      return { type: 'email', email: request.email.trim().toLowerCase() };
    if (NEEDS[request.kind] === 'phone' && request.phone) {
      const parsed = parsePhone(request.phone, request.kind as PhoneDetails['type']);
      return parsed.ok ? { type: request.kind as PhoneDetails['type'], phone: parsed.e164 } : null;
    }
    return null;
  }

  /**
   * A check: for `method`, the code or call or notification made and its message sealed in the outbox (sent
   * once the caller commits); for nobody, only what the screen shows. The screen is shown the same either way.
   */
  async issue(
    scope: TenantScope,
    flow: { id: string; client: ClientContext & { location?: string } },
    account: AccountRow | null,
    request: GateRequest,
    method: Method | null,
    policy: Policy,
    questions: { id: string; text: string }[],
  ) {
    const id = randomUUID();
    const expiresAt = new Date(Date.now() + challengeLifetimeSeconds(policy, request.kind) * 1000);
    const typed = this.typedDetails(request);
    const shown: Record<string, unknown> = {};
    if (request.kind === 'mobile_text' || request.kind === 'email')
      Object.assign(shown, { sentTo: typed ? masked(typed) : null, codeLength: 6 });
    else if (isCall({ methodType: request.kind }))
      Object.assign(shown, { calling: typed ? masked(typed) : null });
    const numberDigits = account?.elevated
      ? policy.push.elevatedNumberMatchingDigits
      : policy.push.numberMatchingDigits;
    const number = request.kind === 'authenticator_push' ? randomDigits(numberDigits) : null;
    if (number) shown.number = number;
    if (request.kind === 'security_questions') shown.questions = questions;

    let delivery = null;
    if (method && account) {
      const codeKey = await this.cipher.codeKey(scope.tenantId);
      const organisation = await tenants.own(scope);
      const details = await openDetails<MethodDetails>(this.cipher, method);
      let codeHash: Buffer | null = null;
      let context: Record<string, unknown> = {};
      let message: Omit<NewMessage, 'idempotencyKey'> | null = null;
      if (request.kind === 'mobile_text' || request.kind === 'email') {
        const code = randomDigits(6);
        codeHash = hashCode(codeKey, code);
        const text = `Use verification code ${code} to reset your ${organisation.name} password. If you did not ask for this, tell your local helpdesk.`;
        message =
          request.kind === 'email'
            ? {
                to: (details as { email: string }).email,
                content: { kind: 'email', subject: `Reset your ${organisation.name} password`, text },
              }
            : { to: (details as PhoneDetails).phone, content: { kind: 'sms', body: text } };
      } else if (isCall({ methodType: request.kind })) {
        message = callMessage(publicUrlOf(this.config), organisation.slug, (details as PhoneDetails).phone);
      } else if (request.kind === 'authenticator_push') {
        const deviceId = (details as PushDetails).deviceId;
        const pushContext: PushContext = {
          organisation: organisation.name,
          app: 'Password reset',
          ...(flow.client.location ? { location: flow.client.location } : {}),
          ...(flow.client.ip ? { ip: flow.client.ip } : {}),
          requestedAt: new Date().toISOString(),
          numberDigits,
          deviceId,
        };
        context = { ...pushContext };
        codeHash = hashCode(codeKey, `${numberContext(id)}:${number}`);
        message = await pushMessage(this.cipher, await devices.findById(scope, deviceId), organisation, {
          id,
          expiresAt,
          context: pushContext,
        });
      }
      await challenges.create(scope, {
        id,
        accountId: account.id,
        flowId: flow.id,
        methodId: method.id,
        methodType: request.kind,
        purpose: 'password_reset',
        codeHash,
        expiresAt,
        context,
      });
      if (message)
        ({ delivery } = await this.outbox.create(scope, {
          ...message,
          idempotencyKey: `challenge:${id}`,
          challengeId: id,
        }));
    }
    const challenge: GateChallenge = {
      id,
      kind: request.kind,
      methodId: method?.id ?? null,
      expiresAt: expiresAt.toISOString(),
      ...(request.kind === 'security_questions' ? { questionIds: questions.map((q) => q.id) } : {}),
    };
    return { challenge, delivery, shown: { challengeId: id, kind: request.kind, expiresAt, ...shown } };
  }

  /**
   * Whether the answer passes the check: a code (text, email, the app's TOTP, single use), the answers to the
   * questions, or for a call or a notification the approval already recorded. A check made for nobody never passes.
   */
  async passes(
    scope: TenantScope,
    gate: GateChallenge,
    answer: { code?: string | undefined; answers?: { questionId: string; answer: string }[] | undefined },
  ): Promise<{ passed: boolean; row: Challenge | null; timeStep?: number }> {
    if (!gate.methodId) {
      // the same work as a real check of a code, so that a check made for nobody takes as long
      verifyCode(await this.cipher.codeKey(scope.tenantId), answer.code ?? '', Buffer.alloc(32));
      return { passed: false, row: null };
    }
    const row = await challenges.findById(scope, gate.id);
    const method = await methods.findOfAccount(scope, row?.accountId ?? '', gate.methodId);
    if (!row || !method || row.status === 'denied' || row.expiresAt.getTime() <= Date.now())
      return { passed: false, row };
    switch (gate.kind) {
      case 'authenticator_code': {
        const { secret } = await openDetails<TotpDetails>(this.cipher, method);
        const result = verifySync({ secret, token: answer.code ?? '', epochTolerance: [30, 0] });
        return result.valid && 'timeStep' in result
          ? { passed: true, row, timeStep: result.timeStep }
          : { passed: false, row };
      }
      case 'security_questions': {
        const { answers } = await openDetails<SecurityQuestionsDetails>(this.cipher, method);
        const asked = gate.questionIds ?? [];
        let right = asked.length > 0;
        for (const id of asked) {
          const stored = answers.find((a) => a.questionId === id);
          const typed = answer.answers?.find((g) => g.questionId === id)?.answer ?? '';
          // every answer is checked, right or wrong, so a wrong first answer takes as long as a right one
          if (!stored || !(await this.hasher.verify(stored.hash, normaliseAnswer(typed)))) right = false;
        }
        return { passed: right, row };
      }
      case 'authenticator_push':
      case 'mobile_call':
      case 'alternate_call':
      case 'office_call':
        return { passed: row.status === 'approved', row };
      default:
        return {
          passed:
            row.status === 'pending' &&
            row.codeHash !== null &&
            verifyCode(await this.cipher.codeKey(scope.tenantId), answer.code ?? '', row.codeHash),
          row,
        };
    }
  }
}
