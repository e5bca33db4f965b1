import type { Account } from '../account.js';
import type { MethodType } from '../catalogue.js';
import { DEFAULT_POLICY, policyFrom } from '../parse.js';
import type { ReasonCode } from '../reasons.js';
import type { Policy } from '../schema.js';
import {
  AFTER,
  LONG_BEFORE,
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
import { cases, design, itQuotesItsSources, seed, type Source } from '../test-support/sources.js';
import { decideRegistration } from './registration.js';

interface Case {
  name: string;
  source: Source;
  account: Account;
  policy?: Policy;
  now?: Date;
  expected: {
    outcome: 'complete' | 'required' | 'blocked';
    reasons?: ReasonCode[];
    step?: [number, number];
    offerFirst?: MethodType;
    otherChoices?: MethodType[];
    notOffered?: Partial<Record<MethodType, ReasonCode[]>>;
    snooze?: { allowed: boolean; remaining?: number; reason?: ReasonCode };
    signInReady?: boolean;
  };
}

const OFFICE_ALLOWED = policyFrom({
  allowedMethods: [
    'authenticator_push',
    'authenticator_code',
    'mobile_text',
    'mobile_call',
    'office_call',
    'email',
  ],
  sspr: {
    eligibleMethods: [
      'authenticator_push',
      'authenticator_code',
      'mobile_text',
      'mobile_call',
      'office_call',
      'email',
    ],
  },
});

const table: Case[] = [
  {
    name: 'a new person is asked for method 1 of 2, the authenticator app first',
    source: seed(
      '000_79374132da62cfc5.txt',
      'After you select Next from the prompt, a Keep your account secure wizard appears, showing the first method your administrator and organisation require you to set up.',
    ),
    account: staff([]),
    expected: {
      outcome: 'required',
      reasons: ['REGISTRATION_NEEDS_METHODS'],
      step: [1, 2],
      offerFirst: 'authenticator_push',
      otherChoices: ['security_key', 'authenticator_code', 'mobile_call', 'mobile_text'],
    },
  },
  {
    name: 'a different method can be chosen instead of the app',
    source: seed(
      '002_f9397ffc2d38fb9f.txt',
      'To skip setting up Microsoft Authenticator, select "I want to set up a different method" at the bottom of the window.',
    ),
    account: staff([]),
    expected: {
      outcome: 'required',
      otherChoices: ['security_key', 'authenticator_code', 'mobile_call', 'mobile_text'],
    },
  },
  {
    name: 'email is not offered first',
    source: seed(
      '002_f9397ffc2d38fb9f.txt',
      'After setting up an authenticator app or phone, email will be available as a secondary MFA option (not available as primary, only secondary)',
    ),
    account: staff([]),
    expected: {
      outcome: 'required',
      notOffered: { email: ['EMAIL_NOT_FIRST'], alternate_call: ['SECURITY_INFO_ONLY', 'NOT_FIRST'] },
    },
  },
  {
    name: 'after the app: method 2 of 2, a phone first and now email too',
    source: seed('000_79374132da62cfc5.txt', 'Method 2 of 2: Phone'),
    account: staff([push()]),
    expected: {
      outcome: 'required',
      step: [2, 2],
      offerFirst: 'mobile_call',
      otherChoices: ['mobile_text', 'email', 'authenticator_code'],
      notOffered: { authenticator_push: ['ALREADY_REGISTERED_TYPE'], security_key: ['DOES_NOT_HELP'] },
    },
  },
  {
    name: 'app and phone: done',
    source: seed('000_79374132da62cfc5.txt', 'Great job! You have successfully set up your security info.'),
    account: staff([push(), text()]),
    expected: {
      outcome: 'complete',
      reasons: ['REGISTRATION_COMPLETE'],
      step: [2, 2],
      snooze: { allowed: false },
    },
  },
  {
    name: 'app and email: done',
    source: seed(
      '002_f9397ffc2d38fb9f.txt',
      'Once both required options are set up, required MFA registration is complete.',
    ),
    account: staff([push(), email()]),
    expected: { outcome: 'complete' },
  },
  {
    name: 'push and code from one app are one method',
    source: seed(
      '002_f9397ffc2d38fb9f.txt',
      'Microsoft Authenticator has two modes for authentication – Push Challenge and OATH TOTP.',
    ),
    account: staff([push(), code()]),
    expected: { outcome: 'required', step: [2, 2], offerFirst: 'mobile_call' },
  },
  {
    name: 'a text and a call to one phone are one method',
    source: seed(
      '000_79374132da62cfc5.txt',
      'If you would prefer to get a phone call, the process is the same.',
    ),
    account: staff([text(), call()]),
    expected: { outcome: 'required', step: [2, 2], offerFirst: 'authenticator_push' },
  },
  {
    name: 'a type already registered is skipped',
    source: seed(
      '002_f9397ffc2d38fb9f.txt',
      'If one is already registered, then the prompt should skip asking for another method of that type.',
    ),
    account: staff([text()]),
    expected: { outcome: 'required', notOffered: { mobile_text: ['ALREADY_REGISTERED_TYPE'] } },
  },
  {
    name: 'one SSPR method is not enough',
    source: seed(
      '002_f9397ffc2d38fb9f.txt',
      'If a user’s account has 0 or only 1 SSPR-compatible MFA method, the user will prompt for registering additional methods with the following prompt:',
    ),
    account: staff([key(), push()]),
    expected: { outcome: 'required', step: [2, 2] },
  },
  {
    name: 'a security key does not count towards SSPR',
    source: seed(
      '002_f9397ffc2d38fb9f.txt',
      'Yubikey and Windows Hello for Business, while also MFA, are not compatible for SSPR.',
    ),
    account: staff([key()]),
    expected: {
      outcome: 'required',
      step: [1, 2],
      offerFirst: 'authenticator_push',
      notOffered: { security_key: ['ALREADY_REGISTERED_TYPE'] },
    },
  },
  {
    name: 'without SSPR one sign-in method is enough',
    source: design(
      'MFA registration is required; it is enforced at the next sign-in ("More information required"),',
    ),
    account: staff([push()]),
    policy: policyFrom({ sspr: { enabled: false } }),
    expected: { outcome: 'complete', step: [1, 1] },
  },
  {
    name: 'email and questions alone need a stronger method',
    source: seed(
      '002_f9397ffc2d38fb9f.txt',
      'Email and mobile phone are weaker than other methods, hence the requirement for at least two methods.',
    ),
    account: staff([email(), questions()]),
    policy: policyFrom({
      allowedMethods: ['authenticator_push', 'mobile_text', 'email', 'security_questions'],
      sspr: { eligibleMethods: ['authenticator_push', 'mobile_text', 'email', 'security_questions'] },
    }),
    expected: {
      outcome: 'required',
      reasons: ['REGISTRATION_NEEDS_METHODS', 'REGISTRATION_NEEDS_STRONG_METHOD'],
      offerFirst: 'authenticator_push',
    },
  },
  {
    name: 'after the date, elevated rights are offered push or a key until they can sign in',
    source: seed(
      '004_45c6962a3a3fcc05.txt',
      'If you currently authenticate with any of the following, you will need to move to "push" phone app notifications.',
    ),
    account: admin([text()]),
    now: AFTER,
    expected: {
      outcome: 'required',
      step: [2, 2],
      offerFirst: 'authenticator_push',
      otherChoices: ['security_key'],
      notOffered: {
        authenticator_code: ['ELEVATED_METHOD_REFUSED'],
        mobile_call: ['ELEVATED_METHOD_REFUSED'],
      },
    },
  },
  {
    name: 'after the date, elevated rights with the app are offered a phone or email for password reset',
    source: design('rights may only satisfy MFA with authenticator push (or a security key)'),
    account: admin([push(), code()]),
    now: AFTER,
    expected: {
      outcome: 'required',
      step: [2, 2],
      signInReady: true,
      offerFirst: 'mobile_call',
      otherChoices: ['mobile_text', 'email'],
      notOffered: { security_key: ['DOES_NOT_HELP'] },
    },
  },
  {
    name: 'when nothing allowed can finish, a person who can sign in may go on',
    source: seed(
      '000_79374132da62cfc5.txt',
      'showing the first method your administrator and organisation require you to set up',
    ),
    account: staff([push(), code()]),
    // not a policy anyone can save now (UNSAFE_REGISTRATION_IMPOSSIBLE), but one saved before may be
    policy: policyFrom({
      allowedMethods: ['authenticator_push', 'authenticator_code'],
      sspr: { eligibleMethods: ['authenticator_push', 'authenticator_code'] },
    }),
    expected: {
      outcome: 'blocked',
      step: [2, 2],
      signInReady: true,
      reasons: ['REGISTRATION_NOTHING_TO_OFFER', 'REGISTRATION_SIGN_IN_READY'],
    },
  },
  {
    name: 'elevated rights cannot snooze',
    source: seed(
      '001_7ab364164b39ca30.txt',
      'As a Local Administrator (LA) you will have MFA automatically enabled on your NHSmail account.',
    ),
    account: admin([]),
    expected: { outcome: 'required', snooze: { allowed: false, reason: 'SNOOZE_NOT_FOR_ELEVATED' } },
  },
  {
    name: 'snooze with a count of times left',
    source: design(
      'with an optional snooze (a number of days, a number of times) before it becomes mandatory.',
    ),
    account: staff([], { snoozesUsed: 1 }),
    expected: { outcome: 'required', snooze: { allowed: true, remaining: 1, reason: 'SNOOZE_AVAILABLE' } },
  },
  {
    name: 'no more snoozes once used up',
    source: seed(
      '003_666bc4a499d5e8a3.txt',
      'MFA is quick and easy for most people to set up. By enrolling now, you will avoid having to do this at an inconvenient time when prompted for MFA.',
    ),
    account: staff([], { snoozesUsed: 3 }),
    expected: { outcome: 'required', snooze: { allowed: false, remaining: 0, reason: 'SNOOZE_USED_UP' } },
  },
  {
    name: 'no snooze when the organisation allows none',
    source: design(
      'with an optional snooze (a number of days, a number of times) before it becomes mandatory.',
    ),
    account: staff([]),
    policy: policyFrom({ registration: { snooze: { times: 0 } } }),
    expected: { outcome: 'required', snooze: { allowed: false, reason: 'SNOOZE_DISABLED' } },
  },
  {
    name: 'office phone is offered after a first method when allowed',
    source: seed('001_7ab364164b39ca30.txt', 'Office phones must support Dual Tone Multi-Frequency (DTMF).'),
    account: staff([push()]),
    policy: OFFICE_ALLOWED,
    expected: {
      outcome: 'required',
      otherChoices: ['office_call', 'mobile_text', 'email', 'authenticator_code'],
    },
  },
  {
    name: 'office phone is not offered to hybrid accounts',
    source: seed(
      '001_7ab364164b39ca30.txt',
      'Office phone verification cannot be used by NHSmail Office 365 Hybrid users.',
    ),
    account: staff([push()], { hybrid: true }),
    policy: OFFICE_ALLOWED,
    expected: { outcome: 'required', notOffered: { office_call: ['OFFICE_PHONE_HYBRID'] } },
  },
];

describe(decideRegistration.name, () => {
  it.each(cases(table))('$name ($from)', ({ account, policy, now, expected }) => {
    const decision = decideRegistration(account, policy ?? DEFAULT_POLICY, { now: now ?? LONG_BEFORE });
    expect(decision.outcome).toBe(expected.outcome);
    expect(decision.reasons.length).toBeGreaterThan(0);
    if (expected.signInReady !== undefined) expect(decision.signInReady).toBe(expected.signInReady);
    if (expected.reasons) expect(decision.reasons.map((r) => r.code)).toEqual(expected.reasons);
    if (expected.step) expect([decision.step.method, decision.step.of]).toEqual(expected.step);
    if (expected.offerFirst) expect(decision.offerFirst).toBe(expected.offerFirst);
    if (expected.otherChoices) expect(decision.otherChoices).toEqual(expected.otherChoices);
    if (expected.notOffered) {
      const byType = Object.fromEntries(
        decision.notOffered.map((n) => [n.type, n.reasons.map((r) => r.code)]),
      );
      expect(byType).toMatchObject(expected.notOffered);
    }
    if (expected.snooze) {
      expect(decision.snooze.allowed).toBe(expected.snooze.allowed);
      if (expected.snooze.remaining !== undefined)
        expect(decision.snooze.remaining).toBe(expected.snooze.remaining);
      if (expected.snooze.reason)
        expect(decision.snooze.reasons.map((r) => r.code)).toEqual([expected.snooze.reason]);
    }
  });

  it('never offers email, questions or app passwords first', () => {
    const wide = policyFrom({
      allowedMethods: ['authenticator_push', 'email', 'security_questions', 'app_password'],
      sspr: { eligibleMethods: ['authenticator_push', 'email', 'security_questions'] },
    });
    const decision = decideRegistration(staff([]), wide, { now: LONG_BEFORE });
    expect([decision.offerFirst, ...decision.otherChoices]).toEqual(['authenticator_push']);
  });

  itQuotesItsSources(table.map((c) => c.source));
});
