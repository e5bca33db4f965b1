import { reason, type Reason } from '../reasons.js';
import type { Policy } from '../schema.js';

// New passwords (SSPR and change): length and blocklists only, never composition rules (NCSC,
// NIST SP 800-63B). Checking a breached-password corpus is I/O, so the caller does it and says so.

export interface NewPasswordInput {
  readonly password: string;
  /** Words from the person's context: their name, username, the organisation's name. */
  readonly contextWords?: readonly string[];
  /** The caller found the password in a breached-password corpus. */
  readonly breached?: boolean;
}

export type PasswordDecision =
  | { readonly outcome: 'accepted'; readonly reasons: readonly Reason[] }
  | { readonly outcome: 'refused'; readonly reasons: readonly Reason[] };

/** Very common base words, refused whatever is added around them; organisations add their own. */
export const BUILT_IN_BLOCKLIST: readonly string[] = Object.freeze([
  'password',
  'passw0rd',
  'qwerty',
  'qwertyuiop',
  'letmein',
  'welcome',
  'changeme',
  'iloveyou',
  'admin',
  'administrator',
  'monkey',
  'dragon',
  'football',
  'sunshine',
  'princess',
  'abc123',
  '123456',
  '1234567890',
  'nhsmail',
  'nhs',
]);

function normalise(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

/**
 * A password is "built on" a word when, with the word taken out, fewer than four letters remain
 * ("Password123456789", "leedsteachinghospitals2025"), so a long passphrase that merely contains a
 * common word ("welcome to the jungle") is still accepted.
 */
function builtOn(normalisedPassword: string, word: string): boolean {
  const w = normalise(word);
  if (w.length < 3 || !normalisedPassword.includes(w)) return false;
  return normalisedPassword.split(w).join('').replace(/\p{N}/gu, '').length < 4;
}

/** Counts characters as people see them: one per Unicode code point after NFKC normalisation. */
export function passwordLength(password: string): number {
  let n = 0;
  for (const _ of password.normalize('NFKC')) n++;
  return n;
}

export function decideNewPassword(input: NewPasswordInput, policy: Policy): PasswordDecision {
  const { minLength, maxLength, blocklist } = policy.password;
  const reasons: Reason[] = [];
  const length = passwordLength(input.password);
  if (length < minLength) {
    reasons.push(
      reason(
        'PASSWORD_TOO_SHORT',
        `Your password must be at least ${minLength} characters long. A few words together make a good one.`,
      ),
    );
  }
  if (length > maxLength) {
    reasons.push(reason('PASSWORD_TOO_LONG', `Your password must be at most ${maxLength} characters long.`));
  }
  const n = normalise(input.password);
  const blocked = [...BUILT_IN_BLOCKLIST, ...blocklist].some((w) => builtOn(n, w));
  if (blocked) {
    reasons.push(
      reason('PASSWORD_BLOCKLISTED', 'That password is too common and easy to guess. Choose another.'),
    );
  }
  const contextWord = (input.contextWords ?? []).find((w) => builtOn(n, w));
  if (contextWord !== undefined) {
    reasons.push(
      reason(
        'PASSWORD_CONTEXT_WORD',
        'Your password must not be based on your name or your organisation’s name.',
      ),
    );
  }
  if (input.breached) {
    reasons.push(
      reason(
        'PASSWORD_BREACHED',
        'That password has appeared in a data breach elsewhere, so it is not safe. Choose another.',
      ),
    );
  }
  return reasons.length > 0 ? { outcome: 'refused', reasons } : { outcome: 'accepted', reasons: [] };
}
