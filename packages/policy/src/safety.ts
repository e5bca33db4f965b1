import { CATALOGUE, type MethodType } from './catalogue.js';
import { parseCidr } from './cidr.js';
import { compilePolicy, ElevatedMode } from './compile.js';
import { hasChoicesOf, PERSON_KINDS, registrationGaps, type PersonKind } from './registrable.js';
import { formatIsoDate, reason, type Reason } from './reasons.js';
import { parsePolicy, type PolicyError } from './parse.js';
import { SINGLE_FACTOR_PASSWORD_MIN_LENGTH, type Policy } from './schema.js';

// A policy can be well formed and still never be safe. These rules refuse it when an administrator
// saves it, each with a reason the administrator can act on. Messages are for administrators.

export type SafetyResult =
  { readonly ok: true } | { readonly ok: false; readonly reasons: readonly Reason[] };

export type SavePolicyResult =
  | {
      readonly ok: true;
      readonly policy: Policy;
      readonly upgradedFrom?: number;
      readonly notes: readonly string[];
    }
  | { readonly ok: false; readonly errors: readonly PolicyError[]; readonly unsafe: readonly Reason[] };

/** Narrowest trusted ranges we accept: anything wider would switch MFA off for large parts of the internet. */
export const MIN_TRUSTED_PREFIX = { 4: 8, 6: 32 } as const;

function label(t: MethodType): string {
  return CATALOGUE[t].label.toLowerCase();
}

export function validatePolicySafety(policy: Policy): SafetyResult {
  const reasons: Reason[] = [];
  const allowed = policy.allowedMethods;
  const signIn = allowed.filter((t) => CATALOGUE[t].signInMfa);

  if (signIn.length === 0) {
    reasons.push(
      reason(
        'UNSAFE_NO_SIGN_IN_METHOD',
        'No allowed method can be used to sign in: email, security questions and app passwords are never a second factor. Allow the authenticator app, security keys or a phone.',
      ),
    );
  } else if (!allowed.some((t) => CATALOGUE[t].mayBeFirst)) {
    reasons.push(
      reason(
        'UNSAFE_NO_FIRST_METHOD',
        'Nobody could register: alternate and office phones can only be added after a first method. Allow the authenticator app, security keys or a mobile phone.',
      ),
    );
  }

  const restricted = signIn.filter((t) => CATALOGUE[t].restricted);
  if (restricted.length > 0 && !signIn.some((t) => !CATALOGUE[t].restricted)) {
    reasons.push(
      reason(
        'UNSAFE_RESTRICTED_WITHOUT_STRONGER',
        `Text messages and phone calls (${restricted.join(', ')}) are allowed with no stronger alternative. Allow the authenticator app or security keys as well (NIST SP 800-63B restricted authenticators).`,
      ),
    );
  }

  const elevatedUsable = policy.elevatedRights.allowedMethods.some((t) => allowed.includes(t));
  if (!elevatedUsable) {
    reasons.push(
      reason(
        'UNSAFE_ELEVATED_NOTHING_USABLE',
        `None of the methods for accounts with elevated rights (${policy.elevatedRights.allowedMethods.join(', ')}) is in allowedMethods, so from ${formatIsoDate(policy.elevatedRights.effectiveDate)} no administrator could sign in.`,
      ),
    );
  }

  // Without a first method, or (from the date) an elevated one, a rule above has said so already.
  if (signIn.length > 0 && reasons.every((r) => r.code !== 'UNSAFE_NO_FIRST_METHOD'))
    reasons.push(...strandedKinds(policy, elevatedUsable));

  if (policy.sspr.enabled) {
    const eligible = policy.sspr.eligibleMethods.filter((t) => allowed.includes(t));
    if (!eligible.some((t) => !CATALOGUE[t].weak)) {
      reasons.push(
        reason(
          'UNSAFE_SSPR_ONLY_WEAK_METHODS',
          'Password reset could be done with email or security questions alone. Make the authenticator app or a phone eligible for password reset.',
        ),
      );
    }
    if (policy.sspr.methodsToReset === 1) {
      for (const weak of eligible.filter((t) => CATALOGUE[t].weak)) {
        reasons.push(
          reason(
            'UNSAFE_SSPR_WEAK_SINGLE_GATE',
            `${CATALOGUE[weak].label} can never be the only check for a password reset. Require two checks (sspr.methodsToReset 2) or remove ${label(weak)} from sspr.eligibleMethods.`,
            weak,
          ),
        );
      }
    }
  }

  if (policy.password.minLength < SINGLE_FACTOR_PASSWORD_MIN_LENGTH) {
    const problems: string[] = [];
    if (!policy.password.insistOnShortMinimum) problems.push('password.insistOnShortMinimum is not set');
    if (policy.conditionalMfa.trustedNetworks.length > 0) problems.push('trusted networks skip MFA');
    if (policy.conditionalMfa.rememberedDevice.enabled) problems.push('remembered devices skip MFA');
    if (policy.registration.snooze.days > 0 && policy.registration.snooze.times > 0) {
      problems.push('registration can be snoozed, so some accounts sign in with the password alone');
    }
    if (problems.length > 0) {
      reasons.push(
        reason(
          'UNSAFE_SHORT_PASSWORD',
          `A minimum password length below ${SINGLE_FACTOR_PASSWORD_MIN_LENGTH} is only allowed when your organisation insists and MFA is always required, but ${problems.join('; ')}.`,
        ),
      );
    }
  }

  for (const network of policy.conditionalMfa.trustedNetworks) {
    for (const text of network.cidrs) {
      const parsed = parseCidr(text);
      if (parsed.ok && parsed.range.prefix < MIN_TRUSTED_PREFIX[parsed.range.family]) {
        reasons.push(
          reason(
            'UNSAFE_TRUSTED_NETWORK_TOO_BROAD',
            `Trusted network "${network.name}" includes ${parsed.range.text}, which is too broad: MFA would be skipped for a large part of the internet. Use ranges of /${MIN_TRUSTED_PREFIX[parsed.range.family]} or narrower.`,
          ),
        );
      }
    }
  }

  return reasons.length === 0 ? { ok: true } : { ok: false, reasons };
}

function kindLabel(kind: PersonKind, date: string): string {
  if (kind.mode === ElevatedMode.Ordinary) return kind.hybrid ? 'Office 365 Hybrid staff' : 'Staff';
  const who = kind.hybrid ? 'Office 365 Hybrid accounts' : 'Accounts';
  const when = kind.mode === ElevatedMode.ElevatedBefore ? `before ${date}` : `from ${date}`;
  return `${who} with elevated rights ${when}`;
}

/**
 * Every kind of person must be able to finish "Keep your account secure" from nothing; one reason per
 * kind that cannot, leaving out kinds with fewer choices than one already named.
 */
function strandedKinds(policy: Policy, elevatedUsable: boolean): Reason[] {
  const compiled = compilePolicy(policy);
  const stranded: PersonKind[] = [];
  const reasons: Reason[] = [];
  for (const kind of PERSON_KINDS) {
    if (kind.mode === ElevatedMode.ElevatedEnforced && !elevatedUsable) continue;
    const gaps = registrationGaps(compiled, kind);
    if (gaps.length === 0 || stranded.some((wider) => hasChoicesOf(wider, kind))) continue;
    stranded.push(kind);
    reasons.push(
      reason(
        'UNSAFE_REGISTRATION_IMPOSSIBLE',
        `${kindLabel(kind, compiled.effectiveDateText)} could not finish setting up their security info: ${gaps.join('; ')}. Allow more methods for them, or ask for fewer.`,
      ),
    );
  }
  return reasons;
}

/** What the admin API calls when a policy is saved: parse (with upgrade) and then the safety rules. */
export function validatePolicyForSave(input: unknown): SavePolicyResult {
  const parsed = parsePolicy(input);
  if (!parsed.ok) return { ok: false, errors: parsed.errors, unsafe: [] };
  const safety = validatePolicySafety(parsed.policy);
  if (!safety.ok) return { ok: false, errors: [], unsafe: safety.reasons };
  return parsed;
}
