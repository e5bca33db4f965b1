import { decideNewPassword, type Policy } from '@verity/policy';
import { ZxcvbnFactory, type TranslationKeys } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary as commonDictionary } from '@zxcvbn-ts/language-common';
import { dictionary as englishDictionary } from '@zxcvbn-ts/language-en';
import { isCommonPassword, preloadCommonPasswords } from './common-passwords.js';

// Checks a new password (self-service reset and change) the NCSC and NIST SP 800-63B way: no
// composition rules, any Unicode, long passphrases welcome. The policy package decides length,
// blocklists and context words; this adds the breached-password corpus and zxcvbn's estimate of how
// guessable the password is, and always returns that estimate so the portal can show a meter.

export interface NewPasswordCheck {
  accepted: boolean;
  reasons: { code: string; message: string }[];
  strength: {
    score: 0 | 1 | 2 | 3 | 4;
    warning: string | null;
    suggestions: string[];
    guessesLog10: number;
  };
}

/** zxcvbn scores below this are refused: 3 means at least 10^8 guesses. */
export const MIN_STRENGTH_SCORE = 3;
/** zxcvbn slows down on long input, and 100 characters of anything not repetitive is strong. */
export const STRENGTH_CHECK_MAX_CHARS = 100;
/**
 * How many l33t readings ("p4ssw0rd" as "password") zxcvbn tries, each a full dictionary scan. Its
 * default of 100 lets 100 characters of digits and symbols take most of a second to check; 8 keeps
 * the worst case near 100 ms and finds the same l33t words in ordinary passwords.
 */
const L33T_MAX_READINGS = 8;

/** zxcvbn's feedback in plain British English, pointing people at words rather than symbols. */
const BRITISH_ENGLISH: TranslationKeys = {
  warnings: {
    straightRow: 'Straight rows of keys on your keyboard are easy to guess.',
    keyPattern: 'Keyboard patterns are easy to guess.',
    simpleRepeat: 'Repeated characters like "aaa" are easy to guess.',
    extendedRepeat: 'Repeated patterns like "abcabcabc" are easy to guess.',
    sequences: 'Sequences like "abc" or "123" are easy to guess.',
    recentYears: 'Recent years are easy to guess.',
    dates: 'Dates are easy to guess.',
    topTen: 'This is one of the most used passwords.',
    topHundred: 'This is a very commonly used password.',
    common: 'This is a commonly used password.',
    similarToCommon: 'This is similar to a commonly used password.',
    wordByItself: 'A single word is easy to guess.',
    namesByThemselves: 'Names on their own are easy to guess.',
    commonNames: 'Common first names and surnames are easy to guess.',
    userInputs: 'Do not use your name, your username or your organisation’s name.',
    pwned: 'This password has appeared in a data breach elsewhere.',
  },
  suggestions: {
    l33t: 'Swapping letters for look-alike symbols, like "@" for "a", does not make a password harder to guess.',
    reverseWords: 'Spelling a common word backwards does not make it harder to guess.',
    allUppercase: 'Capital letters make little difference. Add another word instead.',
    capitalization: 'A capital first letter makes little difference. Add another word instead.',
    dates: 'Avoid dates and years that mean something to you.',
    recentYears: 'Avoid recent years.',
    associatedYears: 'Avoid years that mean something to you.',
    sequences: 'Avoid sequences like "abc" or "123".',
    repeated: 'Avoid repeating words and characters.',
    longerKeyboardPattern: 'Avoid keyboard patterns.',
    anotherWord: 'Add another word or two. Uncommon words are better.',
    useWords: 'Use three or more random words, but avoid well-known phrases.',
    noNeed: 'You do not need symbols, numbers or capital letters to make a strong password.',
    pwned: 'If you use this password anywhere else, change it there too.',
  },
  timeEstimation: {
    ltSecond: 'less than a second',
    second: '{base} second',
    seconds: '{base} seconds',
    minute: '{base} minute',
    minutes: '{base} minutes',
    hour: '{base} hour',
    hours: '{base} hours',
    day: '{base} day',
    days: '{base} days',
    month: '{base} month',
    months: '{base} months',
    year: '{base} year',
    years: '{base} years',
    centuries: 'centuries',
  },
};

let estimator: ZxcvbnFactory | undefined;

/** One zxcvbn for the process: building its ranked dictionaries takes a few hundred milliseconds. */
function strengthEstimator(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({
    dictionary: { ...commonDictionary, ...englishDictionary },
    graphs: adjacencyGraphs,
    translations: BRITISH_ENGLISH,
    maxLength: STRENGTH_CHECK_MAX_CHARS,
    l33tMaxSubstitutions: L33T_MAX_READINGS,
  });
  return estimator;
}

/** Loads the dictionaries now rather than on the first check, e.g. when the service starts. */
export function preloadPasswordChecks(): void {
  strengthEstimator();
  preloadCommonPasswords();
}

function firstCodePoints(text: string, max: number): string {
  if (text.length <= max) return text;
  return Array.from(text).slice(0, max).join('');
}

function guessableMessage(strength: NewPasswordCheck['strength']): string {
  const parts = [
    strength.warning ?? 'That password would be easy to guess.',
    ...(strength.suggestions.length > 0 ? strength.suggestions : [BRITISH_ENGLISH.suggestions.anotherWord]),
  ];
  return parts.join(' ');
}

/**
 * Checks a new password against the organisation's policy, the common breached passwords and
 * zxcvbn. `contextWords` are the organisation's name, 'NHS', the username and the parts of the
 * person's names (see contextWordsOf).
 */
export function checkNewPassword(input: {
  password: string;
  policy: Policy;
  contextWords: string[];
}): NewPasswordCheck {
  const password = input.password.normalize('NFKC');
  const decision = decideNewPassword(
    { password, contextWords: input.contextWords, breached: isCommonPassword(password) },
    input.policy,
  );
  const reasons: NewPasswordCheck['reasons'] = decision.reasons.map((r) => ({
    code: r.code,
    message: r.message,
  }));

  // Length (including the maximum) is decided above; zxcvbn only ever sees the first 100 characters.
  const result = strengthEstimator().check(firstCodePoints(password, STRENGTH_CHECK_MAX_CHARS), [
    ...input.contextWords,
  ]);
  const strength: NewPasswordCheck['strength'] = {
    score: result.score,
    warning: result.feedback.warning,
    suggestions: [...result.feedback.suggestions],
    guessesLog10: result.guessesLog10,
  };
  if (strength.score < MIN_STRENGTH_SCORE) {
    reasons.push({ code: 'PASSWORD_TOO_GUESSABLE', message: guessableMessage(strength) });
  }
  return { accepted: reasons.length === 0, reasons, strength };
}

/** Words in an organisation's name that say nothing about which organisation it is. */
const GENERIC_ORGANISATION_WORDS = new Set(['nhs', 'foundation', 'trust', 'the', 'of', 'and', '&']);
/** Shorter words cannot make a password "built on" them, and would only lower zxcvbn's estimates. */
const MIN_CONTEXT_WORD_LENGTH = 3;

/**
 * The words a password must not be built on: the organisation's name (whole, run together and
 * without "NHS Foundation Trust"), its slug, 'NHS', the username (and the part before any @) with its
 * parts, and the display name with its parts. Lower case, NFKC, no duplicates.
 */
export function contextWordsOf(
  account: { username: string; displayName: string },
  organisation: { name: string; slug: string },
): string[] {
  const words = new Set<string>();
  const add = (word: string): void => {
    const w = word.normalize('NFKC').toLowerCase().trim().replace(/\s+/gu, ' ');
    if (Array.from(w).length >= MIN_CONTEXT_WORD_LENGTH) words.add(w);
  };
  const runTogether = (text: string): string => text.replace(/[^\p{L}\p{N}]/gu, '');
  const addWithVariants = (text: string): void => {
    add(text);
    add(runTogether(text));
  };

  addWithVariants(organisation.name);
  addWithVariants(
    organisation.name
      .split(/\s+/u)
      .filter((w) => !GENERIC_ORGANISATION_WORDS.has(w.toLowerCase()))
      .join(' '),
  );
  addWithVariants(organisation.slug);
  add('NHS');

  add(account.username);
  const local = account.username.split('@')[0] ?? '';
  addWithVariants(local);
  for (const part of local.split(/[^\p{L}]+/u)) add(part);

  addWithVariants(account.displayName);
  for (const name of account.displayName.split(/[\s,]+/u)) {
    add(name);
    for (const part of name.split(/[^\p{L}]+/u)) add(part);
  }
  return [...words];
}
