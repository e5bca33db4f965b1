import fc from 'fast-check';
import type { Account, RegisteredMethod } from './account.js';
import { METHOD_TYPES, deviceKeyFor, type MethodType } from './catalogue.js';
import { DAY_MS, ukStartOfDay } from './dates.js';
import { decideRegistration } from './decisions/registration.js';
import { decideAddMethod } from './decisions/security-info.js';
import { DEFAULT_POLICY } from './parse.js';
import { validatePolicySafety } from './safety.js';
import type { Policy } from './schema.js';
import { policyArb } from './test-support/arbitraries.js';

// Whenever a policy can be saved, every kind of person can finish "Keep your account secure": from no
// methods, choosing any method the wizard offers each time, they are done within MAX_STEPS choices.

const MAX_STEPS = METHOD_TYPES.length;

/** One of each device, as most staff have: an app, a mobile, a direct-dial office phone, a key, an address. */
const DEVICE: Record<MethodType, string> = {
  security_key: deviceKeyFor('security_key', 'key-1'),
  authenticator_push: deviceKeyFor('authenticator_push', 'app-1'),
  authenticator_code: deviceKeyFor('authenticator_code', 'app-1'),
  mobile_call: deviceKeyFor('mobile_call', '+447700900001'),
  mobile_text: deviceKeyFor('mobile_text', '+447700900001'),
  alternate_call: deviceKeyFor('alternate_call', '+447700900002'),
  office_call: deviceKeyFor('office_call', '+441134960003'),
  email: deviceKeyFor('email', 'jo@example.org'),
  security_questions: deviceKeyFor('security_questions'),
  app_password: deviceKeyFor('app_password', 'ap-1'),
};

interface Person {
  readonly name: string;
  readonly elevatedRights: boolean;
  readonly hybrid: boolean;
  /** Days from the elevated-rights effective date: before it (-1) or from it (+1). */
  readonly day: number;
}

const PEOPLE: readonly Person[] = [false, true].flatMap((elevatedRights) =>
  [false, true].flatMap((hybrid) =>
    [-1, 1].map((day) => ({
      name: `${elevatedRights ? 'elevated' : 'staff'}${hybrid ? ', hybrid' : ''}, ${day < 0 ? 'before' : 'from'} the date`,
      elevatedRights,
      hybrid,
      day,
    })),
  ),
);

type Walk = { finished: true; steps: number } | { finished: false; why: string };

/** The wizard as a person sees it: pick one of the offered methods (`choices` says which), prove it, repeat. */
function walkWizard(policy: Policy, person: Person, choices: readonly number[]): Walk {
  const now = new Date(ukStartOfDay(policy.elevatedRights.effectiveDate) + person.day * DAY_MS);
  let account: Account = {
    id: 'p',
    elevatedRights: person.elevatedRights,
    hybrid: person.hybrid,
    methods: [],
  };
  for (let step = 0; step <= MAX_STEPS; step++) {
    const decision = decideRegistration(account, policy, { now });
    if (decision.outcome === 'complete') return { finished: true, steps: step };
    if (decision.outcome === 'blocked')
      return { finished: false, why: `blocked after ${step}: ${decision.reasons.map((r) => r.code).join()}` };
    const offered = [decision.offerFirst!, ...decision.otherChoices];
    const type = offered[(choices[step] ?? 0) % offered.length]!;
    const add = decideAddMethod(account, { type, deviceKey: DEVICE[type] }, policy, { now });
    if (add.outcome === 'refused')
      return {
        finished: false,
        why: `${type} offered, then refused: ${add.reasons.map((r) => r.code).join()}`,
      };
    // the app's enrolment saves its notification and its codes together
    const added: MethodType[] = type === 'authenticator_push' ? [type, 'authenticator_code'] : [type];
    const methods: RegisteredMethod[] = [
      ...account.methods,
      ...added
        .filter((t) => !account.methods.some((m) => m.type === t))
        .map((t) => ({ id: `m${account.methods.length}-${t}`, type: t, deviceKey: DEVICE[t] })),
    ];
    account = { ...account, methods };
  }
  return { finished: false, why: `not done after ${MAX_STEPS} choices` };
}

const choicesArb = fc.array(fc.nat(), { minLength: MAX_STEPS + 1, maxLength: MAX_STEPS + 1 });

describe('the wizard under every policy that saves', () => {
  it('lets every kind of person finish, whatever they choose, within the number of method types', () => {
    fc.assert(
      fc.property(policyArb, choicesArb, (policy, choices) => {
        if (!validatePolicySafety(policy).ok) return;
        for (const person of PEOPLE) {
          const walk = walkWizard(policy, person, choices);
          expect({ person: person.name, ...walk }).toMatchObject({ person: person.name, finished: true });
        }
      }),
      { numRuns: 2000, examples: [[DEFAULT_POLICY, new Array<number>(MAX_STEPS + 1).fill(0)]] },
    );
  });

  it('lets an elevated-rights person finish the default policy: the app, then a phone for password reset', () => {
    const person = PEOPLE.find((p) => p.elevatedRights && !p.hybrid && p.day > 0)!;
    expect(walkWizard(DEFAULT_POLICY, person, [0, 0, 0])).toEqual({ finished: true, steps: 2 });
  });

  it('generates enough policies that save for the property to mean something', () => {
    const sample = fc.sample(policyArb, { numRuns: 500, seed: 17 });
    const saved = sample.filter((p) => validatePolicySafety(p).ok).length;
    expect(saved).toBeGreaterThan(100);
  });
});
