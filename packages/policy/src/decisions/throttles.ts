import type { Account } from '../account.js';
import { plural, reason, type Reason } from '../reasons.js';
import type { Policy } from '../schema.js';

// Limits the API enforces with counters it keeps; the policy decides, given the counts.

export type ThrottleDecision =
  | { readonly outcome: 'allowed'; readonly reasons: readonly Reason[] }
  | { readonly outcome: 'refused'; readonly reasons: readonly Reason[]; readonly retryAfterSeconds: number };

const ALLOWED: ThrottleDecision = Object.freeze({ outcome: 'allowed', reasons: Object.freeze([]) });

/** MFA-fatigue protection: at most one outstanding push and a few per window (R20). */
export function decidePushPrompt(
  counts: { readonly outstanding: number; readonly sentInWindow: number },
  policy: Policy,
): ThrottleDecision {
  const { maxOutstanding, maxPerWindow, windowMinutes, lifetimeSeconds } = policy.push;
  if (counts.outstanding >= maxOutstanding) {
    return {
      outcome: 'refused',
      retryAfterSeconds: lifetimeSeconds,
      reasons: [
        reason(
          'PUSH_OUTSTANDING',
          'A notification is already waiting in your authenticator app. Answer it, or wait for it to expire.',
          'authenticator_push',
        ),
      ],
    };
  }
  if (counts.sentInWindow >= maxPerWindow) {
    return {
      outcome: 'refused',
      retryAfterSeconds: windowMinutes * 60,
      reasons: [
        reason(
          'PUSH_RATE_LIMITED',
          `Too many notifications have been sent. Try again in ${plural(windowMinutes, 'minute')} or use another method.`,
          'authenticator_push',
        ),
      ],
    };
  }
  return ALLOWED;
}

/** Consecutive failed attempts at a factor before it locks (default 10, R12). */
export function decideFailedAttempts(
  counts: { readonly consecutiveFailures: number },
  policy: Policy,
): ThrottleDecision {
  const { failedAttempts, lockMinutes } = policy.lockout;
  if (counts.consecutiveFailures < failedAttempts) return ALLOWED;
  return {
    outcome: 'refused',
    retryAfterSeconds: lockMinutes * 60,
    reasons: [reason('LOCKED_OUT', `Too many attempts, try again in ${plural(lockMinutes, 'minute')}.`)],
  };
}

/** Password resets started by one account per day. */
export function decideSsprAttempt(
  counts: { readonly attemptsToday: number },
  policy: Policy,
): ThrottleDecision {
  if (counts.attemptsToday < policy.sspr.attemptsPerDay) return ALLOWED;
  return {
    outcome: 'refused',
    retryAfterSeconds: 24 * 3600,
    reasons: [
      reason(
        'SSPR_TOO_MANY_ATTEMPTS',
        'You have tried to reset your password too many times today. Try again tomorrow or contact your local helpdesk.',
      ),
    ],
  };
}

/** How long a one-time code or a push prompt stays valid. */
export function codeLifetimeSeconds(policy: Policy, channel: 'sms' | 'voice' | 'email' | 'push'): number {
  switch (channel) {
    case 'sms':
      return policy.codes.textLifetimeSeconds;
    case 'voice':
      return policy.codes.voiceLifetimeSeconds;
    case 'email':
      return policy.codes.emailLifetimeSeconds;
    case 'push':
      return policy.push.lifetimeSeconds;
  }
}

/** Digits in the number the person types into the app: 2 as staff know it, 6 for elevated rights. */
export function numberMatchingDigits(account: Pick<Account, 'elevatedRights'>, policy: Policy): number {
  return account.elevatedRights ? policy.push.elevatedNumberMatchingDigits : policy.push.numberMatchingDigits;
}
