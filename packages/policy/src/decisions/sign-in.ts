import type { Account, DecisionTime, RegisteredMethod } from '../account.js';
import { compilePolicy, elevatedModeOf, signInBlockers, type CompiledPolicy } from '../compile.js';
import { reason, type Reason } from '../reasons.js';
import type { Policy } from '../schema.js';
import { numberMatchingDigits } from './throttles.js';
import { insertByRank, type UnavailableMethod } from './common.js';

export interface SignInContext extends DecisionTime {
  /** The client's IP address, as the API sees it after trusted proxies. */
  readonly ip?: string;
  /** When the person last completed MFA on this device and asked to be remembered. */
  readonly rememberedDeviceAt?: Date;
  /** 'security_info': the person is about to change their security info, which always needs MFA. */
  readonly purpose?: 'sign_in' | 'security_info';
}

export type SignInDecision =
  | {
      readonly outcome: 'no_mfa';
      readonly reasons: readonly Reason[];
    }
  | {
      readonly outcome: 'mfa';
      /** Why MFA is needed this time. */
      readonly reasons: readonly Reason[];
      /** Methods the prompt may use, strongest first. Never email, security questions or app passwords. */
      readonly methods: readonly RegisteredMethod[];
      readonly defaultMethod: RegisteredMethod;
      readonly defaultReason: Reason;
      readonly unavailable: readonly UnavailableMethod[];
      readonly numberMatchingDigits: number;
      readonly voiceConfirmation: 'press_hash' | 'key_number';
    }
  | {
      /** No method that can sign in is registered: send the person to the registration wizard. */
      readonly outcome: 'register';
      readonly reasons: readonly Reason[];
      readonly unavailable: readonly UnavailableMethod[];
    }
  | {
      /** Methods are registered but none may be used: the person needs the local helpdesk. */
      readonly outcome: 'blocked';
      readonly reasons: readonly Reason[];
      readonly unavailable: readonly UnavailableMethod[];
    };

const TRUSTED_NETWORK = [
  reason(
    'TRUSTED_NETWORK',
    'You are signing in from your organisation’s network, so no extra check is needed.',
  ),
] as const;
const REMEMBERED_DEVICE = [
  reason('REMEMBERED_DEVICE', 'You proved who you are on this device recently, so no extra check is needed.'),
] as const;
const MFA_OFF_NETWORK = [
  reason(
    'MFA_OFF_NETWORK',
    'You are signing in from outside your organisation’s network or on a new device, so we need to check it is you.',
  ),
] as const;
const MFA_ELEVATED_RIGHTS = [
  reason('MFA_ELEVATED_RIGHTS', 'Your account has elevated rights, so it always needs a second check.'),
] as const;
const MFA_SECURITY_INFO_CHANGE = [
  reason('MFA_SECURITY_INFO_CHANGE', 'We always check it is you before you change your security info.'),
] as const;
const NO_METHOD_REGISTERED = [
  reason(
    'NO_METHOD_REGISTERED',
    'Your organisation requires you to set up the following methods of proving who you are.',
  ),
] as const;
const NO_USABLE_METHOD = [
  reason(
    'NO_USABLE_METHOD',
    'None of the methods you have set up can be used to sign in. Contact your local helpdesk.',
  ),
] as const;
const DEFAULT_USER_CHOICE = reason('DEFAULT_USER_CHOICE', 'This is the default sign-in method you chose.');
const DEFAULT_STRONGEST = reason(
  'DEFAULT_STRONGEST',
  'This is the strongest sign-in method you have set up.',
);
const DEFAULT_CHOICE_UNAVAILABLE = reason(
  'DEFAULT_CHOICE_UNAVAILABLE',
  'Your chosen default sign-in method cannot be used, so we picked the strongest one you have set up.',
);

function rememberedDeviceValid(compiled: CompiledPolicy, context: SignInContext, nowMs: number): boolean {
  if (compiled.rememberedDeviceMs === 0 || context.rememberedDeviceAt === undefined) return false;
  const at = context.rememberedDeviceAt.getTime();
  return at <= nowMs && nowMs - at < compiled.rememberedDeviceMs;
}

/**
 * Does this sign-in need MFA, and with which methods? No MFA on a trusted network or a remembered
 * device, except for accounts with elevated rights and before changing security info.
 */
export function decideSignIn(account: Account, policy: Policy, context: SignInContext): SignInDecision {
  const compiled = compilePolicy(policy);
  const nowMs = context.now.getTime();

  let why: readonly Reason[];
  if (context.purpose === 'security_info') why = MFA_SECURITY_INFO_CHANGE;
  else if (account.elevatedRights) why = MFA_ELEVATED_RIGHTS;
  else if (compiled.isTrustedNetwork(context.ip)) return { outcome: 'no_mfa', reasons: TRUSTED_NETWORK };
  else if (rememberedDeviceValid(compiled, context, nowMs))
    return { outcome: 'no_mfa', reasons: REMEMBERED_DEVICE };
  else why = MFA_OFF_NETWORK;

  const mode = elevatedModeOf(account, compiled, nowMs);
  const rules = compiled.signIn[mode];
  const userMayChoose = policy.defaultMethod.userMayChoose;
  const offered: RegisteredMethod[] = [];
  const ranks: number[] = [];
  const unavailable: UnavailableMethod[] = [];
  let anySignInCapable = false;
  let refusedByElevatedRule = false;
  let hasUserDefault = false;
  let userChoice: RegisteredMethod | undefined;
  let strongestDefaultCapable: RegisteredMethod | undefined;
  let strongestDefaultRank = Number.POSITIVE_INFINITY;
  for (const method of account.methods) {
    const rule = rules[method.type];
    if (rule.signInMfa) anySignInCapable = true;
    if (method.isDefault === true) hasUserDefault = true;
    if (rule.blockers.length > 0 || (method.type === 'office_call' && account.hybrid === true)) {
      const reasons =
        method.type === 'office_call' ? signInBlockers(compiled, account, method.type, mode) : rule.blockers;
      unavailable.push({ method, reasons });
      if (rule.refusedByElevatedRule && rule.signInMfa) refusedByElevatedRule = true;
      continue;
    }
    insertByRank(offered, ranks, method, rule.strengthRank);
    if (rule.mayBeDefault) {
      if (method.isDefault === true && userMayChoose && userChoice === undefined) userChoice = method;
      if (rule.strengthRank < strongestDefaultRank) {
        strongestDefaultRank = rule.strengthRank;
        strongestDefaultCapable = method;
      }
    }
  }

  if (offered.length === 0) {
    if (!anySignInCapable) return { outcome: 'register', reasons: NO_METHOD_REGISTERED, unavailable };
    const reasons = refusedByElevatedRule
      ? [
          reason(
            'ELEVATED_NO_ALLOWED_METHOD',
            `Since ${compiled.effectiveDateText} accounts with elevated rights must use ${compiled.elevatedMethodsPhrase}, and you have not set one up. Contact your local helpdesk.`,
          ),
        ]
      : NO_USABLE_METHOD;
    return { outcome: 'blocked', reasons, unavailable };
  }

  // The person's choice; else the strongest that may be a default; else the strongest offered.
  const defaultMethod = userChoice ?? strongestDefaultCapable ?? offered[0]!;
  const defaultReason = userChoice
    ? DEFAULT_USER_CHOICE
    : userMayChoose && hasUserDefault
      ? DEFAULT_CHOICE_UNAVAILABLE
      : DEFAULT_STRONGEST;

  return {
    outcome: 'mfa',
    reasons: why,
    methods: offered,
    defaultMethod,
    defaultReason,
    unavailable,
    numberMatchingDigits: numberMatchingDigits(account, policy),
    voiceConfirmation: policy.voice.confirmation,
  };
}
