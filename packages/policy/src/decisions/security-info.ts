import type { Account, DecisionTime, RegisteredMethod } from '../account.js';
import { CATALOGUE, compareStrength, type MethodType } from '../catalogue.js';
import {
  compilePolicy,
  ElevatedMode,
  elevatedModeOf,
  signInBlockers,
  ssprBlockers,
  type CompiledPolicy,
} from '../compile.js';
import {
  APP_PASSWORD_NOT_FOR_ELEVATED,
  METHOD_DISABLED,
  METHOD_PHRASE,
  NOT_DEFAULT_CAPABLE,
  NOT_FIRST,
  OFFICE_PHONE_HYBRID,
  QUESTIONS_NEVER_FOR_ELEVATED,
  plural,
  reason,
  type Reason,
} from '../reasons.js';
import type { Policy } from '../schema.js';
import { coverageOf, pickDefault, shortfallOf } from './common.js';

// Changes on the Security info page: add a method, remove one, make one the default.

export type SecurityInfoDecision =
  | { readonly outcome: 'allowed'; readonly reasons: readonly Reason[]; readonly notices: readonly Reason[] }
  | { readonly outcome: 'refused'; readonly reasons: readonly Reason[]; readonly notices: readonly Reason[] };

export type RemoveMethodDecision = SecurityInfoDecision & {
  /** The default sign-in method after the removal, when the removed method was the default. */
  readonly newDefault?: RegisteredMethod;
};

/** A method the person wants to add, as the API has parsed it. */
export interface NewMethod {
  readonly type: MethodType;
  readonly deviceKey: string;
  /** The extension of an office number ("x123"), when one was given. */
  readonly extension?: string;
}

const NONE: readonly Reason[] = Object.freeze([]);
const OFFICE_PHONE_EXTENSION = reason(
  'OFFICE_PHONE_EXTENSION',
  'MFA does not support routing of calls via switchboards or other telephony routing services. A direct dial telephone number is required.',
  'office_call',
);
const METHOD_NOT_FOUND = [
  reason('METHOD_NOT_FOUND', 'That method is not one of the methods you have set up.'),
] as const;
const DEFAULT_CHOICE_DISABLED = reason(
  'DEFAULT_CHOICE_DISABLED',
  'Your organisation uses the strongest method you have set up as your default sign-in method.',
);

function allowed(reasons: readonly Reason[] = NONE, notices: readonly Reason[] = NONE): SecurityInfoDecision {
  return { outcome: 'allowed', reasons, notices };
}

function refused(reasons: readonly Reason[]): SecurityInfoDecision {
  return { outcome: 'refused', reasons, notices: NONE };
}

function elevatedNudge(compiled: CompiledPolicy, type: MethodType): Reason {
  return reason(
    'ELEVATED_RIGHTS_NUDGE',
    `From ${compiled.effectiveDateText} accounts with elevated rights must sign in with ${compiled.elevatedMethodsPhrase}, so you will not be able to sign in with ${METHOD_PHRASE[type]} then.`,
    type,
  );
}

/** Seed 004 limits how elevated rights sign in; a method they cannot sign in with may still prove a reset. */
function elevatedResetOnly(compiled: CompiledPolicy, type: MethodType): Reason {
  return reason(
    'ELEVATED_RESET_ONLY',
    `Accounts with elevated rights cannot sign in with ${METHOD_PHRASE[type]} from ${compiled.effectiveDateText}; you can use it only to reset your password.`,
    type,
  );
}

/**
 * May this method be added? Email not first; office phone only if allowed, direct dial and not hybrid;
 * after the effective date, elevated rights add other methods than theirs only for password reset.
 */
export function decideAddMethod(
  account: Account,
  method: NewMethod,
  policy: Policy,
  context: DecisionTime,
): SecurityInfoDecision {
  const compiled = compilePolicy(policy);
  const mode = elevatedModeOf(account, compiled, context.now.getTime());
  const t = method.type;
  const spec = CATALOGUE[t];
  const reasons: Reason[] = [];

  if (!compiled.allowed[t]) reasons.push(METHOD_DISABLED[t]);
  if (t === 'office_call' && method.extension !== undefined && method.extension.trim() !== '')
    reasons.push(OFFICE_PHONE_EXTENSION);
  if (t === 'office_call' && account.hybrid) reasons.push(OFFICE_PHONE_HYBRID);
  if (account.elevatedRights && t === 'security_questions') reasons.push(QUESTIONS_NEVER_FOR_ELEVATED);
  else if (account.elevatedRights && t === 'app_password') reasons.push(APP_PASSWORD_NOT_FOR_ELEVATED);
  const { hasFirstMethod } = coverageOf(compiled, account, account.methods, mode);
  const resetOnly =
    mode === ElevatedMode.ElevatedEnforced &&
    !compiled.elevatedAllowed[t] &&
    t !== 'security_questions' &&
    t !== 'app_password';
  if (resetOnly && !(hasFirstMethod && mayReset(compiled, account, t, mode)))
    reasons.push(compiled.elevatedRefused[t]);
  if (!spec.mayBeFirst && !hasFirstMethod) reasons.push(NOT_FIRST[t]);
  if (account.methods.some((m) => m.type === t && m.deviceKey === method.deviceKey)) {
    reasons.push(
      reason('ALREADY_REGISTERED', `You have already set up ${METHOD_PHRASE[t]} for this device.`, t),
    );
  }

  if (reasons.length > 0) return refused(reasons);
  if (resetOnly) return allowed(NONE, [elevatedResetOnly(compiled, t)]);
  if (mode === ElevatedMode.ElevatedBefore && !compiled.elevatedAllowed[t])
    return allowed(NONE, [elevatedNudge(compiled, t)]);
  return allowed();
}

/** Can this type serve as a password reset check for this person? */
function mayReset(compiled: CompiledPolicy, account: Account, t: MethodType, mode: ElevatedMode): boolean {
  return compiled.policy.sspr.enabled && ssprBlockers(compiled, account, t, mode).length === 0;
}

/** May this method be removed? Not if that takes the person below the sign-in or SSPR minimum. */
export function decideRemoveMethod(
  account: Account,
  methodId: string,
  policy: Policy,
  context: DecisionTime,
): RemoveMethodDecision {
  const method = account.methods.find((m) => m.id === methodId);
  if (!method) return refused(METHOD_NOT_FOUND);

  const compiled = compilePolicy(policy);
  const mode = elevatedModeOf(account, compiled, context.now.getTime());
  const remaining = account.methods.filter((m) => m !== method);
  const before = coverageOf(compiled, account, account.methods, mode);
  const after = coverageOf(compiled, account, remaining, mode);
  const shortBefore = shortfallOf(compiled, before);
  const shortAfter = shortfallOf(compiled, after);

  const reasons: Reason[] = [];
  if (shortAfter.mfa > shortBefore.mfa) {
    const n = policy.registration.mfaMethodsRequired;
    reasons.push(
      reason(
        'BELOW_MFA_MINIMUM',
        `You must keep at least ${plural(n, 'method')} you can sign in with. Add another method before you remove this one.`,
        method.type,
      ),
    );
  }
  if (shortAfter.sspr > shortBefore.sspr) {
    const n = policy.sspr.methodsToRegister;
    reasons.push(
      reason(
        'BELOW_SSPR_MINIMUM',
        shortAfter.ssprNeedsStrong && !shortBefore.ssprNeedsStrong
          ? 'You must keep the authenticator app or a phone for resetting your password. Add another before you remove this one.'
          : `You must keep at least ${plural(n, 'method')} on different devices for resetting your password. Add another method before you remove this one.`,
        method.type,
      ),
    );
  }
  if (reasons.length > 0) return refused(reasons);

  if (!method.isDefault) return allowed();
  const offered = remaining
    .filter((m) => signInBlockers(compiled, account, m.type, mode).length === 0)
    .sort((a, b) => compareStrength(a.type, b.type));
  const next = pickDefault(offered, false);
  return next ? { ...allowed(), newDefault: next.method } : allowed();
}

/** May this method become the default? Never email; after the effective date, elevated rights only push or key. */
export function decideSetDefault(
  account: Account,
  methodId: string,
  policy: Policy,
  context: DecisionTime,
): SecurityInfoDecision {
  const method = account.methods.find((m) => m.id === methodId);
  if (!method) return refused(METHOD_NOT_FOUND);

  const compiled = compilePolicy(policy);
  const mode = elevatedModeOf(account, compiled, context.now.getTime());
  const t = method.type;
  const reasons: Reason[] = [];
  if (!policy.defaultMethod.userMayChoose) reasons.push(DEFAULT_CHOICE_DISABLED);
  if (!CATALOGUE[t].mayBeDefault) reasons.push(NOT_DEFAULT_CAPABLE[t]);
  else {
    if (!compiled.allowed[t]) reasons.push(METHOD_DISABLED[t]);
    if (mode === ElevatedMode.ElevatedEnforced && !compiled.elevatedAllowed[t]) {
      reasons.push(
        reason(
          'ELEVATED_DEFAULT_REFUSED',
          `Accounts with elevated rights must use ${compiled.elevatedMethodsPhrase} as their default sign-in method.`,
          t,
        ),
      );
    }
  }
  if (reasons.length > 0) return refused(reasons);
  if (mode === ElevatedMode.ElevatedBefore && !compiled.elevatedAllowed[t])
    return allowed(NONE, [elevatedNudge(compiled, t)]);
  return allowed();
}
