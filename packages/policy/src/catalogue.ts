// The method catalogue: every authentication method Verity knows, what it is good for and how strong
// it is. This module is the only place the strength order and the method-by-purpose table live.

export const METHOD_TYPES = [
  'security_key',
  'authenticator_push',
  'authenticator_code',
  'mobile_call',
  'alternate_call',
  'office_call',
  'mobile_text',
  'email',
  'security_questions',
  'app_password',
] as const;

export type MethodType = (typeof METHOD_TYPES)[number];

export type Channel = 'push' | 'sms' | 'voice' | 'email' | 'none';

/** What a registered method binds to; the prefix of its device key. */
export type DeviceKind = 'key' | 'app' | 'phone' | 'email' | 'questions' | 'app_password';

export interface MethodSpec {
  readonly type: MethodType;
  /** How staff see the method named on screens ("Office phone is disabled by your organisation."). */
  readonly label: string;
  /** 1 is strongest. Methods of equal rank are equally strong. */
  readonly strengthRank: number;
  readonly phishingResistant: boolean;
  /** May satisfy the second factor at sign-in. */
  readonly signInMfa: boolean;
  /** May serve as a gate in self-service password reset. */
  readonly sspr: boolean;
  /** May be the first method a person registers. */
  readonly mayBeFirst: boolean;
  /** May be the default sign-in method. */
  readonly mayBeDefault: boolean;
  /** Email and security questions: never sufficient on their own (security.md conflicts 1 and 5). */
  readonly weak: boolean;
  /** SMS and voice over the phone network: NIST "restricted" authenticators. */
  readonly restricted: boolean;
  readonly channel: Channel;
  readonly device: DeviceKind;
}

function spec(s: MethodSpec): MethodSpec {
  return Object.freeze(s);
}

export const CATALOGUE: Readonly<Record<MethodType, MethodSpec>> = Object.freeze({
  security_key: spec({
    type: 'security_key',
    label: 'Security key or passkey',
    strengthRank: 1,
    phishingResistant: true,
    signInMfa: true,
    sspr: false,
    mayBeFirst: true,
    mayBeDefault: true,
    weak: false,
    restricted: false,
    channel: 'none',
    device: 'key',
  }),
  authenticator_push: spec({
    type: 'authenticator_push',
    label: 'Authenticator app notification',
    strengthRank: 2,
    phishingResistant: false,
    signInMfa: true,
    sspr: true,
    mayBeFirst: true,
    mayBeDefault: true,
    weak: false,
    restricted: false,
    channel: 'push',
    device: 'app',
  }),
  authenticator_code: spec({
    type: 'authenticator_code',
    label: 'Authenticator app code',
    strengthRank: 3,
    phishingResistant: false,
    signInMfa: true,
    sspr: true,
    mayBeFirst: true,
    mayBeDefault: true,
    weak: false,
    restricted: false,
    channel: 'none',
    device: 'app',
  }),
  mobile_call: spec({
    type: 'mobile_call',
    label: 'Call to your mobile phone',
    strengthRank: 4,
    phishingResistant: false,
    signInMfa: true,
    sspr: true,
    mayBeFirst: true,
    mayBeDefault: true,
    weak: false,
    restricted: true,
    channel: 'voice',
    device: 'phone',
  }),
  alternate_call: spec({
    type: 'alternate_call',
    label: 'Call to your alternate phone',
    strengthRank: 4,
    phishingResistant: false,
    signInMfa: true,
    sspr: true,
    mayBeFirst: false,
    mayBeDefault: false,
    weak: false,
    restricted: true,
    channel: 'voice',
    device: 'phone',
  }),
  office_call: spec({
    type: 'office_call',
    label: 'Office phone',
    strengthRank: 4,
    phishingResistant: false,
    signInMfa: true,
    sspr: true,
    mayBeFirst: false,
    mayBeDefault: false,
    weak: false,
    restricted: true,
    channel: 'voice',
    device: 'phone',
  }),
  mobile_text: spec({
    type: 'mobile_text',
    label: 'Text message to your mobile phone',
    strengthRank: 5,
    phishingResistant: false,
    signInMfa: true,
    sspr: true,
    mayBeFirst: true,
    mayBeDefault: true,
    weak: false,
    restricted: true,
    channel: 'sms',
    device: 'phone',
  }),
  email: spec({
    type: 'email',
    label: 'Email',
    strengthRank: 6,
    phishingResistant: false,
    signInMfa: false,
    sspr: true,
    mayBeFirst: false,
    mayBeDefault: false,
    weak: true,
    restricted: false,
    channel: 'email',
    device: 'email',
  }),
  security_questions: spec({
    type: 'security_questions',
    label: 'Security questions',
    strengthRank: 7,
    phishingResistant: false,
    signInMfa: false,
    sspr: true,
    mayBeFirst: false,
    mayBeDefault: false,
    weak: true,
    restricted: false,
    channel: 'none',
    device: 'questions',
  }),
  // Not an MFA method at all: ranked last only so that sorting by strength is total.
  app_password: spec({
    type: 'app_password',
    label: 'App password',
    strengthRank: 8,
    phishingResistant: false,
    signInMfa: false,
    sspr: false,
    mayBeFirst: false,
    mayBeDefault: false,
    weak: true,
    restricted: false,
    channel: 'none',
    device: 'app_password',
  }),
});

/** Every method, strongest first (catalogue order breaks ties). */
export const METHODS_BY_STRENGTH: readonly MethodSpec[] = Object.freeze(
  METHOD_TYPES.map((t) => CATALOGUE[t]).sort((a, b) => a.strengthRank - b.strengthRank),
);

export const SIGN_IN_METHOD_TYPES: readonly MethodType[] = Object.freeze(
  METHOD_TYPES.filter((t) => CATALOGUE[t].signInMfa),
);
export const SSPR_METHOD_TYPES: readonly MethodType[] = Object.freeze(
  METHOD_TYPES.filter((t) => CATALOGUE[t].sspr),
);

/** Methods that an elevated-rights rule may allow: push with number matching and FIDO2 (conflict 4). */
export const ELEVATED_CAPABLE_TYPES = ['authenticator_push', 'security_key'] as const;
export type ElevatedCapableType = (typeof ELEVATED_CAPABLE_TYPES)[number];

export function isMethodType(value: unknown): value is MethodType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(CATALOGUE, value);
}

/** Negative when `a` is stronger than `b`. */
export function compareStrength(a: MethodType, b: MethodType): number {
  return CATALOGUE[a].strengthRank - CATALOGUE[b].strengthRank;
}

/**
 * The device key of a method instance: two methods with the same key are one physical device, so
 * they can never serve as two separate SSPR gates. A text and a call to the same number share
 * `phone:<number>`; push and code from the same app installation share `app:<installationId>`.
 */
export function deviceKeyFor(
  type: 'mobile_text' | 'mobile_call' | 'alternate_call' | 'office_call',
  phoneE164: string,
): string;
export function deviceKeyFor(
  type: 'authenticator_push' | 'authenticator_code',
  appInstallationId: string,
): string;
export function deviceKeyFor(type: 'security_key', credentialId: string): string;
export function deviceKeyFor(type: 'email', address: string): string;
export function deviceKeyFor(type: 'security_questions' | 'app_password', id?: string): string;
export function deviceKeyFor(type: MethodType, detail?: string): string;
export function deviceKeyFor(type: MethodType, detail = ''): string {
  const kind = CATALOGUE[type].device;
  switch (kind) {
    case 'phone':
      return `phone:${detail.replace(/[\s()-]/g, '')}`;
    case 'email':
      return `email:${detail.trim().toLowerCase()}`;
    case 'questions':
      // All of a person's questions are one secret they know: one "device".
      return 'questions';
    default:
      return `${kind}:${detail}`;
  }
}
