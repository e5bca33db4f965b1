import type { Account } from './account.js';
import { CATALOGUE, METHOD_TYPES, type MethodType } from './catalogue.js';
import { ElevatedMode, signInBlockers, ssprBlockers, type CompiledPolicy } from './compile.js';
import { plural } from './reasons.js';

// Can every kind of person finish "Keep your account secure" under a policy? Worked out from what
// each kind may set up, so that a policy that strands anyone is refused when it is saved.

/** The kinds of person a policy tells apart: elevated rights (before or from the date) and hybrid. */
export interface PersonKind {
  readonly mode: ElevatedMode;
  readonly hybrid: boolean;
}

export const PERSON_KINDS: readonly PersonKind[] = [
  ElevatedMode.Ordinary,
  ElevatedMode.ElevatedBefore,
  ElevatedMode.ElevatedEnforced,
].flatMap((mode) => [false, true].map((hybrid) => ({ mode, hybrid })));

/** One kind of person has at least the choices of another (fewer rules apply to it). */
export function hasChoicesOf(wider: PersonKind, narrower: PersonKind): boolean {
  return wider.mode <= narrower.mode && (!wider.hybrid || narrower.hybrid);
}

/**
 * The device a person would use for a method: a text and a call go to their mobile, an office phone
 * is another phone, push and code share the app. We assume one of each, as most staff have.
 */
function deviceOf(t: MethodType): string {
  return t === 'office_call' ? 'office phone' : CATALOGUE[t].device;
}

/**
 * Why this kind of person could not finish the wizard from nothing (empty when they can): what it
 * needs that the methods they may set up cannot give.
 */
export function registrationGaps(compiled: CompiledPolicy, kind: PersonKind): string[] {
  const { policy } = compiled;
  const person: Account = {
    id: '',
    elevatedRights: kind.mode !== ElevatedMode.Ordinary,
    hybrid: kind.hybrid,
    methods: [],
  };
  const signsIn = (t: MethodType) => signInBlockers(compiled, person, t, kind.mode).length === 0;
  const resets = (t: MethodType) =>
    policy.sspr.enabled && ssprBlockers(compiled, person, t, kind.mode).length === 0;
  // What the wizard can offer at some point: alternate phones come from Security info, app passwords never.
  const registrable = METHOD_TYPES.filter(
    (t) => compiled.allowed[t] && t !== 'alternate_call' && t !== 'app_password' && (signsIn(t) || resets(t)),
  );
  if (!registrable.some((t) => CATALOGUE[t].mayBeFirst && signsIn(t)))
    return ['nothing they may sign in with can be set up first'];

  const gaps: string[] = [];
  const devices = (types: MethodType[]) => new Set(types.map(deviceOf)).size;
  const mfaDevices = devices(registrable.filter(signsIn));
  const needed = policy.registration.mfaMethodsRequired;
  if (mfaDevices < needed)
    gaps.push(
      `signing in needs ${plural(needed, 'method')} on different devices, and they can set up only ${mfaDevices}`,
    );
  if (policy.sspr.enabled) {
    const ssprTypes = registrable.filter(resets);
    const ssprDevices = devices(ssprTypes);
    const toRegister = policy.sspr.methodsToRegister;
    if (ssprDevices < toRegister)
      gaps.push(
        `password reset needs ${plural(toRegister, 'method')} on different devices (security keys do not count), and they can set up only ${ssprDevices}`,
      );
    if (!ssprTypes.some((t) => !CATALOGUE[t].weak))
      gaps.push('password reset needs the authenticator app or a phone, which they cannot set up');
  }
  return gaps;
}
