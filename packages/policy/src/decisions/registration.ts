import type { Account, DecisionTime } from '../account.js';
import { CATALOGUE, METHODS_BY_STRENGTH, type MethodType } from '../catalogue.js';
import { compilePolicy, ElevatedMode, elevatedModeOf, signInBlockers, ssprBlockers } from '../compile.js';
import {
  ALREADY_REGISTERED_TYPE,
  DOES_NOT_HELP,
  METHOD_DISABLED,
  NOT_FIRST,
  OFFICE_PHONE_HYBRID,
  QUESTIONS_NEVER_FOR_ELEVATED,
  SECURITY_INFO_ONLY,
  plural,
  reason,
  type Reason,
} from '../reasons.js';
import type { Policy } from '../schema.js';
import { coverageOf, shortfallOf } from './common.js';

export interface SnoozeDecision {
  readonly allowed: boolean;
  /** Snoozes left after this one would be used. */
  readonly remaining: number;
  readonly days: number;
  readonly reasons: readonly Reason[];
}

export interface RegistrationDecision {
  /** complete: nothing to ask; required: show the wizard; blocked: nothing can be offered, helpdesk needed. */
  readonly outcome: 'complete' | 'required' | 'blocked';
  readonly reasons: readonly Reason[];
  /** "Method 1 of 2": the method the wizard asks for next (equal to `of` once complete). */
  readonly step: { readonly method: number; readonly of: number };
  /** Further distinct devices the person must register. */
  readonly stillNeeded: number;
  /**
   * The sign-in requirement is met: the person has enough to sign in with. When the rest cannot be
   * met (`blocked`), the sign-in may still finish rather than leave them stranded.
   */
  readonly signInReady: boolean;
  /** The method the wizard shows first ("Microsoft 365 will prompt to set up Microsoft Authenticator by default"). */
  readonly offerFirst?: MethodType;
  /** What "I want to set up a different method" lists: new kinds of device first, then by strength. */
  readonly otherChoices: readonly MethodType[];
  readonly notOffered: readonly { readonly type: MethodType; readonly reasons: readonly Reason[] }[];
  readonly snooze: SnoozeDecision;
}

const REGISTRATION_COMPLETE = [
  reason('REGISTRATION_COMPLETE', 'Great job! You have successfully set up your security info.'),
] as const;
const REGISTRATION_NEEDS_METHODS = reason(
  'REGISTRATION_NEEDS_METHODS',
  'Your organisation requires you to set up the following methods of proving who you are.',
);
const REGISTRATION_NEEDS_STRONG_METHOD = reason(
  'REGISTRATION_NEEDS_STRONG_METHOD',
  'Email and security questions cannot be the only ways to reset your password. Set up the authenticator app or a phone.',
);
const REGISTRATION_NOTHING_TO_OFFER = reason(
  'REGISTRATION_NOTHING_TO_OFFER',
  'None of the methods your organisation allows can complete your security info. Contact your local helpdesk.',
);
const REGISTRATION_SIGN_IN_READY = reason(
  'REGISTRATION_SIGN_IN_READY',
  'You have set up enough to sign in, so you can continue. To reset your own password you would need more methods than your organisation lets you set up: ask your local helpdesk if you forget it.',
);
const SNOOZE_DISABLED = reason('SNOOZE_DISABLED', 'Your organisation requires you to set this up now.');
const SNOOZE_USED_UP = reason(
  'SNOOZE_USED_UP',
  'You have skipped this as many times as your organisation allows; set it up now.',
);
const SNOOZE_NOT_FOR_ELEVATED = reason(
  'SNOOZE_NOT_FOR_ELEVATED',
  'Accounts with elevated rights must set up MFA now; it cannot be skipped.',
);
const NO_SNOOZE_WHEN_COMPLETE: SnoozeDecision = Object.freeze({
  allowed: false,
  remaining: 0,
  days: 0,
  reasons: REGISTRATION_COMPLETE,
});

function decideSnooze(account: Account, policy: Policy): SnoozeDecision {
  const { days, times } = policy.registration.snooze;
  const used = account.snoozesUsed ?? 0;
  const remaining = Math.max(0, times - used);
  const refuse = (r: Reason): SnoozeDecision => ({ allowed: false, remaining, days, reasons: [r] });
  if (days === 0 || times === 0) return refuse(SNOOZE_DISABLED);
  if (account.elevatedRights) return refuse(SNOOZE_NOT_FOR_ELEVATED);
  if (remaining === 0) return refuse(SNOOZE_USED_UP);
  return {
    allowed: true,
    remaining: remaining - 1,
    days,
    reasons: [
      reason(
        'SNOOZE_AVAILABLE',
        `You can skip this for ${plural(days, 'day')}. After ${plural(remaining, 'more skip')} you will have to set it up.`,
      ),
    ],
  };
}

/**
 * What the "Keep your account secure" wizard still needs from this person: how many more methods
 * ("Method 1 of 2"), which method to offer first and what else to list, and whether they may snooze.
 * Methods count by distinct device, so a text and a call to one phone are one method.
 */
export function decideRegistration(
  account: Account,
  policy: Policy,
  context: DecisionTime,
): RegistrationDecision {
  const compiled = compilePolicy(policy);
  const mode = elevatedModeOf(account, compiled, context.now.getTime());
  const coverage = coverageOf(compiled, account, account.methods, mode);
  const short = shortfallOf(compiled, coverage);
  const stillNeeded = Math.max(short.mfa, short.sspr);
  const of = Math.max(
    policy.registration.mfaMethodsRequired,
    policy.sspr.enabled ? policy.sspr.methodsToRegister : 0,
  );
  const step = { method: Math.min(of, of - stillNeeded + 1), of };
  const signInReady = short.mfa === 0;

  if (stillNeeded === 0) {
    return {
      outcome: 'complete',
      reasons: REGISTRATION_COMPLETE,
      step,
      stillNeeded,
      signInReady,
      otherChoices: [],
      notOffered: [],
      snooze: NO_SNOOZE_WHEN_COMPLETE,
    };
  }

  const registeredTypes = new Set(account.methods.map((m) => m.type));
  const offered: MethodType[] = [];
  const notOffered: { type: MethodType; reasons: readonly Reason[] }[] = [];
  for (const spec of METHODS_BY_STRENGTH) {
    const t = spec.type;
    if (t === 'app_password') continue; // not an MFA method; shown after set-up, never in the wizard
    const reasons: Reason[] = [];
    const signsIn = signInBlockers(compiled, account, t, mode).length === 0;
    const resets = policy.sspr.enabled && ssprBlockers(compiled, account, t, mode).length === 0;
    if (!compiled.allowed[t]) reasons.push(METHOD_DISABLED[t]);
    if (mode !== ElevatedMode.Ordinary && t === 'security_questions')
      reasons.push(QUESTIONS_NEVER_FOR_ELEVATED);
    else if (mode === ElevatedMode.ElevatedEnforced && !compiled.elevatedAllowed[t]) {
      // Elevated rights may hold it for password reset only, and only once they can sign in.
      if (!resets || !coverage.hasFirstMethod) reasons.push(compiled.elevatedRefused[t]);
    }
    if (t === 'office_call' && account.hybrid) reasons.push(OFFICE_PHONE_HYBRID);
    if (registeredTypes.has(t)) reasons.push(ALREADY_REGISTERED_TYPE[t]);
    if (t === 'alternate_call') reasons.push(SECURITY_INFO_ONLY[t]);
    if (!spec.mayBeFirst && !coverage.hasFirstMethod) reasons.push(NOT_FIRST[t]);
    if (reasons.length === 0) {
      const helpsMfa = short.mfa > 0 && signsIn;
      const helpsSspr = short.sspr > 0 && resets && !(short.ssprNeedsStrong && spec.weak);
      if (!helpsMfa && !helpsSspr) reasons.push(DOES_NOT_HELP[t]);
    }
    if (reasons.length === 0) offered.push(t);
    else notOffered.push({ type: t, reasons });
  }

  // A kind of device the person already has (an app, a phone) goes last: a second method on it
  // rarely adds a device. The recommended method goes first when it would be a new kind.
  const registeredKinds = new Set(account.methods.map((m) => CATALOGUE[m.type].device));
  const isNewKind = (t: MethodType) => !registeredKinds.has(CATALOGUE[t].device);
  const ordered = [...offered.filter(isNewKind), ...offered.filter((t) => !isNewKind(t))];
  const recommended = policy.defaultMethod.recommended;
  if (ordered.includes(recommended) && isNewKind(recommended))
    ordered.unshift(...ordered.splice(ordered.indexOf(recommended), 1));

  const snooze = decideSnooze(account, policy);
  if (ordered.length === 0) {
    return {
      outcome: 'blocked',
      reasons: signInReady
        ? [REGISTRATION_NOTHING_TO_OFFER, REGISTRATION_SIGN_IN_READY]
        : [REGISTRATION_NOTHING_TO_OFFER],
      step,
      stillNeeded,
      signInReady,
      otherChoices: [],
      notOffered,
      snooze,
    };
  }
  const onlyWeakSoFar = short.ssprNeedsStrong && coverage.ssprDevices > 0;
  const reasons = onlyWeakSoFar
    ? [REGISTRATION_NEEDS_METHODS, REGISTRATION_NEEDS_STRONG_METHOD]
    : [REGISTRATION_NEEDS_METHODS];
  return {
    outcome: 'required',
    reasons,
    step,
    stillNeeded,
    signInReady,
    offerFirst: ordered[0],
    otherChoices: ordered.slice(1),
    notOffered,
    snooze,
  };
}
