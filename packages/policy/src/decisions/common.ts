import type { Account, RegisteredMethod } from '../account.js';
import { CATALOGUE } from '../catalogue.js';
import {
  countDevices,
  signInBlockers,
  ssprBlockers,
  type CompiledPolicy,
  type ElevatedMode,
} from '../compile.js';
import type { Reason } from '../reasons.js';

/** A registered method that a decision does not offer, and why. */
export interface UnavailableMethod {
  readonly method: RegisteredMethod;
  readonly reasons: readonly Reason[];
}

/**
 * Inserts a method into a list kept strongest first (lowest rank first; equal ranks keep their
 * order), with its rank in a parallel array. By hand: the lists are short and splice is slow.
 */
export function insertByRank(
  list: RegisteredMethod[],
  ranks: number[],
  method: RegisteredMethod,
  rank: number,
): void {
  let i = list.length;
  list.push(method);
  ranks.push(rank);
  while (i > 0 && ranks[i - 1]! > rank) {
    list[i] = list[i - 1]!;
    ranks[i] = ranks[i - 1]!;
    i--;
  }
  list[i] = method;
  ranks[i] = rank;
}

/**
 * The default among offered methods (strongest first): the person's own choice when the policy lets
 * them choose and it is offered; otherwise the strongest that may be a default; otherwise the strongest.
 */
export function pickDefault(
  offered: readonly RegisteredMethod[],
  userMayChoose: boolean,
): { method: RegisteredMethod; usedUserChoice: boolean } | undefined {
  let strongestDefaultCapable: RegisteredMethod | undefined;
  for (const m of offered) {
    if (!CATALOGUE[m.type].mayBeDefault) continue;
    if (m.isDefault && userMayChoose) return { method: m, usedUserChoice: true };
    strongestDefaultCapable ??= m;
  }
  const method = strongestDefaultCapable ?? offered[0];
  return method ? { method, usedUserChoice: false } : undefined;
}

/** What an account's methods are worth towards the registration requirements. */
export interface Coverage {
  /** Distinct devices that can sign in (MFA). */
  readonly mfaDevices: number;
  /** Distinct devices that can serve as an SSPR gate. */
  readonly ssprDevices: number;
  /** At least one SSPR-usable method is not email or security questions. */
  readonly ssprHasStrong: boolean;
  /** The person has a usable authenticator app, phone or key, so email and others may be added. */
  readonly hasFirstMethod: boolean;
}

export function coverageOf(
  compiled: CompiledPolicy,
  account: Account,
  methods: readonly RegisteredMethod[],
  mode: ElevatedMode,
): Coverage {
  const mfa: RegisteredMethod[] = [];
  const sspr: RegisteredMethod[] = [];
  let ssprHasStrong = false;
  let hasFirstMethod = false;
  for (const m of methods) {
    if (signInBlockers(compiled, account, m.type, mode).length === 0) {
      mfa.push(m);
      if (CATALOGUE[m.type].mayBeFirst) hasFirstMethod = true;
    }
    if (ssprBlockers(compiled, account, m.type, mode).length === 0) {
      sspr.push(m);
      if (!CATALOGUE[m.type].weak) ssprHasStrong = true;
    }
  }
  return { mfaDevices: countDevices(mfa), ssprDevices: countDevices(sspr), ssprHasStrong, hasFirstMethod };
}

/** How many more devices the registration requirements still need (0 when met). */
export function shortfallOf(
  compiled: CompiledPolicy,
  coverage: Coverage,
): { mfa: number; sspr: number; ssprNeedsStrong: boolean } {
  const { registration, sspr } = compiled.policy;
  const mfa = Math.max(0, registration.mfaMethodsRequired - coverage.mfaDevices);
  if (!sspr.enabled) return { mfa, sspr: 0, ssprNeedsStrong: false };
  const ssprNeedsStrong = !coverage.ssprHasStrong;
  let ssprShort = Math.max(0, sspr.methodsToRegister - coverage.ssprDevices);
  if (ssprNeedsStrong && ssprShort === 0) ssprShort = 1;
  return { mfa, sspr: ssprShort, ssprNeedsStrong };
}
