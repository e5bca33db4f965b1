import type { Account, DecisionTime, RegisteredMethod } from '../account.js';
import { CATALOGUE } from '../catalogue.js';
import { compilePolicy, countDevices, elevatedModeOf, ssprBlockers } from '../compile.js';
import { reason, type Reason } from '../reasons.js';
import type { Policy } from '../schema.js';
import { numberMatchingDigits } from './throttles.js';
import type { UnavailableMethod } from './common.js';

export interface SsprContext extends DecisionTime {
  /** Ids of the methods the person has already passed in this reset, in order. */
  readonly gatesPassed?: readonly string[];
}

export type SsprDecision =
  | {
      readonly outcome: 'refused';
      readonly reasons: readonly Reason[];
      readonly gatesRequired: number;
      readonly unavailable: readonly UnavailableMethod[];
    }
  | {
      readonly outcome: 'next_gate';
      readonly reasons: readonly Reason[];
      readonly gatesRequired: number;
      /** 1 for the first check, 2 for the second. */
      readonly gate: number;
      /** Methods that may serve this gate, each on a device not used by an earlier gate. */
      readonly candidates: readonly RegisteredMethod[];
      readonly unavailable: readonly UnavailableMethod[];
      /** "First, complete the Captcha" (seed 002): always, before the first gate. */
      readonly captchaRequired: true;
      readonly numberMatchingDigits: number;
    }
  | {
      readonly outcome: 'may_reset';
      readonly reasons: readonly Reason[];
      readonly gatesRequired: number;
      readonly gatesPassed: readonly RegisteredMethod[];
    };

const SSPR_DISABLED = [
  reason(
    'SSPR_DISABLED',
    'Your organisation does not let you reset your own password. Contact your local helpdesk.',
  ),
] as const;
const SSPR_NEEDS_DIFFERENT_DEVICES = reason(
  'SSPR_NEEDS_DIFFERENT_DEVICES',
  'The methods you can use to reset your password are all on one device (a text and a call to the same phone count as one). Add a method on another device.',
);
const SSPR_NEEDS_STRONG_METHOD = reason(
  'SSPR_NEEDS_STRONG_METHOD',
  'Email and security questions cannot be the only checks for a password reset. Set up the authenticator app or a phone.',
);
const SSPR_UNKNOWN_METHOD = [
  reason('SSPR_UNKNOWN_METHOD', 'That method is not one of the methods you have set up.'),
] as const;
const SSPR_SAME_DEVICE = [
  reason(
    'SSPR_SAME_DEVICE',
    'Each check must use a different device; a text and a call to the same phone count as one device.',
  ),
] as const;
const SSPR_ALL_GATES_PASSED = [
  reason('SSPR_ALL_GATES_PASSED', 'You have proved who you are. You can now choose a new password.'),
] as const;
const NEXT_GATE: readonly (readonly Reason[])[][] = [1, 2].map((of) =>
  [1, 2].map((gate) => [reason('SSPR_NEXT_GATE', `Prove who you are: check ${gate} of ${of}.`)] as const),
);

function notEnoughMethods(gates: number, devices: number): Reason {
  return reason(
    'SSPR_NOT_ENOUGH_METHODS',
    `Resetting your password needs ${gates} methods on different devices, and ${devices === 0 ? 'none' : `only ${devices}`} of yours can be used for it. Add methods on your Security info page or contact your local helpdesk.`,
  );
}

/**
 * Can `remaining` more gates (0, 1 or 2; the policy allows at most 2 in all) be passed with usable
 * methods on devices other than usedA and usedB, with at least one gate overall that is neither email
 * nor security questions (`needStrong` until one has been passed)? `weak[i]` belongs to `usable[i]`.
 */
function canFinish(
  usable: readonly RegisteredMethod[],
  weak: readonly boolean[],
  remaining: number,
  usedA: string | undefined,
  usedB: string | undefined,
  needStrong: boolean,
): boolean {
  if (remaining === 0) return !needStrong;
  for (let i = 0; i < usable.length; i++) {
    const device = usable[i]!.deviceKey;
    if (device === usedA || device === usedB) continue;
    if (remaining === 1) {
      if (!needStrong || !weak[i]) return true;
    } else if (canFinish(usable, weak, remaining - 1, device, undefined, needStrong && weak[i]!)) {
      // remaining is 2 only at the start, when no device is used yet.
      return true;
    }
  }
  return false;
}

/**
 * Self-service password reset, one step at a time. With no gates passed it says whether the account
 * can reset at all and which methods may serve gate 1; given the gates passed so far it says which
 * methods may serve the next one (always a different device), or that the password may now be reset.
 * Email and security questions never make up every gate; security keys never serve; elevated-rights
 * accounts never use security questions and, after the effective date, only the elevated methods.
 */
export function decideSspr(account: Account, policy: Policy, context: SsprContext): SsprDecision {
  const gatesRequired = policy.sspr.methodsToReset;
  if (!policy.sspr.enabled)
    return { outcome: 'refused', reasons: SSPR_DISABLED, gatesRequired, unavailable: [] };

  const compiled = compilePolicy(policy);
  const mode = elevatedModeOf(account, compiled, context.now.getTime());
  const rules = compiled.sspr[mode];
  const usable: RegisteredMethod[] = [];
  const weak: boolean[] = [];
  const unavailable: UnavailableMethod[] = [];
  for (const method of account.methods) {
    const rule = rules[method.type];
    if (rule.blockers.length === 0 && !(method.type === 'office_call' && account.hybrid === true)) {
      usable.push(method);
      weak.push(rule.weak);
    } else {
      const reasons =
        method.type === 'office_call' ? ssprBlockers(compiled, account, method.type, mode) : rule.blockers;
      unavailable.push({ method, reasons });
    }
  }

  if (!canFinish(usable, weak, gatesRequired, undefined, undefined, true)) {
    const reasons: Reason[] = [];
    const devices = countDevices(usable);
    if (devices < gatesRequired) {
      reasons.push(
        usable.length >= gatesRequired
          ? SSPR_NEEDS_DIFFERENT_DEVICES
          : notEnoughMethods(gatesRequired, devices),
      );
    }
    if (!weak.includes(false)) reasons.push(SSPR_NEEDS_STRONG_METHOD);
    return { outcome: 'refused', reasons, gatesRequired, unavailable };
  }

  const passed: RegisteredMethod[] = [];
  let passedStrong = false;
  for (const id of context.gatesPassed ?? []) {
    const method = account.methods.find((m) => m.id === id);
    if (!method) return { outcome: 'refused', reasons: SSPR_UNKNOWN_METHOD, gatesRequired, unavailable };
    const at = usable.indexOf(method);
    if (at < 0) {
      const blockers = unavailable.find((u) => u.method === method)?.reasons ?? [];
      return {
        outcome: 'refused',
        reasons: [
          reason(
            'SSPR_GATE_NOT_ALLOWED',
            `${CATALOGUE[method.type].label} cannot be used to reset your password.`,
            method.type,
          ),
          ...blockers,
        ],
        gatesRequired,
        unavailable,
      };
    }
    if (passed.some((p) => p.deviceKey === method.deviceKey)) {
      return { outcome: 'refused', reasons: SSPR_SAME_DEVICE, gatesRequired, unavailable };
    }
    passed.push(method);
    if (!weak[at]) passedStrong = true;
  }

  if (passed.length >= gatesRequired) {
    if (!passedStrong)
      return { outcome: 'refused', reasons: [SSPR_NEEDS_STRONG_METHOD], gatesRequired, unavailable };
    return { outcome: 'may_reset', reasons: SSPR_ALL_GATES_PASSED, gatesRequired, gatesPassed: passed };
  }

  const usedA = passed[0]?.deviceKey;
  const remainingAfterThis = gatesRequired - passed.length - 1;
  const candidates: RegisteredMethod[] = [];
  for (let i = 0; i < usable.length; i++) {
    const m = usable[i]!;
    if (m.deviceKey === usedA) continue;
    if (canFinish(usable, weak, remainingAfterThis, usedA, m.deviceKey, !passedStrong && weak[i]!))
      candidates.push(m);
  }
  if (candidates.length === 0) {
    // Only reachable when gate 1 was a weak method and no strong method on another device remains.
    return { outcome: 'refused', reasons: [SSPR_NEEDS_STRONG_METHOD], gatesRequired, unavailable };
  }

  const gate = passed.length + 1;
  return {
    outcome: 'next_gate',
    reasons: NEXT_GATE[gatesRequired - 1]![gate - 1]!,
    gatesRequired,
    gate,
    candidates,
    unavailable,
    captchaRequired: true,
    numberMatchingDigits: numberMatchingDigits(account, policy),
  };
}
