import { CATALOGUE, METHOD_TYPES, type MethodType } from './catalogue.js';

// Every decision explains itself with reasons: a stable machine-readable code for logs and the API,
// and one plain-English sentence that an NHS member of staff sees.

export type ReasonCode =
  // why a registered method is not offered
  | 'METHOD_DISABLED'
  | 'NOT_FOR_SIGN_IN'
  | 'NOT_FOR_SSPR'
  | 'NOT_SSPR_ELIGIBLE'
  | 'ELEVATED_METHOD_REFUSED'
  | 'QUESTIONS_NEVER_FOR_ELEVATED'
  | 'OFFICE_PHONE_HYBRID'
  // sign-in
  | 'TRUSTED_NETWORK'
  | 'REMEMBERED_DEVICE'
  | 'MFA_OFF_NETWORK'
  | 'MFA_ELEVATED_RIGHTS'
  | 'MFA_SECURITY_INFO_CHANGE'
  | 'NO_METHOD_REGISTERED'
  | 'NO_USABLE_METHOD'
  | 'ELEVATED_NO_ALLOWED_METHOD'
  | 'DEFAULT_USER_CHOICE'
  | 'DEFAULT_STRONGEST'
  | 'DEFAULT_CHOICE_UNAVAILABLE'
  // self-service password reset
  | 'SSPR_DISABLED'
  | 'SSPR_NOT_ENOUGH_METHODS'
  | 'SSPR_NEEDS_DIFFERENT_DEVICES'
  | 'SSPR_NEEDS_STRONG_METHOD'
  | 'SSPR_UNKNOWN_METHOD'
  | 'SSPR_GATE_NOT_ALLOWED'
  | 'SSPR_SAME_DEVICE'
  | 'SSPR_NEXT_GATE'
  | 'SSPR_ALL_GATES_PASSED'
  // registration wizard
  | 'REGISTRATION_COMPLETE'
  | 'REGISTRATION_NEEDS_METHODS'
  | 'REGISTRATION_NEEDS_STRONG_METHOD'
  | 'REGISTRATION_NOTHING_TO_OFFER'
  | 'REGISTRATION_SIGN_IN_READY'
  | 'ALREADY_REGISTERED_TYPE'
  | 'EMAIL_NOT_FIRST'
  | 'NOT_FIRST'
  | 'SECURITY_INFO_ONLY'
  | 'DOES_NOT_HELP'
  | 'SNOOZE_AVAILABLE'
  | 'SNOOZE_DISABLED'
  | 'SNOOZE_USED_UP'
  | 'SNOOZE_NOT_FOR_ELEVATED'
  // security info changes
  | 'METHOD_NOT_FOUND'
  | 'ALREADY_REGISTERED'
  | 'OFFICE_PHONE_EXTENSION'
  | 'APP_PASSWORD_NOT_FOR_ELEVATED'
  | 'BELOW_MFA_MINIMUM'
  | 'BELOW_SSPR_MINIMUM'
  | 'DEFAULT_NEVER_EMAIL'
  | 'NOT_DEFAULT_CAPABLE'
  | 'DEFAULT_CHOICE_DISABLED'
  | 'ELEVATED_DEFAULT_REFUSED'
  | 'ELEVATED_RIGHTS_NUDGE'
  | 'ELEVATED_RESET_ONLY'
  // elevated rights
  | 'NOT_ELEVATED'
  | 'ELEVATED_COMPLIANT'
  | 'ELEVATED_NOT_YET'
  | 'ELEVATED_ADD_METHOD'
  | 'ELEVATED_SET_DEFAULT'
  // passwords
  | 'PASSWORD_TOO_SHORT'
  | 'PASSWORD_TOO_LONG'
  | 'PASSWORD_BLOCKLISTED'
  | 'PASSWORD_CONTEXT_WORD'
  | 'PASSWORD_BREACHED'
  // throttles
  | 'PUSH_OUTSTANDING'
  | 'PUSH_RATE_LIMITED'
  | 'LOCKED_OUT'
  | 'SSPR_TOO_MANY_ATTEMPTS'
  // policy safety (when an administrator saves a policy)
  | 'UNSAFE_SSPR_ONLY_WEAK_METHODS'
  | 'UNSAFE_SSPR_WEAK_SINGLE_GATE'
  | 'UNSAFE_RESTRICTED_WITHOUT_STRONGER'
  | 'UNSAFE_NO_SIGN_IN_METHOD'
  | 'UNSAFE_NO_FIRST_METHOD'
  | 'UNSAFE_ELEVATED_NOTHING_USABLE'
  | 'UNSAFE_REGISTRATION_IMPOSSIBLE'
  | 'UNSAFE_SHORT_PASSWORD'
  | 'UNSAFE_TRUSTED_NETWORK_TOO_BROAD';

export interface Reason {
  readonly code: ReasonCode;
  /** The sentence shown to people, e.g. "Office phone is disabled by your organisation." */
  readonly message: string;
  /** The method the reason is about, when there is one. */
  readonly method?: MethodType;
}

export function reason(code: ReasonCode, message: string, method?: MethodType): Reason {
  return Object.freeze(method === undefined ? { code, message } : { code, message, method });
}

/** How a method reads inside a sentence ("can't use a text message"). */
export const METHOD_PHRASE: Readonly<Record<MethodType, string>> = Object.freeze({
  security_key: 'a security key or passkey',
  authenticator_push: 'an authenticator app notification',
  authenticator_code: 'an authenticator app code',
  mobile_call: 'a call to your mobile phone',
  alternate_call: 'a call to your alternate phone',
  office_call: 'your office phone',
  mobile_text: 'a text message',
  email: 'email',
  security_questions: 'security questions',
  app_password: 'an app password',
});

function byType(make: (type: MethodType) => Reason): Readonly<Record<MethodType, Reason>> {
  const out = {} as Record<MethodType, Reason>;
  for (const type of METHOD_TYPES) out[type] = make(type);
  return Object.freeze(out);
}

export const METHOD_DISABLED = byType((t) =>
  reason('METHOD_DISABLED', `${CATALOGUE[t].label} is disabled by your organisation.`, t),
);

export const NOT_FOR_SIGN_IN = byType((t) =>
  reason(
    'NOT_FOR_SIGN_IN',
    t === 'app_password'
      ? 'App passwords work only in older apps that cannot use MFA, not for signing in here.'
      : `${CATALOGUE[t].label} can be used only to reset your password, not to sign in.`,
    t,
  ),
);

export const NOT_FOR_SSPR = byType((t) =>
  reason(
    'NOT_FOR_SSPR',
    t === 'security_key'
      ? 'Security keys and passkeys cannot be used to reset your password.'
      : `${CATALOGUE[t].label} cannot be used to reset your password.`,
    t,
  ),
);

export const NOT_SSPR_ELIGIBLE = byType((t) =>
  reason(
    'NOT_SSPR_ELIGIBLE',
    `Your organisation does not let you use ${METHOD_PHRASE[t]} to reset your password.`,
    t,
  ),
);

export const OFFICE_PHONE_HYBRID = reason(
  'OFFICE_PHONE_HYBRID',
  'Office phone cannot be used by Office 365 Hybrid accounts.',
  'office_call',
);

export const QUESTIONS_NEVER_FOR_ELEVATED = reason(
  'QUESTIONS_NEVER_FOR_ELEVATED',
  'Security questions cannot be used by accounts with elevated rights.',
  'security_questions',
);

export const APP_PASSWORD_NOT_FOR_ELEVATED = reason(
  'APP_PASSWORD_NOT_FOR_ELEVATED',
  'Accounts with elevated rights cannot create app passwords.',
  'app_password',
);

export const ALREADY_REGISTERED_TYPE = byType((t) =>
  reason('ALREADY_REGISTERED_TYPE', `You have already set up ${METHOD_PHRASE[t]}.`, t),
);

export const NOT_FIRST = byType((t) =>
  reason(
    t === 'email' ? 'EMAIL_NOT_FIRST' : 'NOT_FIRST',
    `You can add ${METHOD_PHRASE[t]} only after you have set up the authenticator app or a phone.`,
    t,
  ),
);

export const SECURITY_INFO_ONLY = byType((t) =>
  reason('SECURITY_INFO_ONLY', `You can add ${METHOD_PHRASE[t]} later, from your Security info page.`, t),
);

export const DOES_NOT_HELP = byType((t) =>
  reason(
    'DOES_NOT_HELP',
    CATALOGUE[t].sspr
      ? `${CATALOGUE[t].label} cannot be used to sign in, and you already have enough ways to reset your password.`
      : `${CATALOGUE[t].label} cannot be used to reset your password, which is what you still need to set up.`,
    t,
  ),
);

export const NOT_DEFAULT_CAPABLE = byType((t) =>
  t === 'email'
    ? reason('DEFAULT_NEVER_EMAIL', 'Email can never be your default sign-in method.', t)
    : reason('NOT_DEFAULT_CAPABLE', `${CATALOGUE[t].label} cannot be your default sign-in method.`, t),
);

const LONG_MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** "2023-11-30" → "30 November 2023" (the way NHS pages write dates). */
export function formatIsoDate(isoDate: string): string {
  const [y, m, d] = isoDate.split('-').map(Number);
  return `${d} ${LONG_MONTHS[(m ?? 1) - 1]} ${y}`;
}

/** ["a", "b", "c"] → "a, b or c" */
export function joinOr(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
