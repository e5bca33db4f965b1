import fc from 'fast-check';
import type { Account, RegisteredMethod } from '../account.js';
import {
  CATALOGUE,
  ELEVATED_CAPABLE_TYPES,
  METHOD_TYPES,
  SSPR_METHOD_TYPES,
  deviceKeyFor,
  type MethodType,
} from '../catalogue.js';
import { parsePolicy } from '../parse.js';
import { DEFAULT_ALLOWED_METHODS, DEFAULT_SSPR_METHODS, type Policy } from '../schema.js';

// Random policies, accounts and instants for property tests. Policies go through parsePolicy, so
// every one is valid by the schema (though not necessarily one validatePolicySafety would accept):
// the properties must hold even for policies an administrator could not save.

const DEFAULT_CAPABLE = METHOD_TYPES.filter((t) => CATALOGUE[t].mayBeDefault);

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export const instantArb = fc.date({
  min: new Date('2022-01-01T00:00:00Z'),
  max: new Date('2026-12-31T23:59:59Z'),
  noInvalidDate: true,
});

export const policyArb: fc.Arbitrary<Policy> = fc
  .record({
    allowed: fc.oneof(
      { arbitrary: fc.constant([...METHOD_TYPES]), weight: 2 },
      { arbitrary: fc.constant([...DEFAULT_ALLOWED_METHODS]), weight: 2 },
      { arbitrary: fc.subarray([...METHOD_TYPES], { minLength: 1 }), weight: 3 },
    ),
    eligibleSubset: fc.oneof(
      { arbitrary: fc.constant([...SSPR_METHOD_TYPES]), weight: 2 },
      { arbitrary: fc.constant([...DEFAULT_SSPR_METHODS]), weight: 2 },
      { arbitrary: fc.subarray([...SSPR_METHOD_TYPES]), weight: 3 },
    ),
    ssprEnabled: fc.integer({ min: 0, max: 4 }).map((n) => n > 0),
    methodsToReset: fc.constantFrom(1, 2),
    extraToRegister: fc.integer({ min: 0, max: 2 }),
    mfaMethodsRequired: fc.integer({ min: 1, max: 2 }),
    snooze: fc.record({ days: fc.integer({ min: 0, max: 14 }), times: fc.integer({ min: 0, max: 5 }) }),
    recommended: fc.constantFrom(...DEFAULT_CAPABLE),
    userMayChoose: fc.boolean(),
    elevatedAllowed: fc.subarray([...ELEVATED_CAPABLE_TYPES], { minLength: 1 }),
    effectiveDate: instantArb.map(isoDay),
    nudgeDays: fc.integer({ min: 0, max: 120 }),
    remembered: fc.record({ enabled: fc.boolean(), lifetimeDays: fc.integer({ min: 1, max: 90 }) }),
    trusted: fc.boolean(),
    digits: fc.integer({ min: 2, max: 6 }),
  })
  .map((r) => {
    // Referential rules the schema enforces: eligible ⊆ allowed; questions, if allowed, are eligible.
    const eligible = r.eligibleSubset.filter((t) => r.allowed.includes(t));
    if (r.allowed.includes('security_questions') && !eligible.includes('security_questions'))
      eligible.push('security_questions');
    return parsePolicy({
      allowedMethods: r.allowed,
      defaultMethod: { recommended: r.recommended, userMayChoose: r.userMayChoose },
      registration: { mfaMethodsRequired: r.mfaMethodsRequired, snooze: r.snooze },
      sspr: {
        enabled: r.ssprEnabled,
        methodsToReset: r.methodsToReset,
        methodsToRegister: r.methodsToReset + r.extraToRegister,
        eligibleMethods: eligible,
      },
      elevatedRights: {
        allowedMethods: r.elevatedAllowed,
        effectiveDate: r.effectiveDate,
        nudgeDays: r.nudgeDays,
      },
      conditionalMfa: {
        rememberedDevice: r.remembered,
        trustedNetworks: r.trusted ? [{ name: 'Trust', cidrs: ['10.0.0.0/8', '2001:db8::/32'] }] : [],
      },
      push: { numberMatchingDigits: r.digits, elevatedNumberMatchingDigits: 6 },
    });
  })
  .filter((result) => result.ok)
  .map((result) => (result as { policy: Policy }).policy);

// Few devices per kind, so that methods often share one (a text and a call to the same number).
const DETAILS: Record<string, readonly string[]> = {
  phone: ['+447700900001', '+447700900002', '+441134960003'],
  app: ['app-1', 'app-2'],
  key: ['key-1', 'key-2'],
  email: ['a@example.org', 'b@example.org'],
  questions: [''],
  app_password: ['ap-1'],
};

// Mostly the methods people really have; every type sometimes.
const typeArb: fc.Arbitrary<MethodType> = fc.oneof(
  {
    arbitrary: fc.constantFrom<MethodType>(
      'authenticator_push',
      'authenticator_code',
      'mobile_text',
      'mobile_call',
      'email',
    ),
    weight: 3,
  },
  { arbitrary: fc.constantFrom(...METHOD_TYPES), weight: 2 },
);

const methodSeedArb = fc.record({ type: typeArb, pick: fc.nat() }).map(({ type, pick }) => {
  const options = DETAILS[CATALOGUE[type].device]!;
  return { type, detail: options[pick % options.length]! };
});

export const accountArb: fc.Arbitrary<Account> = fc
  .record({
    elevatedRights: fc.boolean(),
    hybrid: fc.boolean(),
    snoozesUsed: fc.integer({ min: 0, max: 5 }),
    methods: fc.array(methodSeedArb, { maxLength: 8 }),
    defaultIndex: fc.option(fc.nat({ max: 7 }), { nil: undefined }),
  })
  .map(({ elevatedRights, hybrid, snoozesUsed, methods, defaultIndex }) => {
    const registered: RegisteredMethod[] = methods.map((m, i) => ({
      id: `m${i}`,
      type: m.type,
      deviceKey: deviceKeyFor(m.type, m.detail),
      ...(i === defaultIndex ? { isDefault: true } : {}),
    }));
    return { id: 'acct', elevatedRights, hybrid, snoozesUsed, methods: registered };
  });

export const ipArb = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.constantFrom('10.1.2.3', '::ffff:10.9.8.7', '2001:db8::42', '203.0.113.7'),
);
