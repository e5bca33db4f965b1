import type { Account, RegisteredMethod } from '../account.js';
import { DEFAULT_POLICY, policyFrom } from '../parse.js';
import type { ReasonCode } from '../reasons.js';
import type { Policy } from '../schema.js';
import {
  AFTER,
  LONG_BEFORE,
  NUDGE_TIME,
  OTHER_PHONE,
  admin,
  call,
  code,
  email,
  key,
  push,
  questions,
  staff,
  text,
} from '../test-support/fixtures.js';
import { cases, design, itQuotesItsSources, seed, security, type Source } from '../test-support/sources.js';
import { decideSspr } from './sspr.js';

const WITH_QUESTIONS = policyFrom({
  allowedMethods: ['authenticator_push', 'authenticator_code', 'mobile_text', 'email', 'security_questions'],
  sspr: {
    eligibleMethods: [
      'authenticator_push',
      'authenticator_code',
      'mobile_text',
      'email',
      'security_questions',
    ],
  },
});
// Not a policy anyone could save (validatePolicySafety refuses it), but decisions must still hold.
const ONE_GATE_WITH_EMAIL = policyFrom({ sspr: { methodsToReset: 1 } });
const ONE_GATE = policyFrom({
  sspr: { methodsToReset: 1, eligibleMethods: ['authenticator_push', 'mobile_text'] },
});

const P = push();
const T = text();
const C = call();
const E = email();

interface Case {
  name: string;
  source: Source;
  account: Account;
  policy?: Policy;
  now?: Date;
  passed?: RegisteredMethod[];
  expected: {
    outcome: 'refused' | 'next_gate' | 'may_reset';
    reasons?: ReasonCode[];
    gate?: number;
    candidates?: RegisteredMethod[];
    unavailable?: Record<string, ReasonCode[]>;
  };
}

const table: Case[] = [
  {
    name: 'an app and a phone: two gates, either may come first',
    source: seed(
      '002_f9397ffc2d38fb9f.txt',
      'You’ll be prompted for two forms of registered MFA. The selection available depends on how many compatible MFA options were registered.',
    ),
    account: staff([P, T]),
    expected: { outcome: 'next_gate', reasons: ['SSPR_NEXT_GATE'], gate: 1, candidates: [P, T] },
  },
  {
    name: 'after the app, the phone serves gate 2',
    source: seed(
      '002_f9397ffc2d38fb9f.txt',
      'You’ll be prompted for two forms of registered MFA. The selection available depends on how many compatible MFA options were registered.',
    ),
    account: staff([P, T]),
    passed: [P],
    expected: { outcome: 'next_gate', gate: 2, candidates: [T] },
  },
  {
    name: 'both gates passed: choose a new password',
    source: seed(
      '002_f9397ffc2d38fb9f.txt',
      'After choosing and completing both, the process will then request a new password and go back to the original login screen.',
    ),
    account: staff([P, T]),
    passed: [P, T],
    expected: { outcome: 'may_reset', reasons: ['SSPR_ALL_GATES_PASSED'] },
  },
  {
    name: 'a text and a call to the same number are one device',
    source: security('SMS and a voice call to the same number count as one device'),
    account: staff([T, C]),
    expected: { outcome: 'refused', reasons: ['SSPR_NEEDS_DIFFERENT_DEVICES'] },
  },
  {
    name: 'after a text, a call to the same number cannot serve gate 2',
    source: security('SMS and a voice call to the same number count as one device'),
    account: staff([T, C, P]),
    passed: [T],
    expected: { outcome: 'next_gate', gate: 2, candidates: [P] },
  },
  {
    name: 'a text then a call to the same number is refused',
    source: security('flow with gate1=SMS(+44…) and gate2=voice(same number) → refused'),
    account: staff([T, C, P]),
    passed: [T, C],
    expected: { outcome: 'refused', reasons: ['SSPR_SAME_DEVICE'] },
  },
  {
    name: 'push and code from the same app are one device',
    source: seed(
      '002_f9397ffc2d38fb9f.txt',
      'Microsoft Authenticator has two modes for authentication – Push Challenge and OATH TOTP.',
    ),
    account: staff([P, code()]),
    expected: { outcome: 'refused', reasons: ['SSPR_NEEDS_DIFFERENT_DEVICES'] },
  },
  {
    name: 'only one method is not enough',
    source: seed(
      '002_f9397ffc2d38fb9f.txt',
      'If a user’s account has 0 or only 1 SSPR-compatible MFA method, the user will prompt for registering additional methods with the following prompt:',
    ),
    account: staff([P]),
    expected: { outcome: 'refused', reasons: ['SSPR_NOT_ENOUGH_METHODS'] },
  },
  {
    name: 'security keys never serve',
    source: seed(
      '002_f9397ffc2d38fb9f.txt',
      'Yubikey and Windows Hello for Business, while also MFA, are not compatible for SSPR.',
    ),
    account: staff([key(), P]),
    expected: {
      outcome: 'refused',
      reasons: ['SSPR_NOT_ENOUGH_METHODS'],
      unavailable: { security_key: ['NOT_FOR_SSPR'] },
    },
  },
  {
    name: 'email may be one of two gates',
    source: seed(
      '002_f9397ffc2d38fb9f.txt',
      'Email and mobile phone are weaker than other methods, hence the requirement for at least two methods.',
    ),
    account: staff([P, E]),
    expected: { outcome: 'next_gate', gate: 1, candidates: [P, E] },
  },
  {
    name: 'after email, gate 2 must be a strong method',
    source: security('must not count as one of the two SSPR gates on its own (R9).'),
    account: staff([P, E, questions()]),
    policy: WITH_QUESTIONS,
    passed: [E],
    expected: { outcome: 'next_gate', gate: 2, candidates: [P] },
  },
  {
    name: 'email and security questions together are never enough',
    source: security('SSPR policy {questions, questions} rejected'),
    account: staff([E, questions()]),
    policy: WITH_QUESTIONS,
    expected: { outcome: 'refused', reasons: ['SSPR_NEEDS_STRONG_METHOD'] },
  },
  {
    name: 'email then questions is refused even if asked for',
    source: security(
      'If we keep them, they can only be an *additional* gate, never sufficient, never for admins (R10).',
    ),
    account: staff([P, E, questions()]),
    policy: WITH_QUESTIONS,
    passed: [E, questions()],
    expected: { outcome: 'refused', reasons: ['SSPR_NEEDS_STRONG_METHOD'] },
  },
  {
    name: 'with one gate, email is never the only gate',
    source: security('Email is not an MFA factor.'),
    account: staff([P, E]),
    policy: ONE_GATE_WITH_EMAIL,
    expected: { outcome: 'next_gate', gate: 1, candidates: [P] },
  },
  {
    name: 'with one gate, passing email alone is refused',
    source: security('Email is not an MFA factor.'),
    account: staff([P, E]),
    policy: ONE_GATE_WITH_EMAIL,
    passed: [E],
    expected: { outcome: 'refused', reasons: ['SSPR_NEEDS_STRONG_METHOD'] },
  },
  {
    name: 'with one gate, one strong method resets',
    source: seed('002_f9397ffc2d38fb9f.txt', 'You’ll be prompted for two forms of registered MFA.'),
    account: staff([P]),
    policy: ONE_GATE,
    passed: [P],
    expected: { outcome: 'may_reset' },
  },
  {
    name: 'a method the organisation does not count for SSPR is explained',
    source: seed(
      '002_f9397ffc2d38fb9f.txt',
      'The Miller Group will enable SSPR for all user accounts, requiring at least two MFA methods that are compatible for SSPR, of the following four types:',
    ),
    account: staff([P, T, E]),
    policy: ONE_GATE,
    expected: { outcome: 'next_gate', candidates: [P, T], unavailable: { email: ['NOT_SSPR_ELIGIBLE'] } },
  },
  {
    name: 'SSPR switched off',
    source: seed('002_f9397ffc2d38fb9f.txt', 'The Miller Group will enable SSPR for all user accounts'),
    account: staff([P, T]),
    policy: policyFrom({ sspr: { enabled: false } }),
    expected: { outcome: 'refused', reasons: ['SSPR_DISABLED'] },
  },
  {
    name: 'elevated rights never use security questions, even before the date',
    source: security('never available to elevated-rights accounts.'),
    account: admin([P, questions()]),
    policy: WITH_QUESTIONS,
    expected: { outcome: 'refused', unavailable: { security_questions: ['QUESTIONS_NEVER_FOR_ELEVATED'] } },
  },
  {
    name: 'elevated rights before the date may use app and phone',
    source: seed(
      '004_45c6962a3a3fcc05.txt',
      'This change comes in on 30th November 2023; however, it is advisable to change as soon as possible',
    ),
    account: admin([P, T]),
    now: NUDGE_TIME,
    expected: { outcome: 'next_gate', candidates: [P, T] },
  },
  {
    name: 'elevated rights after the date reset with text or email too: the rule is for signing in',
    source: design('rights may only satisfy MFA with authenticator push (or a security key)'),
    account: admin([P, T, E]),
    now: AFTER,
    expected: { outcome: 'next_gate', gate: 1, candidates: [P, T, E] },
  },
  {
    name: 'elevated rights never reset with security questions',
    source: design('security questions never for elevated rights'),
    account: admin([T, questions()]),
    policy: WITH_QUESTIONS,
    now: AFTER,
    expected: {
      outcome: 'refused',
      unavailable: { security_questions: ['QUESTIONS_NEVER_FOR_ELEVATED'] },
    },
  },
  {
    name: 'elevated rights after the date reset with two authenticator apps',
    source: seed(
      '004_45c6962a3a3fcc05.txt',
      'The requirement to use the most secure authentication method is only for those with elevated rights within NHSmail',
    ),
    account: admin([P, push('tablet-app'), T]),
    now: AFTER,
    passed: [P],
    expected: { outcome: 'next_gate', gate: 2, candidates: [push('tablet-app'), T] },
  },
  {
    name: 'a gate passed with a method that is not the person’s is refused',
    source: security('The second gate must be a *different* authenticator from the first'),
    account: staff([P, T]),
    passed: [text(OTHER_PHONE)],
    expected: { outcome: 'refused', reasons: ['SSPR_UNKNOWN_METHOD'] },
  },
  {
    name: 'a gate passed with a method that cannot serve is refused',
    source: seed(
      '002_f9397ffc2d38fb9f.txt',
      'Yubikey and Windows Hello for Business, while also MFA, are not compatible for SSPR.',
    ),
    account: staff([P, T, key()]),
    passed: [key()],
    expected: { outcome: 'refused', reasons: ['SSPR_GATE_NOT_ALLOWED', 'NOT_FOR_SSPR'] },
  },
];

describe(decideSspr.name, () => {
  it.each(cases(table))('$name ($from)', ({ account, policy, now, passed, expected }) => {
    const decision = decideSspr(account, policy ?? DEFAULT_POLICY, {
      now: now ?? LONG_BEFORE,
      gatesPassed: passed?.map((m) => m.id),
    });
    expect(decision.outcome).toBe(expected.outcome);
    expect(decision.reasons.length).toBeGreaterThan(0);
    if (expected.reasons) expect(decision.reasons.map((r) => r.code)).toEqual(expected.reasons);
    if (decision.outcome === 'next_gate') {
      if (expected.gate) expect(decision.gate).toBe(expected.gate);
      if (expected.candidates)
        expect(decision.candidates.map((m) => m.id)).toEqual(expected.candidates.map((m) => m.id));
    }
    if (expected.unavailable) {
      const unavailable = 'unavailable' in decision ? decision.unavailable : [];
      expect(
        Object.fromEntries(unavailable.map((u) => [u.method.type, u.reasons.map((r) => r.code)])),
      ).toMatchObject(expected.unavailable);
    }
  });

  it('always asks for the CAPTCHA and number-matches push', () => {
    const decision = decideSspr(admin([P, push('tablet-app')]), DEFAULT_POLICY, { now: AFTER });
    expect(decision).toMatchObject({ outcome: 'next_gate', captchaRequired: true, numberMatchingDigits: 6 });
  });

  it('says how many gates the policy requires', () => {
    expect(decideSspr(staff([P, T]), DEFAULT_POLICY, { now: LONG_BEFORE }).gatesRequired).toBe(2);
    expect(decideSspr(staff([P, T]), ONE_GATE, { now: LONG_BEFORE }).gatesRequired).toBe(1);
  });

  itQuotesItsSources([
    ...table.map((c) => c.source),
    seed(
      '002_f9397ffc2d38fb9f.txt',
      'First, complete the Captcha login (this is meant to block hackers from automating password reset hacks).',
    ),
  ]);
});
