import { dictionary } from '@zxcvbn-ts/language-common';

// The "breached password" corpus used offline: zxcvbn's own list of the most common passwords from
// public breaches (tens of thousands of them). There is no network at run time, so this stands in
// for a k-anonymity lookup against a breach service.

/** Digits, punctuation, symbols and spaces: what people add to the end of a common password. */
const PADDING = /^[\p{N}\p{P}\p{S}\s]$/u;
/** Shorter bases ("cat", "198") would flag long random numbers and the like as breached. */
const MIN_BASE_LENGTH = 4;
const HAS_LETTER = /\p{L}/u;

interface Corpus {
  readonly passwords: ReadonlySet<string>;
  /** The longest entry, in code points: no longer base needs looking up. */
  readonly longest: number;
}

let corpus: Corpus | undefined;

function loadCorpus(): Corpus {
  if (corpus) return corpus;
  const passwords = new Set<string>();
  let longest = 0;
  for (const entry of dictionary['passwords-common']) {
    const normalised = String(entry).normalize('NFKC').toLowerCase();
    passwords.add(normalised);
    longest = Math.max(longest, codePoints(normalised).length);
  }
  corpus = { passwords, longest };
  return corpus;
}

function codePoints(text: string): string[] {
  return Array.from(text);
}

/** Builds the corpus now rather than on the first check (some tens of milliseconds), e.g. at start-up. */
export function preloadCommonPasswords(): void {
  loadCorpus();
}

/**
 * True when the password, normalised (NFKC) and lower-cased, is a common breached password, or is
 * one with only digits, punctuation, symbols or spaces added at the end ("iloveyou12345678",
 * "Password123!"). The base before the padding must have at least four characters, one a letter.
 */
export function isCommonPassword(password: string): boolean {
  const { passwords, longest } = loadCorpus();
  const normalised = password.normalize('NFKC').toLowerCase();
  if (passwords.has(normalised)) return true;
  const chars = codePoints(normalised);
  for (let end = chars.length; end > MIN_BASE_LENGTH && PADDING.test(chars[end - 1] ?? ''); end--) {
    if (end - 1 > longest) continue;
    const base = chars.slice(0, end - 1).join('');
    if (HAS_LETTER.test(base) && passwords.has(base)) return true;
  }
  return false;
}
