import type { Delivery, Flow, Method } from '@verity/db';
import type { MethodType } from '@verity/policy';
import type { TenantCipher } from '@verity/secrets';
import type { MethodDetails } from '../methods/method-details.js';
import { DomainError, problems } from '../problem/problem.js';
import { isCall } from '../sign-in/sign-in.service.js';

/** How long a method being added waits for its proof; an app being set up gets as long as its activation. */
export const ENROLMENT_LIFETIME_MS = 15 * 60_000;
/** Codes, calls or notifications one enrolment may send, "Resend code" included. */
export const SENDS_PER_ENROLMENT = 5;
/** Wrong codes one enrolment takes before it is void and must be started again. */
export const ANSWERS_PER_ENROLMENT = 5;

export type EnrolmentType = Exclude<MethodType, 'app_password'>;
export type EnrolmentState = 'app' | 'ready' | 'sent' | 'complete';
export type Pending = MethodDetails | { type: 'activation'; link: string; expiresAt: string };

/** A method being added, in a `flows` row of kind `registration`; its secret parts only encrypted. */
export interface EnrolmentData extends Record<string, unknown> {
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

export const PHONE_TYPES = new Set(['mobile_text', 'mobile_call', 'alternate_call', 'office_call']);

export const pendingContext = (enrolmentId: string) => `enrolment:${enrolmentId}:details`;

export const NUMBER_IN_USE = {
  code: 'NUMBER_IN_USE',
  message:
    'That number is already one of your sign-in phones. Enter a different number, or delete the other phone first.',
};

export const enrolmentGone = () => problems.notFound('enrolment');

export const notYet = (message: string) => new DomainError(409, 'not-verified-yet', 'Not yet', message);

/** What the method will hold (or the app's activation link), as the enrolment keeps it: encrypted, bound to it. */
export async function sealPending(
  cipher: TenantCipher,
  tenantId: string,
  enrolmentId: string,
  pending: Pending,
) {
  return (await cipher.encrypt(tenantId, pendingContext(enrolmentId), JSON.stringify(pending))).toString(
    'base64',
  );
}

export async function openPending(cipher: TenantCipher, flow: Flow): Promise<Pending> {
  const data = flow.data as EnrolmentData;
  return JSON.parse(
    await cipher.decryptText(flow.tenantId, pendingContext(flow.id), Buffer.from(data.pendingEnc!, 'base64')),
  ) as Pending;
}

/** Phones and addresses are proved by a message (a code, a call); the other methods by what the person gives. */
export function sendsProof(type: EnrolmentType): boolean {
  return type === 'mobile_text' || type === 'email' || isCall({ methodType: type });
}
