import { DEFAULT_POLICY, policyFrom } from '../parse.js';
import type { ReasonCode } from '../reasons.js';
import type { Policy } from '../schema.js';
import { cases, itQuotesItsSources, security, type Source } from '../test-support/sources.js';
import { decideNewPassword, passwordLength, type NewPasswordInput } from './password.js';

const ORG = ['Leeds Teaching Hospitals'];
const LENGTH = security(
  'Min 15 characters where the password can be used as a single factor (8 allowed only if always used with a second factor)',
);
const BLOCKLIST = security('Blocklist instead of composition rules, and the reason is shown.');

const table: {
  name: string;
  input: NewPasswordInput;
  policy?: Policy;
  refused: ReasonCode[];
  source: Source;
}[] = [
  {
    name: '14 characters',
    input: { password: 'abcdefghijklmn' },
    refused: ['PASSWORD_TOO_SHORT'],
    source: LENGTH,
  },
  { name: '15 characters', input: { password: 'correct horse b' }, refused: [], source: LENGTH },
  {
    name: '15 emoji count as 15',
    input: { password: '🐎🔋📎🐎🔋📎🐎🔋📎🐎🔋📎🐎🔋📎' },
    refused: [],
    source: security('15 emoji (multi-byte) count as 15.'),
  },
  {
    name: '128-character passphrase',
    input: { password: 'tea and toast '.repeat(9).slice(0, 128) },
    refused: [],
    source: security('64-, 128- and 256-char'),
  },
  {
    name: '300 characters',
    input: { password: 'x'.repeat(300) },
    refused: ['PASSWORD_TOO_LONG'],
    source: LENGTH,
  },
  {
    name: 'a common word padded with digits',
    input: { password: 'Password123456789' },
    refused: ['PASSWORD_BLOCKLISTED'],
    source: security('`Password123456789` are rejected with reason codes'),
  },
  {
    name: 'the organisation’s name and a year',
    input: { password: 'leedsteachinghospitals2025', contextWords: ORG },
    refused: ['PASSWORD_CONTEXT_WORD'],
    source: security('`leedsteachinghospitals2025` and'),
  },
  {
    name: 'a passphrase that merely contains a common word',
    input: { password: 'welcome to the jungle, said the nurse' },
    refused: [],
    source: BLOCKLIST,
  },
  {
    name: 'lower-case only, no digits, no symbols',
    input: { password: 'purple elephants dance quietly' },
    refused: [],
    source: security('no response ever contains "must contain an'),
  },
  {
    name: 'a word the organisation added to its blocklist',
    input: { password: 'St Elsewheres 2024!!' },
    policy: policyFrom({ password: { blocklist: ['St Elsewheres'] } }),
    refused: ['PASSWORD_BLOCKLISTED'],
    source: BLOCKLIST,
  },
  {
    name: 'found in a breach corpus by the caller',
    input: { password: 'a perfectly long password', breached: true },
    refused: ['PASSWORD_BREACHED'],
    source: BLOCKLIST,
  },
  {
    name: '8 characters when the organisation lowered the minimum',
    input: { password: 'tea4two!' },
    policy: policyFrom({
      password: { minLength: 8, insistOnShortMinimum: true },
      registration: { snooze: { times: 0 } },
      conditionalMfa: { rememberedDevice: { enabled: false } },
    }),
    refused: [],
    source: LENGTH,
  },
];

describe(decideNewPassword.name, () => {
  it.each(cases(table))('$name ($from)', ({ input, policy, refused }) => {
    const decision = decideNewPassword(input, policy ?? DEFAULT_POLICY);
    expect(decision.outcome).toBe(refused.length === 0 ? 'accepted' : 'refused');
    expect(decision.reasons.map((r) => r.code)).toEqual(refused);
  });

  it('never asks for character classes', () => {
    const decision = decideNewPassword({ password: 'short' }, DEFAULT_POLICY);
    expect(decision.reasons.map((r) => r.message).join(' ')).not.toMatch(
      /upper|lower-case|digit|symbol|special/i,
    );
  });

  it('counts code points after NFKC, the same for composed and decomposed forms', () => {
    expect(passwordLength('pässwörd'.normalize('NFC'))).toBe(passwordLength('pässwörd'.normalize('NFD')));
    expect(passwordLength('🐎')).toBe(1);
  });

  itQuotesItsSources(table.map((c) => c.source));
});
