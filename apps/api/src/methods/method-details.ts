import { randomUUID } from 'node:crypto';
import { type Method, type TenantScope, methods } from '@verity/db';
import { type MethodType, deviceKeyFor } from '@verity/policy';
import { type TenantCipher, hashCode } from '@verity/secrets';
import type { SecurityKeyDetails } from '../factors/security-key.js';

export type { SecurityKeyDetails };

export interface PhoneDetails {
  type: 'mobile_text' | 'mobile_call' | 'alternate_call' | 'office_call';
  /** E.164. */
  phone: string;
}

export interface EmailDetails {
  type: 'email';
  email: string;
}

export interface TotpDetails {
  type: 'authenticator_code';
  /** Base32 seed. */
  secret: string;
  /** The Verity authenticator installation it lives in, when it is ours (push and code on one device). */
  deviceId?: string;
}

export interface PushDetails {
  type: 'authenticator_push';
  deviceId: string;
}

export interface AppPasswordDetails {
  type: 'app_password';
  name: string;
  /** The legacy protocols it may be used for. */
  scopes: string[];
  /** HMAC of the app password; the password itself is shown once and never stored. */
  hash: string;
}

export interface SecurityQuestionsDetails {
  type: 'security_questions';
  /** argon2id of each normalised answer, as for passwords. */
  answers: { questionId: string; hash: string }[];
}

export type MethodDetails =
  | PhoneDetails
  | EmailDetails
  | TotpDetails
  | PushDetails
  | SecurityKeyDetails
  | AppPasswordDetails
  | SecurityQuestionsDetails;

const detailsContext = (methodId: string) => `method:${methodId}:details`;

/** The physical device a method binds to, as the policy compares them (phone number, app install, key). */
export function deviceKeyOf(details: MethodDetails): string {
  switch (details.type) {
    case 'email':
      return deviceKeyFor('email', details.email);
    case 'authenticator_code':
      return deviceKeyFor(details.type, details.deviceId ?? `totp:${details.secret}`);
    case 'authenticator_push':
      return deviceKeyFor(details.type, details.deviceId);
    case 'security_key':
      return deviceKeyFor('security_key', details.credentialId);
    case 'app_password':
      return deviceKeyFor('app_password', details.hash);
    case 'security_questions':
      return deviceKeyFor('security_questions');
    default:
      return deviceKeyFor(details.type, details.phone);
  }
}

export async function openDetails<T extends MethodDetails = MethodDetails>(
  cipher: TenantCipher,
  method: Method,
): Promise<T> {
  return JSON.parse(
    await cipher.decryptText(method.tenantId, detailsContext(method.id), method.detailsEnc),
  ) as T;
}

/** Saves a verified method with its details encrypted and bound to its row. */
export async function saveMethod(
  scope: TenantScope,
  cipher: TenantCipher,
  data: {
    accountId: string;
    details: MethodDetails;
    label?: string | null;
    isDefault?: boolean;
    /** False for a method that waits for its own proof (an authenticator app's test notification). */
    verified?: boolean;
  },
): Promise<Method> {
  const id = randomUUID();
  const codeKey = await cipher.codeKey(scope.tenantId);
  return methods.create(scope, {
    id,
    accountId: data.accountId,
    type: data.details.type satisfies MethodType,
    label: data.label ?? null,
    detailsEnc: await cipher.encrypt(scope.tenantId, detailsContext(id), JSON.stringify(data.details)),
    deviceRef: hashCode(codeKey, deviceKeyOf(data.details)),
    isDefault: data.isDefault ?? false,
    verifiedAt: data.verified === false ? null : new Date(),
  });
}

/** A method's details encrypted and bound to its row. */
export function sealDetails(
  cipher: TenantCipher,
  method: Pick<Method, 'tenantId' | 'id'>,
  details: MethodDetails,
): Promise<Buffer> {
  return cipher.encrypt(method.tenantId, detailsContext(method.id), JSON.stringify(details));
}

/** How a phone number or address is shown back to its owner: enough to recognise, not to read off. */
export function masked(details: MethodDetails): string | null {
  if ('phone' in details)
    return `${details.phone.slice(0, 3)} ${'•'.repeat(details.phone.length - 6)}${details.phone.slice(-2)}`;
  if (details.type === 'email') {
    const [user = '', domain = ''] = details.email.split('@');
    return `${user.slice(0, 1)}•••@${domain}`;
  }
  return null;
}
