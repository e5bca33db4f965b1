import type { Account } from '../account.js';
import { DEFAULT_POLICY, policyFrom } from '../parse.js';
import { AFTER, NUDGE_TIME, admin, email, office, push, staff, text } from '../test-support/fixtures.js';
import { cases, itQuotesItsSources, seed, type Source } from '../test-support/sources.js';
import {
  assessAccount,
  buildReadinessReport,
  compareReadiness,
  type ReadinessRule,
  type ReadinessStatus,
} from './readiness.js';

const people: Account[] = [
  staff([push(), text()], { id: 'ready-staff' }),
  staff([push(), office()], { id: 'office-phone-staff' }),
  staff([], { id: 'new-starter' }),
  admin([push(), text()], { id: 'ready-admin' }),
  admin([text(), email()], { id: 'text-admin' }),
];

interface Case {
  name: string;
  source: Source;
  account: Account;
  now: Date;
  expected: { overall: ReadinessStatus; rules: Partial<Record<ReadinessRule, ReadinessStatus>> };
}

const table: Case[] = [
  {
    name: 'an app and a phone: fine everywhere',
    source: seed('000_79374132da62cfc5.txt', 'Great job! You have successfully set up your security info.'),
    account: people[0]!,
    now: NUDGE_TIME,
    expected: {
      overall: 'fine',
      rules: { sign_in: 'fine', registration: 'fine', sspr: 'fine', allowed_methods: 'fine' },
    },
  },
  {
    name: 'a disabled office phone leaves one SSPR device',
    source: seed(
      '001_7ab364164b39ca30.txt',
      'The use of the office phone option is not recommended or supported by NHSmail.',
    ),
    account: people[1]!,
    now: NUDGE_TIME,
    expected: {
      overall: 'blocked',
      rules: { sign_in: 'fine', registration: 'nudged', sspr: 'blocked', allowed_methods: 'nudged' },
    },
  },
  {
    name: 'a new starter is sent to the wizard',
    source: seed(
      '000_79374132da62cfc5.txt',
      'You will then see a prompt that asks you to provide more information before it lets you access your account.',
    ),
    account: people[2]!,
    now: NUDGE_TIME,
    expected: { overall: 'blocked', rules: { sign_in: 'nudged', registration: 'nudged', sspr: 'blocked' } },
  },
  {
    name: 'an admin on text is nudged before the date',
    source: seed(
      '004_45c6962a3a3fcc05.txt',
      'This change comes in on 30th November 2023; however, it is advisable to change as soon as possible',
    ),
    account: people[4]!,
    now: NUDGE_TIME,
    expected: {
      overall: 'nudged',
      rules: { sign_in: 'fine', registration: 'fine', sspr: 'fine', elevated_rights: 'nudged' },
    },
  },
  {
    name: 'an admin on text is blocked from signing in after the date, and can still reset',
    source: seed(
      '004_45c6962a3a3fcc05.txt',
      'If you currently authenticate with any of the following, you will need to move to "push" phone app notifications.',
    ),
    account: people[4]!,
    now: AFTER,
    expected: {
      overall: 'blocked',
      rules: { sign_in: 'blocked', registration: 'nudged', sspr: 'fine', elevated_rights: 'blocked' },
    },
  },
];

describe(assessAccount.name, () => {
  it.each(cases(table))('$name ($from)', ({ account, now, expected }) => {
    const assessed = assessAccount(account, DEFAULT_POLICY, { now });
    expect(assessed.overall).toBe(expected.overall);
    const statuses = Object.fromEntries(Object.entries(assessed.rules).map(([rule, r]) => [rule, r.status]));
    expect(statuses).toMatchObject(expected.rules);
    for (const r of Object.values(assessed.rules))
      if (r.status !== 'fine') expect(r.reasons.length).toBeGreaterThan(0);
  });

  it('applies the elevated-rights rule only to elevated accounts and SSPR only when enabled', () => {
    expect(
      assessAccount(people[0]!, DEFAULT_POLICY, { now: NUDGE_TIME }).rules.elevated_rights,
    ).toBeUndefined();
    expect(
      assessAccount(people[0]!, policyFrom({ sspr: { enabled: false } }), { now: NUDGE_TIME }).rules.sspr,
    ).toBeUndefined();
  });

  itQuotesItsSources(table.map((c) => c.source));
});

describe(buildReadinessReport.name, () => {
  it('counts each rule and each account once, by its worst status', () => {
    const report = buildReadinessReport(people, DEFAULT_POLICY, { now: NUDGE_TIME });
    expect(report.accounts).toBe(5);
    expect(report.overall).toEqual({ fine: 2, nudged: 1, blocked: 2 });
    expect(report.rules.elevated_rights).toMatchObject({
      applies: 2,
      fine: 1,
      nudged: 1,
      blocked: 0,
      reasons: { ELEVATED_ADD_METHOD: 1 },
    });
    expect(report.rules.sspr).toMatchObject({ applies: 5, fine: 3, blocked: 2 });
    expect(report.rules.allowed_methods).toMatchObject({
      applies: 5,
      nudged: 1,
      reasons: { METHOD_DISABLED: 1 },
    });
    expect(report.asOf).toBe(NUDGE_TIME.toISOString());
  });

  it('previews the effective date when run as of that date', () => {
    const report = buildReadinessReport(people, DEFAULT_POLICY, { now: AFTER });
    expect(report.rules.elevated_rights).toMatchObject({
      applies: 2,
      fine: 1,
      blocked: 1,
      reasons: { ELEVATED_NO_ALLOWED_METHOD: 1 },
    });
    expect(report.rules.sign_in.blocked).toBe(1);
  });
});

describe(compareReadiness.name, () => {
  it('shows who a proposed change would block before it is saved', () => {
    const noText = policyFrom({
      allowedMethods: [
        'security_key',
        'authenticator_push',
        'authenticator_code',
        'mobile_call',
        'alternate_call',
        'email',
      ],
    });
    const result = compareReadiness(people, DEFAULT_POLICY, noText, { now: NUDGE_TIME });
    expect(result.newlyBlocked).toEqual(['ready-staff', 'ready-admin', 'text-admin']);
    expect(result.worse).toBe(3);
    expect(result.proposed.rules.allowed_methods.nudged).toBe(4);
  });

  it('shows who a relaxation would help', () => {
    const officeAllowed = policyFrom({
      allowedMethods: ['authenticator_push', 'mobile_text', 'office_call', 'email'],
      sspr: { eligibleMethods: ['authenticator_push', 'mobile_text', 'office_call', 'email'] },
    });
    const result = compareReadiness(
      [people[1]!, staff([push(), email()], { id: 'email-staff' })],
      DEFAULT_POLICY,
      officeAllowed,
      { now: NUDGE_TIME },
    );
    expect(result).toMatchObject({ better: 1, worse: 0, newlyBlocked: [] });
  });

  it('lists at most listLimit ids', () => {
    const many = Array.from({ length: 5 }, (_, i) => staff([push(), text()], { id: `s${i}` }));
    const noText = policyFrom({ allowedMethods: ['authenticator_push', 'email'] });
    const result = compareReadiness(many, DEFAULT_POLICY, noText, { now: NUDGE_TIME, listLimit: 2 });
    expect(result.worse).toBe(5);
    expect(result.newlyBlocked).toEqual(['s0', 's1']);
  });
});
