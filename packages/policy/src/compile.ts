import type { Account, RegisteredMethod } from './account.js';
import { CATALOGUE, METHOD_TYPES, type MethodType } from './catalogue.js';
import { compileNetworkMatcher, parseCidr, type CidrRange } from './cidr.js';
import { DAY_MS, ukStartOfDay } from './dates.js';
import {
  METHOD_DISABLED,
  METHOD_PHRASE,
  NOT_FOR_SIGN_IN,
  NOT_FOR_SSPR,
  NOT_SSPR_ELIGIBLE,
  OFFICE_PHONE_HYBRID,
  QUESTIONS_NEVER_FOR_ELEVATED,
  formatIsoDate,
  joinOr,
  reason,
  type Reason,
} from './reasons.js';
import type { Policy } from './schema.js';

// Everything a decision needs from a policy, worked out once per policy object and cached, so that a
// decision is a loop over the account's methods with table look-ups.

/** Where an account stands with the elevated-rights rule. */
export const ElevatedMode = {
  Ordinary: 0,
  /** Elevated rights, before the effective date: not limited yet, but never security questions. */
  ElevatedBefore: 1,
  /** Elevated rights, on or after the effective date: only the elevated methods. */
  ElevatedEnforced: 2,
} as const;
export type ElevatedMode = (typeof ElevatedMode)[keyof typeof ElevatedMode];

type ByType<T> = Readonly<Record<MethodType, T>>;
const NONE: readonly Reason[] = Object.freeze([]);

export interface CompiledPolicy {
  readonly policy: Policy;
  readonly allowed: ByType<boolean>;
  readonly ssprEligible: ByType<boolean>;
  readonly elevatedAllowed: ByType<boolean>;
  readonly effectiveAtMs: number;
  readonly nudgeFromMs: number;
  /** "30 November 2023" */
  readonly effectiveDateText: string;
  /** "an authenticator app notification or a security key or passkey" */
  readonly elevatedMethodsPhrase: string;
  readonly trustedRanges: readonly CidrRange[];
  readonly isTrustedNetwork: (ip: string | undefined) => boolean;
  /** 0 when remembered devices are off. */
  readonly rememberedDeviceMs: number;
  readonly elevatedRefused: ByType<Reason>;
  /** Per elevated mode, what each type is worth for sign-in MFA. */
  readonly signIn: readonly [ByType<MethodRule>, ByType<MethodRule>, ByType<MethodRule>];
  /** Per elevated mode, what each type is worth as an SSPR gate (the elevated-rights rule is for sign-in only). */
  readonly sspr: readonly [ByType<MethodRule>, ByType<MethodRule>, ByType<MethodRule>];
}

/**
 * Everything a decision needs about one method type under one policy, for one purpose and elevated
 * mode, in one object: a hot loop then makes one lookup per registered method.
 */
export interface MethodRule {
  /** Why the type cannot be used; empty when it can (an account-level rule may still refuse it). */
  readonly blockers: readonly Reason[];
  /** True when the elevated-rights rule is among the blockers. */
  readonly refusedByElevatedRule: boolean;
  readonly strengthRank: number;
  readonly weak: boolean;
  readonly signInMfa: boolean;
  readonly mayBeDefault: boolean;
}

function byType<T>(make: (t: MethodType) => T): ByType<T> {
  const out = {} as Record<MethodType, T>;
  for (const t of METHOD_TYPES) out[t] = make(t);
  return Object.freeze(out);
}

function frozen(reasons: Reason[]): readonly Reason[] {
  return reasons.length === 0 ? NONE : Object.freeze(reasons);
}

type RuleTables = Pick<
  CompiledPolicy,
  | 'allowed'
  | 'ssprEligible'
  | 'elevatedAllowed'
  | 'signIn'
  | 'sspr'
  | 'elevatedRefused'
  | 'effectiveDateText'
  | 'elevatedMethodsPhrase'
>;

// Most organisations share their method settings, so their rule tables are shared too: fewer
// objects for the CPU cache when one process serves many tenants. Bounded; oldest entries go first.
const sharedTables = new Map<string, RuleTables>();
const MAX_SHARED_TABLES = 1000;

function ruleTables(policy: Policy): RuleTables {
  const key = JSON.stringify([
    policy.allowedMethods,
    policy.sspr.eligibleMethods,
    policy.elevatedRights.allowedMethods,
    policy.elevatedRights.effectiveDate,
  ]);
  const shared = sharedTables.get(key);
  if (shared) return shared;

  const allowedSet = new Set<MethodType>(policy.allowedMethods);
  const eligibleSet = new Set<MethodType>(policy.sspr.eligibleMethods);
  const elevatedSet = new Set<MethodType>(policy.elevatedRights.allowedMethods);
  const allowed = byType((t) => allowedSet.has(t));
  const ssprEligible = byType((t) => CATALOGUE[t].sspr && eligibleSet.has(t) && allowedSet.has(t));
  const elevatedAllowed = byType((t) => elevatedSet.has(t));
  const effectiveDateText = formatIsoDate(policy.elevatedRights.effectiveDate);
  const elevatedMethodsPhrase = joinOr(
    METHOD_TYPES.filter((t) => elevatedSet.has(t)).map((t) => METHOD_PHRASE[t]),
  );
  const elevatedRefused = byType((t) =>
    reason(
      'ELEVATED_METHOD_REFUSED',
      `Accounts with elevated rights cannot use ${METHOD_PHRASE[t]} from ${effectiveDateText}; use ${elevatedMethodsPhrase}.`,
      t,
    ),
  );
  const rule = (t: MethodType, blockers: Reason[], refusedByElevatedRule: boolean): MethodRule => {
    const spec = CATALOGUE[t];
    return Object.freeze({
      blockers: frozen(blockers),
      refusedByElevatedRule,
      strengthRank: spec.strengthRank,
      weak: spec.weak,
      signInMfa: spec.signInMfa,
      mayBeDefault: spec.mayBeDefault,
    });
  };

  const signInFor = (mode: ElevatedMode) =>
    byType((t) => {
      const out: Reason[] = [];
      if (!CATALOGUE[t].signInMfa) out.push(NOT_FOR_SIGN_IN[t]);
      else if (!allowedSet.has(t)) out.push(METHOD_DISABLED[t]);
      const elevatedRefusal = mode === ElevatedMode.ElevatedEnforced && !elevatedSet.has(t);
      if (elevatedRefusal) out.push(elevatedRefused[t]);
      return rule(t, out, elevatedRefusal);
    });

  const ssprFor = (mode: ElevatedMode) =>
    byType((t) => {
      const out: Reason[] = [];
      if (!CATALOGUE[t].sspr) out.push(NOT_FOR_SSPR[t]);
      else if (!allowedSet.has(t)) out.push(METHOD_DISABLED[t]);
      else if (!eligibleSet.has(t)) out.push(NOT_SSPR_ELIGIBLE[t]);
      // Seed 004 limits how elevated rights sign in, not what proves them in a reset (which signs
      // nobody in): they reset as everyone does, except by security questions.
      if (mode !== ElevatedMode.Ordinary && t === 'security_questions')
        out.push(QUESTIONS_NEVER_FOR_ELEVATED);
      return rule(t, out, false);
    });

  const tables: RuleTables = {
    allowed,
    ssprEligible,
    elevatedAllowed,
    effectiveDateText,
    elevatedMethodsPhrase,
    elevatedRefused,
    signIn: [signInFor(0), signInFor(1), signInFor(2)],
    sspr: [ssprFor(0), ssprFor(1), ssprFor(2)],
  };
  if (sharedTables.size >= MAX_SHARED_TABLES) sharedTables.delete(sharedTables.keys().next().value!);
  sharedTables.set(key, tables);
  return tables;
}

function build(policy: Policy): CompiledPolicy {
  const effectiveAtMs = ukStartOfDay(policy.elevatedRights.effectiveDate);

  const trustedRanges: CidrRange[] = [];
  for (const network of policy.conditionalMfa.trustedNetworks) {
    for (const text of network.cidrs) {
      const parsed = parseCidr(text);
      if (parsed.ok) trustedRanges.push(parsed.range);
    }
  }

  const remembered = policy.conditionalMfa.rememberedDevice;
  const compiled: CompiledPolicy = {
    policy,
    effectiveAtMs,
    nudgeFromMs: effectiveAtMs - policy.elevatedRights.nudgeDays * DAY_MS,
    trustedRanges: Object.freeze(trustedRanges),
    isTrustedNetwork: compileNetworkMatcher(trustedRanges),
    rememberedDeviceMs: remembered.enabled ? remembered.lifetimeDays * DAY_MS : 0,
    ...ruleTables(policy),
  };
  return Object.freeze(compiled);
}

const cache = new WeakMap<Policy, CompiledPolicy>();

/** The lookup tables for a policy, built on first use and cached for as long as the policy lives. */
export function compilePolicy(policy: Policy): CompiledPolicy {
  let compiled = cache.get(policy);
  if (!compiled) {
    compiled = build(policy);
    cache.set(policy, compiled);
  }
  return compiled;
}

export function elevatedModeOf(account: Account, compiled: CompiledPolicy, nowMs: number): ElevatedMode {
  if (!account.elevatedRights) return ElevatedMode.Ordinary;
  return nowMs >= compiled.effectiveAtMs ? ElevatedMode.ElevatedEnforced : ElevatedMode.ElevatedBefore;
}

/** Why this registered method cannot be used for sign-in MFA (empty when it can). */
export function signInBlockers(
  compiled: CompiledPolicy,
  account: Account,
  type: MethodType,
  mode: ElevatedMode,
): readonly Reason[] {
  const blockers = compiled.signIn[mode][type].blockers;
  return type === 'office_call' && account.hybrid ? [...blockers, OFFICE_PHONE_HYBRID] : blockers;
}

/** Why this registered method cannot serve as an SSPR gate (empty when it can). */
export function ssprBlockers(
  compiled: CompiledPolicy,
  account: Account,
  type: MethodType,
  mode: ElevatedMode,
): readonly Reason[] {
  const blockers = compiled.sspr[mode][type].blockers;
  return type === 'office_call' && account.hybrid ? [...blockers, OFFICE_PHONE_HYBRID] : blockers;
}

export function countDevices(methods: readonly RegisteredMethod[]): number {
  if (methods.length < 2) return methods.length;
  const seen = new Set<string>();
  for (const m of methods) seen.add(m.deviceKey);
  return seen.size;
}
