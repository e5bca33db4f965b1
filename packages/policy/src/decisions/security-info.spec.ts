import type { Account } from '../account.js';
import { deviceKeyFor } from '../catalogue.js';
import { DEFAULT_POLICY, policyFrom } from '../parse.js';
import type { ReasonCode } from '../reasons.js';
import type { Policy } from '../schema.js';
import {
  AFTER,
  LONG_BEFORE,
  NUDGE_TIME,
  OFFICE,
  PHONE,
  admin,
  code,
  email,
  key,
  office,
  push,
  questions,
  staff,
  text,
} from '../test-support/fixtures.js';
import { cases, design, itQuotesItsSources, seed, security, type Source } from '../test-support/sources.js';
import { decideAddMethod, decideRemoveMethod, decideSetDefault, type NewMethod } from './security-info.js';

const OFFICE_ALLOWED = policyFrom({
  allowedMethods: ['authenticator_push', 'authenticator_code', 'mobile_text', 'office_call', 'email'],
});
const QUESTIONS_ALLOWED = policyFrom({
  allowedMethods: ['security_key', 'authenticator_push', 'mobile_text', 'email', 'security_questions'],
  sspr: { eligibleMethods: ['authenticator_push', 'mobile_text', 'email', 'security_questions'] },
});

interface Case {
  name: string;
  source: Source;
  account: Account;
  policy?: Policy;
  now?: Date;
  expected: {
    outcome: 'allowed' | 'refused';
    reasons?: ReasonCode[];
    notices?: ReasonCode[];
    message?: string;
  };
}

const add = (type: NewMethod['type'], detail: string, extension?: string): NewMethod =>
  extension === undefined
    ? { type, deviceKey: deviceKeyFor(type, detail) }
    : { type, deviceKey: deviceKeyFor(type, detail), extension };

const addCases: (Case & { method: NewMethod })[] = [
  {
    name: 'email is not the first method',
    source: seed(
      '002_f9397ffc2d38fb9f.txt',
      'After setting up an authenticator app or phone, email will be available as a secondary MFA option (not available as primary, only secondary)',
    ),
    account: staff([]),
    method: add('email', 'jo@example.org'),
    expected: { outcome: 'refused', reasons: ['EMAIL_NOT_FIRST'] },
  },
  {
    name: 'email after an app',
    source: seed(
      '002_f9397ffc2d38fb9f.txt',
      'This option is also available later as an additional backup MFA option.',
    ),
    account: staff([push()]),
    method: add('email', 'jo@example.org'),
    expected: { outcome: 'allowed' },
  },
  {
    name: 'office phone when the organisation disabled it',
    source: seed(
      '001_7ab364164b39ca30.txt',
      'The use of the office phone option is not recommended or supported by NHSmail.',
    ),
    account: staff([push()]),
    method: add('office_call', OFFICE),
    expected: {
      outcome: 'refused',
      reasons: ['METHOD_DISABLED'],
      message: 'Office phone is disabled by your organisation.',
    },
  },
  {
    name: 'office phone with an extension',
    source: seed(
      '001_7ab364164b39ca30.txt',
      'MFA does not support routing of calls via switchboards or other telephony routing services. A direct dial telephone number is required.',
    ),
    account: staff([push()]),
    policy: OFFICE_ALLOWED,
    method: add('office_call', OFFICE, '4021'),
    expected: { outcome: 'refused', reasons: ['OFFICE_PHONE_EXTENSION'] },
  },
  {
    name: 'office phone, direct dial, when allowed',
    source: seed(
      '001_7ab364164b39ca30.txt',
      'Users will require access to the specific office telephone number to verify their sign-in.',
    ),
    account: staff([push()]),
    policy: OFFICE_ALLOWED,
    method: add('office_call', OFFICE),
    expected: { outcome: 'allowed' },
  },
  {
    name: 'office phone for a hybrid account',
    source: seed(
      '001_7ab364164b39ca30.txt',
      'Office phone verification cannot be used by NHSmail Office 365 Hybrid users.',
    ),
    account: staff([push()], { hybrid: true }),
    policy: OFFICE_ALLOWED,
    method: add('office_call', OFFICE),
    expected: { outcome: 'refused', reasons: ['OFFICE_PHONE_HYBRID'] },
  },
  {
    name: 'an alternate phone after a first method',
    source: seed(
      '001_7ab364164b39ca30.txt',
      "Click the drop down and select 'Alternate Phone' and click Add.",
    ),
    account: staff([push()]),
    method: add('alternate_call', '+447700900999'),
    expected: { outcome: 'allowed' },
  },
  {
    name: 'an app password only after MFA is set up',
    source: seed(
      '001_7ab364164b39ca30.txt',
      'Following setup, you will be directed to a screen with further information on your app password.',
    ),
    account: staff([]),
    method: add('app_password', 'outlook'),
    expected: { outcome: 'refused', reasons: ['NOT_FIRST'] },
  },
  {
    name: 'no app passwords for elevated rights',
    source: security('admin accounts cannot create one (R24).'),
    account: admin([push()]),
    method: add('app_password', 'outlook'),
    expected: { outcome: 'refused', reasons: ['APP_PASSWORD_NOT_FOR_ELEVATED'] },
  },
  {
    name: 'no security questions for elevated rights',
    source: security('never available to elevated-rights accounts.'),
    account: admin([push(), text()]),
    policy: QUESTIONS_ALLOWED,
    method: add('security_questions', ''),
    expected: { outcome: 'refused', reasons: ['QUESTIONS_NEVER_FOR_ELEVATED'] },
  },
  {
    name: 'after the date, elevated rights may add text for password reset only',
    source: design('rights may only satisfy MFA with authenticator push (or a security key)'),
    account: admin([push()]),
    now: AFTER,
    method: add('mobile_text', PHONE),
    expected: { outcome: 'allowed', notices: ['ELEVATED_RESET_ONLY'] },
  },
  {
    name: 'after the date, elevated rights are refused security questions for that reason alone',
    source: design('security questions never for elevated rights'),
    account: admin([push()]),
    policy: QUESTIONS_ALLOWED,
    now: AFTER,
    method: add('security_questions', ''),
    expected: { outcome: 'refused', reasons: ['QUESTIONS_NEVER_FOR_ELEVATED'] },
  },
  {
    name: 'after the date, elevated rights cannot add text before they can sign in',
    source: seed(
      '004_45c6962a3a3fcc05.txt',
      'If you currently authenticate with any of the following, you will need to move to "push" phone app notifications.',
    ),
    account: admin([]),
    now: AFTER,
    method: add('mobile_text', PHONE),
    expected: { outcome: 'refused', reasons: ['ELEVATED_METHOD_REFUSED'] },
  },
  {
    name: 'after the date, elevated rights cannot add what cannot reset either',
    source: seed(
      '004_45c6962a3a3fcc05.txt',
      'If you currently authenticate with any of the following, you will need to move to "push" phone app notifications.',
    ),
    account: admin([push()]),
    policy: OFFICE_ALLOWED,
    now: AFTER,
    method: add('office_call', OFFICE),
    expected: { outcome: 'refused', reasons: ['ELEVATED_METHOD_REFUSED'] },
  },
  {
    name: 'before the date, elevated rights may add text, with a warning',
    source: seed(
      '004_45c6962a3a3fcc05.txt',
      'This change comes in on 30th November 2023; however, it is advisable to change as soon as possible',
    ),
    account: admin([push()]),
    now: NUDGE_TIME,
    method: add('mobile_text', PHONE),
    expected: { outcome: 'allowed', notices: ['ELEVATED_RIGHTS_NUDGE'] },
  },
  {
    name: 'the same phone twice',
    source: seed(
      '002_f9397ffc2d38fb9f.txt',
      'If one is already registered, then the prompt should skip asking for another method of that type.',
    ),
    account: staff([push(), text()]),
    method: add('mobile_text', PHONE),
    expected: { outcome: 'refused', reasons: ['ALREADY_REGISTERED'] },
  },
];

const removeCases: (Case & { remove: string; newDefault?: string })[] = [
  {
    name: 'removing an old phone when app and email remain',
    source: seed(
      '002_f9397ffc2d38fb9f.txt',
      'Existing methods can be removed here too (old phone or email address).',
    ),
    account: staff([push(), text(), email()]),
    remove: text().id,
    expected: { outcome: 'allowed' },
  },
  {
    name: 'removing one of only two SSPR methods',
    source: seed(
      '002_f9397ffc2d38fb9f.txt',
      'The Miller Group will enable SSPR for all user accounts, requiring at least two MFA methods that are compatible for SSPR, of the following four types:',
    ),
    account: staff([push(), text()]),
    remove: text().id,
    expected: { outcome: 'refused', reasons: ['BELOW_SSPR_MINIMUM'] },
  },
  {
    name: 'removing the last sign-in method',
    source: seed(
      '001_7ab364164b39ca30.txt',
      'Even if someone else finds the user’s password, they will be prevented from gaining access to the NHSmail account if they do not also have access to the user’s preferred contact method.',
    ),
    account: staff([push(), email()]),
    policy: policyFrom({ sspr: { enabled: false } }),
    remove: push().id,
    expected: { outcome: 'refused', reasons: ['BELOW_MFA_MINIMUM'] },
  },
  {
    name: 'removing the app leaves only email and questions for SSPR',
    source: seed(
      '002_f9397ffc2d38fb9f.txt',
      'Email and mobile phone are weaker than other methods, hence the requirement for at least two methods.',
    ),
    account: staff([push(), key(), email(), questions()]),
    policy: QUESTIONS_ALLOWED,
    remove: push().id,
    expected: {
      outcome: 'refused',
      reasons: ['BELOW_SSPR_MINIMUM'],
      message:
        'You must keep the authenticator app or a phone for resetting your password. Add another before you remove this one.',
    },
  },
  {
    name: 'removing the default picks the strongest remaining',
    source: seed(
      '001_7ab364164b39ca30.txt',
      'After entering your login details, the authentication process will default to the verification method you selected.',
    ),
    account: staff([push(), text(undefined, { isDefault: true }), code('other-app'), email()]),
    remove: text().id,
    newDefault: push().id,
    expected: { outcome: 'allowed' },
  },
  {
    name: 'after the date, an admin may remove one of two authenticator apps',
    source: seed(
      '004_45c6962a3a3fcc05.txt',
      'If you currently authenticate with any of the following, you will need to move to "push" phone app notifications.',
    ),
    account: admin([push(), text(), push('tablet-app')]),
    policy: policyFrom({ sspr: { enabled: false } }),
    now: AFTER,
    remove: push('tablet-app').id,
    expected: { outcome: 'allowed' },
  },
  {
    name: 'after the date, an admin cannot remove their last push',
    source: seed(
      '004_45c6962a3a3fcc05.txt',
      'If you currently authenticate with any of the following, you will need to move to "push" phone app notifications.',
    ),
    account: admin([push(), text()]),
    policy: policyFrom({ sspr: { enabled: false } }),
    now: AFTER,
    remove: push().id,
    expected: { outcome: 'refused', reasons: ['BELOW_MFA_MINIMUM'] },
  },
  {
    name: 'removing a method that is not there',
    source: seed(
      '002_f9397ffc2d38fb9f.txt',
      'Existing methods can be removed here too (old phone or email address).',
    ),
    account: staff([push()]),
    remove: 'nope',
    expected: { outcome: 'refused', reasons: ['METHOD_NOT_FOUND'] },
  },
];

const defaultCases: (Case & { choose: string })[] = [
  {
    name: 'email is never the default',
    source: seed(
      '002_f9397ffc2d38fb9f.txt',
      'After setting up an authenticator app or phone, email will be available as a secondary MFA option (not available as primary, only secondary)',
    ),
    account: staff([push(), email()]),
    choose: email().id,
    expected: { outcome: 'refused', reasons: ['DEFAULT_NEVER_EMAIL'] },
  },
  {
    name: 'security questions are never the default',
    source: security(
      'If we keep them, they can only be an *additional* gate, never sufficient, never for admins (R10).',
    ),
    account: staff([push(), questions()]),
    choose: questions().id,
    expected: { outcome: 'refused', reasons: ['NOT_DEFAULT_CAPABLE'] },
  },
  {
    name: 'an office phone is never the default',
    source: seed(
      '001_7ab364164b39ca30.txt',
      'The recommended option for verification is to use the Microsoft authenticator app.',
    ),
    account: staff([push(), office()]),
    policy: OFFICE_ALLOWED,
    choose: office().id,
    expected: { outcome: 'refused', reasons: ['NOT_DEFAULT_CAPABLE'] },
  },
  {
    name: 'text may be an ordinary person’s default',
    source: seed(
      '004_45c6962a3a3fcc05.txt',
      'Typical users will not be limited to "push" phone app notifications.',
    ),
    account: staff([push(), text()]),
    now: AFTER,
    choose: text().id,
    expected: { outcome: 'allowed' },
  },
  {
    name: 'after the date, elevated rights may only make push the default',
    source: seed(
      '004_45c6962a3a3fcc05.txt',
      "Ensure your Default sign-in method is set to 'Microsoft Authenticator - notification'",
    ),
    account: admin([push(), text()]),
    now: AFTER,
    choose: text().id,
    expected: { outcome: 'refused', reasons: ['ELEVATED_DEFAULT_REFUSED'] },
  },
  {
    name: 'after the date, elevated rights may make a security key the default',
    source: security('Recommend allowing FIDO2 for admins alongside push-with-number-matching (R26).'),
    account: admin([push(), key()]),
    now: AFTER,
    choose: key().id,
    expected: { outcome: 'allowed' },
  },
  {
    name: 'before the date, elevated rights choosing text are warned',
    source: seed(
      '004_45c6962a3a3fcc05.txt',
      'This change comes in on 30th November 2023; however, it is advisable to change as soon as possible',
    ),
    account: admin([push(), text()]),
    now: NUDGE_TIME,
    choose: text().id,
    expected: { outcome: 'allowed', notices: ['ELEVATED_RIGHTS_NUDGE'] },
  },
  {
    name: 'a disabled method cannot become the default',
    source: seed(
      '001_7ab364164b39ca30.txt',
      'The use of the office phone option is not recommended or supported by NHSmail.',
    ),
    account: staff([push(), text()]),
    policy: policyFrom({ allowedMethods: ['authenticator_push', 'authenticator_code', 'email'] }),
    choose: text().id,
    expected: { outcome: 'refused', reasons: ['METHOD_DISABLED'] },
  },
  {
    name: 'no choosing when the organisation sets the default',
    source: design(
      "Default method: the user's choice among allowed methods; otherwise the strongest registered one.",
    ),
    account: staff([push(), text()]),
    policy: policyFrom({ defaultMethod: { userMayChoose: false } }),
    choose: text().id,
    expected: { outcome: 'refused', reasons: ['DEFAULT_CHOICE_DISABLED'] },
  },
];

function check(
  decision: {
    outcome: string;
    reasons: readonly { code: ReasonCode; message: string }[];
    notices: readonly { code: ReasonCode }[];
  },
  expected: Case['expected'],
) {
  expect(decision.outcome).toBe(expected.outcome);
  if (decision.outcome === 'refused') expect(decision.reasons.length).toBeGreaterThan(0);
  if (expected.reasons) expect(decision.reasons.map((r) => r.code)).toEqual(expected.reasons);
  expect(decision.notices.map((r) => r.code)).toEqual(expected.notices ?? []);
  if (expected.message) expect(decision.reasons.map((r) => r.message)).toContain(expected.message);
}

describe(decideAddMethod.name, () => {
  it.each(cases(addCases))('$name ($from)', ({ account, policy, now, method, expected }) => {
    check(decideAddMethod(account, method, policy ?? DEFAULT_POLICY, { now: now ?? LONG_BEFORE }), expected);
  });
  itQuotesItsSources(addCases.map((c) => c.source));
});

describe(decideRemoveMethod.name, () => {
  it.each(cases(removeCases))('$name ($from)', ({ account, policy, now, remove, newDefault, expected }) => {
    const decision = decideRemoveMethod(account, remove, policy ?? DEFAULT_POLICY, {
      now: now ?? LONG_BEFORE,
    });
    check(decision, expected);
    if (newDefault) expect(decision.newDefault?.id).toBe(newDefault);
  });
  itQuotesItsSources(removeCases.map((c) => c.source));
});

describe(decideSetDefault.name, () => {
  it.each(cases(defaultCases))('$name ($from)', ({ account, policy, now, choose, expected }) => {
    check(decideSetDefault(account, choose, policy ?? DEFAULT_POLICY, { now: now ?? LONG_BEFORE }), expected);
  });
  it('explains an unknown method', () => {
    check(decideSetDefault(staff([push()]), 'nope', DEFAULT_POLICY, { now: LONG_BEFORE }), {
      outcome: 'refused',
      reasons: ['METHOD_NOT_FOUND'],
    });
  });
  itQuotesItsSources(defaultCases.map((c) => c.source));
});
