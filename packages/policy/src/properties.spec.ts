import fc from 'fast-check';
import type { Account, RegisteredMethod } from './account.js';
import { CATALOGUE, type MethodType } from './catalogue.js';
import { ukStartOfDay } from './dates.js';
import { decideElevatedRights } from './decisions/elevated.js';
import { buildReadinessReport } from './decisions/readiness.js';
import { decideRegistration } from './decisions/registration.js';
import { decideAddMethod, decideRemoveMethod, decideSetDefault } from './decisions/security-info.js';
import { decideSignIn } from './decisions/sign-in.js';
import { decideSspr } from './decisions/sspr.js';
import { parsePolicy } from './parse.js';
import type { Reason } from './reasons.js';
import { validatePolicySafety } from './safety.js';
import type { Policy } from './schema.js';
import { accountArb, instantArb, ipArb, policyArb } from './test-support/arbitraries.js';

const RUNS = { numRuns: 1000 };

/** Methods the elevated-rights rule refuses once in force: text, calls, codes, email, questions (and app passwords). */
const NEVER_FOR_ELEVATED_AFTER: readonly MethodType[] = [
  'mobile_text',
  'mobile_call',
  'alternate_call',
  'office_call',
  'authenticator_code',
  'email',
  'security_questions',
  'app_password',
];

function enforced(account: Account, policy: Policy, now: Date): boolean {
  return account.elevatedRights && now.getTime() >= ukStartOfDay(policy.elevatedRights.effectiveDate);
}

function expectExplained(reasons: readonly Reason[]): void {
  expect(reasons.length).toBeGreaterThan(0);
  for (const r of reasons) {
    expect(r.code).toMatch(/^[A-Z_]+$/);
    expect(r.message.length).toBeGreaterThan(10);
  }
}

/** Walks a whole reset, choosing among the offered candidates with `choices`, up to 4 steps. */
function walkReset(account: Account, policy: Policy, now: Date, choices: number[]) {
  const passed: string[] = [];
  for (let step = 0; step < 4; step++) {
    const decision = decideSspr(account, policy, { now, gatesPassed: passed });
    if (decision.outcome !== 'next_gate') return { decision, passed };
    const pick = decision.candidates[(choices[step] ?? 0) % decision.candidates.length]!;
    passed.push(pick.id);
  }
  return { decision: decideSspr(account, policy, { now, gatesPassed: passed }), passed };
}

describe('properties of every decision', () => {
  it('SSPR never passes with fewer gates than the policy, two gates on one device, or weak gates alone', () => {
    fc.assert(
      fc.property(
        accountArb,
        policyArb,
        instantArb,
        fc.array(fc.nat({ max: 7 }), { maxLength: 4 }),
        (account, policy, now, order) => {
          // Any sequence of the person's methods, not only the ones offered: the decision must hold anyway.
          const gatesPassed = order.map(
            (i) => account.methods[i % Math.max(1, account.methods.length)]?.id ?? 'none',
          );
          const decision = decideSspr(account, policy, { now, gatesPassed });
          if (decision.outcome !== 'may_reset') return;
          const used = decision.gatesPassed;
          expect(policy.sspr.enabled).toBe(true);
          expect(used.length).toBeGreaterThanOrEqual(policy.sspr.methodsToReset);
          expect(new Set(used.map((m) => m.deviceKey)).size).toBe(used.length);
          expect(used.some((m) => !CATALOGUE[m.type].weak)).toBe(true);
          for (const m of used) {
            expect(CATALOGUE[m.type].sspr).toBe(true);
            expect(policy.sspr.eligibleMethods).toContain(m.type);
            expect(policy.allowedMethods).toContain(m.type);
            if (account.elevatedRights) expect(m.type).not.toBe('security_questions');
          }
        },
      ),
      RUNS,
    );
  });

  it('SSPR candidates always lead to a reset in exactly the policy’s number of gates', () => {
    fc.assert(
      fc.property(
        accountArb,
        policyArb,
        instantArb,
        fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
        (account, policy, now, choices) => {
          const first = decideSspr(account, policy, { now });
          if (first.outcome === 'refused') {
            expectExplained(first.reasons);
            return;
          }
          const { decision, passed } = walkReset(account, policy, now, choices);
          expect(decision.outcome).toBe('may_reset');
          expect(passed.length).toBe(policy.sspr.methodsToReset);
          const devices = passed.map((id) => account.methods.find((m) => m.id === id)!.deviceKey);
          expect(new Set(devices).size).toBe(passed.length);
        },
      ),
      RUNS,
    );
  });

  it('SSPR never offers a security key, nor questions to elevated rights, nor a used device', () => {
    fc.assert(
      fc.property(accountArb, policyArb, instantArb, fc.nat(), (account, policy, now, pick) => {
        const first = decideSspr(account, policy, { now });
        if (first.outcome !== 'next_gate') return;
        const gate1 = first.candidates[pick % first.candidates.length]!;
        const second = decideSspr(account, policy, { now, gatesPassed: [gate1.id] });
        for (const decision of [first, second]) {
          if (decision.outcome !== 'next_gate') continue;
          for (const m of decision.candidates) {
            expect(m.type).not.toBe('security_key');
            expect(m.type).not.toBe('app_password');
            if (account.elevatedRights) expect(m.type).not.toBe('security_questions');
          }
        }
        if (second.outcome === 'next_gate') {
          for (const m of second.candidates) expect(m.deviceKey).not.toBe(gate1.deviceKey);
        }
      }),
      RUNS,
    );
  });

  it('sign-in never offers email, questions or app passwords, and never makes them the default', () => {
    fc.assert(
      fc.property(
        accountArb,
        policyArb,
        instantArb,
        ipArb,
        fc.constantFrom('sign_in', 'security_info') as fc.Arbitrary<'sign_in' | 'security_info'>,
        (account, policy, now, ip, purpose) => {
          const decision = decideSignIn(account, policy, { now, ip, purpose });
          expectExplained(decision.reasons);
          if (decision.outcome !== 'mfa') return;
          const offered = decision.methods.map((m) => m.type);
          expect(offered).not.toContain('email');
          expect(offered).not.toContain('security_questions');
          expect(offered).not.toContain('app_password');
          expect(decision.methods).toContain(decision.defaultMethod);
          expect(decision.defaultMethod.type).not.toBe('email');
          for (const t of offered) expect(policy.allowedMethods).toContain(t);
          if (account.hybrid) expect(offered).not.toContain('office_call');
        },
      ),
      RUNS,
    );
  });

  it('after the effective date, elevated rights sign in only with push or a security key, and are offered others only for password reset once they can sign in', () => {
    fc.assert(
      fc.property(accountArb, policyArb, instantArb, ipArb, (account, policy, now, ip) => {
        const admin = { ...account, elevatedRights: true };
        const after = new Date(Math.max(now.getTime(), ukStartOfDay(policy.elevatedRights.effectiveDate)));
        const signIn = decideSignIn(admin, policy, { now: after, ip });
        expect(signIn.outcome).not.toBe('no_mfa');
        if (signIn.outcome === 'mfa') {
          for (const m of signIn.methods) expect(policy.elevatedRights.allowedMethods).toContain(m.type);
          expect(signIn.numberMatchingDigits).toBe(policy.push.elevatedNumberMatchingDigits);
        }
        const canSignIn = admin.methods.some(
          (m) =>
            (policy.elevatedRights.allowedMethods as readonly MethodType[]).includes(m.type) &&
            policy.allowedMethods.includes(m.type),
        );
        const registration = decideRegistration(admin, policy, { now: after });
        for (const t of [registration.offerFirst, ...registration.otherChoices]) {
          if (t === undefined || !NEVER_FOR_ELEVATED_AFTER.includes(t)) continue;
          expect(canSignIn).toBe(true);
          expect(policy.sspr.enabled).toBe(true);
          expect(policy.sspr.eligibleMethods).toContain(t);
          expect(t).not.toBe('security_questions');
        }
      }),
      RUNS,
    );
  });

  it('elevated rights are never spared MFA, on any network or remembered device', () => {
    fc.assert(
      fc.property(accountArb, policyArb, instantArb, ipArb, (account, policy, now, ip) => {
        const decision = decideSignIn({ ...account, elevatedRights: true }, policy, {
          now,
          ip,
          rememberedDeviceAt: now,
        });
        expect(decision.outcome).not.toBe('no_mfa');
      }),
      RUNS,
    );
  });

  it('registration never offers email, questions or app passwords first, nor a disabled or registered type', () => {
    fc.assert(
      fc.property(accountArb, policyArb, instantArb, (account, policy, now) => {
        const decision = decideRegistration(account, policy, { now });
        expectExplained(decision.reasons);
        expect(decision.step.method).toBeGreaterThanOrEqual(1);
        expect(decision.step.method).toBeLessThanOrEqual(decision.step.of);
        if (decision.outcome === 'complete') {
          expect(decision.stillNeeded).toBe(0);
          return;
        }
        if (decision.offerFirst === undefined) return;
        const offered = [decision.offerFirst, ...decision.otherChoices];
        const registered = new Set(account.methods.map((m) => m.type));
        for (const t of offered) {
          expect(policy.allowedMethods).toContain(t);
          expect(registered.has(t)).toBe(false);
          expect(t).not.toBe('app_password');
        }
        if (!account.methods.some((m) => CATALOGUE[m.type].mayBeFirst)) {
          for (const t of offered) expect(CATALOGUE[t].mayBeFirst).toBe(true);
        }
        if (!decision.snooze.allowed) expectExplained(decision.snooze.reasons);
      }),
      RUNS,
    );
  });

  it('security info changes: email never first nor default, and removal never drops below the minimum', () => {
    fc.assert(
      fc.property(
        accountArb,
        policyArb,
        instantArb,
        fc.nat(),
        fc.constantFrom('email', 'office_call', 'mobile_text') as fc.Arbitrary<MethodType>,
        (account, policy, now, pick, type) => {
          const target: RegisteredMethod | undefined =
            account.methods[pick % Math.max(1, account.methods.length)];

          const add = decideAddMethod(account, { type, deviceKey: `new:${type}` }, policy, { now });
          if (add.outcome === 'refused') expectExplained(add.reasons);
          if (add.outcome === 'allowed' && type === 'email') {
            expect(account.methods.some((m) => CATALOGUE[m.type].mayBeFirst)).toBe(true);
          }
          if (!target) return;

          const setDefault = decideSetDefault(account, target.id, policy, { now });
          if (setDefault.outcome === 'refused') expectExplained(setDefault.reasons);
          else {
            expect(CATALOGUE[target.type].mayBeDefault).toBe(true);
            if (enforced(account, policy, now))
              expect(policy.elevatedRights.allowedMethods).toContain(target.type);
          }

          const remove = decideRemoveMethod(account, target.id, policy, { now });
          if (remove.outcome === 'refused') expectExplained(remove.reasons);
          else {
            const before = decideRegistration(account, policy, { now }).stillNeeded;
            const after = decideRegistration(
              { ...account, methods: account.methods.filter((m) => m !== target) },
              policy,
              { now },
            ).stillNeeded;
            expect(after).toBeLessThanOrEqual(before);
          }
        },
      ),
      RUNS,
    );
  });

  it('every elevated-rights refusal or nudge has a reason, and the days left count down to 0', () => {
    fc.assert(
      fc.property(accountArb, policyArb, instantArb, (account, policy, now) => {
        const decision = decideElevatedRights(account, policy, { now });
        expectExplained(decision.reasons);
        if (decision.phase === 'enforced') expect(decision.daysLeft).toBe(0);
        else expect(decision.daysLeft).toBeGreaterThan(0);
        if (decision.outcome === 'nudged') expect(decision.phase).toBe('nudging');
        if (decision.outcome === 'blocked') expect(decision.phase).toBe('enforced');
      }),
      RUNS,
    );
  });

  it('every unsafe policy is refused with reasons, and every parsed policy parses to itself', () => {
    fc.assert(
      fc.property(policyArb, (policy) => {
        const safety = validatePolicySafety(policy);
        if (!safety.ok) expectExplained(safety.reasons);
        const again = parsePolicy(JSON.parse(JSON.stringify(policy)));
        expect(again.ok && again.policy).toEqual(policy);
      }),
      { numRuns: 300 },
    );
  });

  it('a readiness report counts every account exactly once', () => {
    fc.assert(
      fc.property(fc.array(accountArb, { maxLength: 20 }), policyArb, instantArb, (accounts, policy, now) => {
        const report = buildReadinessReport(accounts, policy, { now });
        const { fine, nudged, blocked } = report.overall;
        expect(fine + nudged + blocked).toBe(accounts.length);
        for (const tally of Object.values(report.rules))
          expect(tally.fine + tally.nudged + tally.blocked).toBe(tally.applies);
      }),
      { numRuns: 200 },
    );
  });
});
