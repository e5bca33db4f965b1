import { DEFAULT_POLICY, policyFrom } from '../parse.js';
import type { ReasonCode } from '../reasons.js';
import { cases, itQuotesItsSources, security, seed, type Source } from '../test-support/sources.js';
import {
  codeLifetimeSeconds,
  decideFailedAttempts,
  decidePushPrompt,
  decideSsprAttempt,
  numberMatchingDigits,
} from './throttles.js';

const PUSH_LIMITS = security('at most 1 outstanding push per user, at most 5 per 15 min');

const pushTable: { outstanding: number; sentInWindow: number; refused?: ReasonCode; source: Source }[] = [
  { outstanding: 0, sentInWindow: 0, source: PUSH_LIMITS },
  { outstanding: 0, sentInWindow: 4, source: PUSH_LIMITS },
  { outstanding: 1, sentInWindow: 1, refused: 'PUSH_OUTSTANDING', source: PUSH_LIMITS },
  {
    outstanding: 0,
    sentInWindow: 5,
    refused: 'PUSH_RATE_LIMITED',
    source: security('the 6th login attempt gets no FCM call (mock count = 5)'),
  },
];

describe(decidePushPrompt.name, () => {
  it.each(cases(pushTable))(
    '$outstanding outstanding, $sentInWindow sent: $refused ($from)',
    ({ outstanding, sentInWindow, refused }) => {
      const decision = decidePushPrompt({ outstanding, sentInWindow }, DEFAULT_POLICY);
      expect(decision.outcome).toBe(refused ? 'refused' : 'allowed');
      if (refused) {
        expect(decision.reasons.map((r) => r.code)).toEqual([refused]);
        expect(decision.outcome === 'refused' && decision.retryAfterSeconds).toBeGreaterThan(0);
      }
    },
  );
  itQuotesItsSources(pushTable.map((c) => c.source));
});

describe(decideFailedAttempts.name, () => {
  const source = security('10 wrong TOTPs then the correct one → refused with the identical');
  it.each([
    { failures: 9, locked: false },
    { failures: 10, locked: true },
    { failures: 50, locked: true },
  ])('$failures failures: locked $locked (reference/security.md R12)', ({ failures, locked }) => {
    const decision = decideFailedAttempts({ consecutiveFailures: failures }, DEFAULT_POLICY);
    expect(decision.outcome).toBe(locked ? 'refused' : 'allowed');
    if (decision.outcome === 'refused')
      expect(decision.reasons[0]!.message).toBe('Too many attempts, try again in 15 minutes.');
  });
  it('follows the organisation’s threshold', () => {
    expect(
      decideFailedAttempts({ consecutiveFailures: 3 }, policyFrom({ lockout: { failedAttempts: 3 } }))
        .outcome,
    ).toBe('refused');
  });
  itQuotesItsSources([source]);
});

describe(decideSsprAttempt.name, () => {
  it('refuses the attempt after the daily allowance', () => {
    expect(decideSsprAttempt({ attemptsToday: 4 }, DEFAULT_POLICY).outcome).toBe('allowed');
    const refused = decideSsprAttempt({ attemptsToday: 5 }, DEFAULT_POLICY);
    expect(refused.outcome).toBe('refused');
    expect(refused.reasons.map((r) => r.code)).toEqual(['SSPR_TOO_MANY_ATTEMPTS']);
  });
});

describe('lifetimes and number matching', () => {
  const sources = [
    security('Choose 6 digits (NIST) or document the deviation (R22).'),
    seed('002_f9397ffc2d38fb9f.txt', 'A Push Challenge notification will display a short code on the screen'),
  ];
  it('uses 2 digits for staff and 6 for elevated rights', () => {
    expect(numberMatchingDigits({ elevatedRights: false }, DEFAULT_POLICY)).toBe(2);
    expect(numberMatchingDigits({ elevatedRights: true }, DEFAULT_POLICY)).toBe(6);
  });
  it('gives each channel its lifetime, none over 10 minutes', () => {
    for (const channel of ['sms', 'voice', 'email', 'push'] as const) {
      expect(codeLifetimeSeconds(DEFAULT_POLICY, channel)).toBeGreaterThan(0);
      expect(codeLifetimeSeconds(DEFAULT_POLICY, channel)).toBeLessThanOrEqual(600);
    }
    expect(codeLifetimeSeconds(policyFrom({ codes: { emailLifetimeSeconds: 120 } }), 'email')).toBe(120);
  });
  itQuotesItsSources(sources);
});
