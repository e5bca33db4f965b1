import type { Account, DecisionTime } from '../account.js';
import { compilePolicy } from '../compile.js';
import { daysUntil } from '../dates.js';
import { QUESTIONS_NEVER_FOR_ELEVATED, plural, reason, type Reason } from '../reasons.js';
import type { Policy } from '../schema.js';
import type { UnavailableMethod } from './common.js';

export interface ElevatedRightsDecision {
  /**
   * not_applicable: an ordinary account ("Typical users will not be limited", seed 004).
   * fine: meets the rule, or the rule is not near yet. nudged: before the date and not ready.
   * blocked: after the date with no allowed method, so the person cannot sign in.
   */
  readonly outcome: 'not_applicable' | 'fine' | 'nudged' | 'blocked';
  /** not_yet: before the nudge period; nudging: within it; enforced: on or after the effective date. */
  readonly phase: 'not_yet' | 'nudging' | 'enforced';
  readonly effectiveDate: string;
  /** Whole days until the rule takes effect; 0 once it has. */
  readonly daysLeft: number;
  readonly reasons: readonly Reason[];
  /** Registered methods the rule refuses (from the effective date) or will refuse (before it). */
  readonly refusedMethods: readonly UnavailableMethod[];
}

const NOT_ELEVATED = [
  reason('NOT_ELEVATED', 'The rule for accounts with elevated rights does not apply to your account.'),
] as const;
const ELEVATED_COMPLIANT = [
  reason('ELEVATED_COMPLIANT', 'Your account meets the rule for accounts with elevated rights.'),
] as const;

/**
 * The elevated-rights rule for one account at one instant: a nudge with the days left before the
 * effective date, and from it the refusal of every method but the elevated ones (push with number
 * matching and security keys) in sign-in and in SSPR.
 */
export function decideElevatedRights(
  account: Account,
  policy: Policy,
  context: DecisionTime,
): ElevatedRightsDecision {
  const compiled = compilePolicy(policy);
  const nowMs = context.now.getTime();
  const daysLeft = daysUntil(nowMs, compiled.effectiveAtMs);
  const phase =
    nowMs >= compiled.effectiveAtMs ? 'enforced' : nowMs >= compiled.nudgeFromMs ? 'nudging' : 'not_yet';
  const effectiveDate = policy.elevatedRights.effectiveDate;
  if (!account.elevatedRights) {
    return {
      outcome: 'not_applicable',
      phase,
      effectiveDate,
      daysLeft,
      reasons: NOT_ELEVATED,
      refusedMethods: [],
    };
  }

  const refusedMethods: UnavailableMethod[] = [];
  let hasAllowedMethod = false;
  let userDefaultIsAllowed = true;
  for (const method of account.methods) {
    const ok = compiled.elevatedAllowed[method.type] && compiled.allowed[method.type];
    if (ok) hasAllowedMethod = true;
    else if (method.isDefault) userDefaultIsAllowed = false;
    if (!compiled.elevatedAllowed[method.type]) {
      refusedMethods.push({
        method,
        reasons: [
          method.type === 'security_questions'
            ? QUESTIONS_NEVER_FOR_ELEVATED
            : compiled.elevatedRefused[method.type],
        ],
      });
    }
  }
  const ready = hasAllowedMethod && (userDefaultIsAllowed || !policy.defaultMethod.userMayChoose);
  const what = compiled.elevatedMethodsPhrase;
  const date = compiled.effectiveDateText;

  if (phase === 'enforced') {
    if (hasAllowedMethod)
      return { outcome: 'fine', phase, effectiveDate, daysLeft, reasons: ELEVATED_COMPLIANT, refusedMethods };
    return {
      outcome: 'blocked',
      phase,
      effectiveDate,
      daysLeft,
      reasons: [
        reason(
          'ELEVATED_NO_ALLOWED_METHOD',
          `Since ${date} accounts with elevated rights must use ${what}, and you have not set one up. Contact your local helpdesk.`,
        ),
      ],
      refusedMethods,
    };
  }
  if (ready)
    return { outcome: 'fine', phase, effectiveDate, daysLeft, reasons: ELEVATED_COMPLIANT, refusedMethods };
  if (phase === 'not_yet') {
    return {
      outcome: 'fine',
      phase,
      effectiveDate,
      daysLeft,
      reasons: [reason('ELEVATED_NOT_YET', `From ${date} accounts with elevated rights must use ${what}.`)],
      refusedMethods,
    };
  }
  const left = plural(daysLeft, 'day');
  return {
    outcome: 'nudged',
    phase,
    effectiveDate,
    daysLeft,
    reasons: [
      hasAllowedMethod
        ? reason(
            'ELEVATED_SET_DEFAULT',
            `From ${date} accounts with elevated rights must use ${what}. Make it your default sign-in method; you have ${left} left.`,
          )
        : reason(
            'ELEVATED_ADD_METHOD',
            `From ${date} accounts with elevated rights must use ${what}. You have ${left} left to set it up on your Security info page.`,
          ),
    ],
    refusedMethods,
  };
}
