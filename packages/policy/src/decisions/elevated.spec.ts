import type { Account } from '../account.js';
import { DEFAULT_POLICY, policyFrom } from '../parse.js';
import type { ReasonCode } from '../reasons.js';
import type { Policy } from '../schema.js';
import {
  AFTER,
  LONG_BEFORE,
  NUDGE_TIME,
  admin,
  code,
  email,
  key,
  push,
  questions,
  staff,
  text,
} from '../test-support/fixtures.js';
import { cases, itQuotesItsSources, seed, security, type Source } from '../test-support/sources.js';
import { decideElevatedRights } from './elevated.js';

interface Case {
  name: string;
  source: Source;
  account: Account;
  policy?: Policy;
  now: Date;
  expected: {
    outcome: 'not_applicable' | 'fine' | 'nudged' | 'blocked';
    phase: 'not_yet' | 'nudging' | 'enforced';
    daysLeft?: number;
    reasons?: ReasonCode[];
    refused?: string[];
    message?: RegExp;
  };
}

const table: Case[] = [
  {
    name: 'ordinary staff are not limited',
    source: seed(
      '004_45c6962a3a3fcc05.txt',
      'Typical users will not be limited to "push" phone app notifications.',
    ),
    account: staff([text()]),
    now: AFTER,
    expected: { outcome: 'not_applicable', phase: 'enforced', reasons: ['NOT_ELEVATED'], refused: [] },
  },
  {
    name: 'within the nudge period, an admin on text is nudged with the days left',
    source: seed(
      '004_45c6962a3a3fcc05.txt',
      'This change comes in on 30th November 2023; however, it is advisable to change as soon as possible',
    ),
    account: admin([text(), code()]),
    now: NUDGE_TIME,
    expected: {
      outcome: 'nudged',
      phase: 'nudging',
      daysLeft: 10,
      reasons: ['ELEVATED_ADD_METHOD'],
      refused: ['mobile_text', 'authenticator_code'],
      message: /From 30 November 2023 .* You have 10 days left/,
    },
  },
  {
    name: 'within the nudge period, an admin with push but a text default is told to change the default',
    source: seed(
      '004_45c6962a3a3fcc05.txt',
      "Ensure your Default sign-in method is set to 'Microsoft Authenticator - notification'",
    ),
    account: admin([push(), text(undefined, { isDefault: true })]),
    now: NUDGE_TIME,
    expected: { outcome: 'nudged', phase: 'nudging', reasons: ['ELEVATED_SET_DEFAULT'] },
  },
  {
    name: 'within the nudge period, an admin already on push is fine',
    source: seed(
      '004_45c6962a3a3fcc05.txt',
      'NHSmail are increasing the minimum security requirement for those with elevated rights in NHSmail.',
    ),
    account: admin([push(undefined, { isDefault: true }), text()]),
    now: NUDGE_TIME,
    expected: {
      outcome: 'fine',
      phase: 'nudging',
      reasons: ['ELEVATED_COMPLIANT'],
      refused: ['mobile_text'],
    },
  },
  {
    name: 'before the nudge period, nobody is nudged yet',
    source: seed(
      '004_45c6962a3a3fcc05.txt',
      'This change comes in on 30th November 2023; however, it is advisable to change as soon as possible',
    ),
    account: admin([text()]),
    now: LONG_BEFORE,
    expected: { outcome: 'fine', phase: 'not_yet', reasons: ['ELEVATED_NOT_YET'], daysLeft: 182 },
  },
  {
    name: 'after the date, text, call, codes, email and questions are refused',
    source: seed('004_45c6962a3a3fcc05.txt', '6-digit codes generated in an app'),
    account: admin([push(), text(), code('other-app'), email(), questions()]),
    now: AFTER,
    expected: {
      outcome: 'fine',
      phase: 'enforced',
      daysLeft: 0,
      refused: ['mobile_text', 'authenticator_code', 'email', 'security_questions'],
    },
  },
  {
    name: 'after the date, a security key satisfies the rule',
    source: security('Recommend allowing FIDO2 for admins alongside push-with-number-matching (R26).'),
    account: admin([key(), text()]),
    now: AFTER,
    expected: { outcome: 'fine', phase: 'enforced', reasons: ['ELEVATED_COMPLIANT'] },
  },
  {
    name: 'after the date, an organisation allowing push only refuses a security key',
    source: seed(
      '004_45c6962a3a3fcc05.txt',
      'If you currently authenticate with any of the following, you will need to move to "push" phone app notifications.',
    ),
    account: admin([key(), text()]),
    policy: policyFrom({ elevatedRights: { allowedMethods: ['authenticator_push'] } }),
    now: AFTER,
    expected: {
      outcome: 'blocked',
      phase: 'enforced',
      reasons: ['ELEVATED_NO_ALLOWED_METHOD'],
      refused: ['security_key', 'mobile_text'],
    },
  },
  {
    name: 'after the date, an admin on text only is blocked',
    source: seed(
      '004_45c6962a3a3fcc05.txt',
      'The requirement to use the most secure authentication method is only for those with elevated rights within NHSmail',
    ),
    account: admin([text()]),
    now: AFTER,
    expected: {
      outcome: 'blocked',
      phase: 'enforced',
      reasons: ['ELEVATED_NO_ALLOWED_METHOD'],
      message: /Contact your local helpdesk/,
    },
  },
  {
    name: 'the date can be moved by the organisation',
    source: seed(
      '004_45c6962a3a3fcc05.txt',
      'This change comes in on 30th November 2023; however, it is advisable to change as soon as possible',
    ),
    account: admin([text()]),
    policy: policyFrom({ elevatedRights: { effectiveDate: '2024-02-01', nudgeDays: 30 } }),
    now: new Date('2024-01-15T09:00:00Z'),
    expected: { outcome: 'nudged', phase: 'nudging', daysLeft: 17 },
  },
];

describe(decideElevatedRights.name, () => {
  it.each(cases(table))('$name ($from)', ({ account, policy, now, expected }) => {
    const decision = decideElevatedRights(account, policy ?? DEFAULT_POLICY, { now });
    expect(decision.outcome).toBe(expected.outcome);
    expect(decision.phase).toBe(expected.phase);
    expect(decision.reasons.length).toBeGreaterThan(0);
    if (expected.daysLeft !== undefined) expect(decision.daysLeft).toBe(expected.daysLeft);
    if (expected.reasons) expect(decision.reasons.map((r) => r.code)).toEqual(expected.reasons);
    if (expected.refused) expect(decision.refusedMethods.map((r) => r.method.type)).toEqual(expected.refused);
    if (expected.message) expect(decision.reasons.map((r) => r.message).join(' ')).toMatch(expected.message);
  });

  it('takes effect at midnight UK time on the effective date', () => {
    const account = admin([text()]);
    const summer = policyFrom({ elevatedRights: { effectiveDate: '2024-07-01' } });
    expect(decideElevatedRights(account, summer, { now: new Date('2024-06-30T22:59:59Z') }).phase).toBe(
      'nudging',
    );
    expect(decideElevatedRights(account, summer, { now: new Date('2024-06-30T23:00:00Z') }).phase).toBe(
      'enforced',
    );
    expect(
      decideElevatedRights(account, DEFAULT_POLICY, { now: new Date('2023-11-29T23:59:59Z') }).daysLeft,
    ).toBe(1);
    expect(
      decideElevatedRights(account, DEFAULT_POLICY, { now: new Date('2023-11-30T00:00:00Z') }).outcome,
    ).toBe('blocked');
  });

  itQuotesItsSources(table.map((c) => c.source));
});
