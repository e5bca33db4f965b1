import { z } from 'zod';
import { DEFAULT_SSPR_METHODS, POLICY_VERSION, policySchema, type Policy } from './schema.js';
import { policyV1Schema, upgradePolicyV1 } from './upgrade.js';

export interface PolicyError {
  /** The field, e.g. "sspr.methodsToReset" or "conditionalMfa.trustedNetworks[0].cidrs[1]". */
  readonly path: string;
  /** A sentence that names the field, e.g. "sspr.methodsToReset: must be 1 or 2 (got 3)". */
  readonly message: string;
}

export type ParsePolicyResult =
  | {
      readonly ok: true;
      readonly policy: Policy;
      readonly upgradedFrom?: number;
      readonly notes: readonly string[];
    }
  | { readonly ok: false; readonly errors: readonly PolicyError[] };

export type UpgradePolicyResult =
  | { readonly ok: true; readonly policy: z.input<typeof policySchema>; readonly notes: readonly string[] }
  | { readonly ok: false; readonly errors: readonly PolicyError[] };

const COMPOSITION_RULE = /upper|lower|digit|number|symbol|special|complex|composition|character.?class/i;

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

// Wording for zod's built-in issues, used where a field has no message of its own.
const readableIssue: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return 'is required';
      if (iss.expected === 'int') return `must be a whole number (got ${describeValue(iss.input)})`;
      return `must be ${iss.expected === 'array' ? 'a list' : iss.expected === 'object' ? 'an object' : `a ${iss.expected}`} (got ${describeValue(iss.input)})`;
    case 'too_small':
      if (iss.origin === 'array')
        return `must list at least ${iss.minimum} item${iss.minimum === 1 ? '' : 's'}`;
      if (iss.origin === 'string') return `must be at least ${iss.minimum} characters long`;
      return `must be at least ${iss.minimum} (got ${describeValue(iss.input)})`;
    case 'too_big':
      if (iss.origin === 'array') return `must list at most ${iss.maximum} items`;
      if (iss.origin === 'string') return `must be at most ${iss.maximum} characters long`;
      return `must be at most ${iss.maximum} (got ${describeValue(iss.input)})`;
    case 'invalid_value':
      return `must be ${iss.values.map((v) => JSON.stringify(v)).join(' or ')} (got ${describeValue(iss.input)})`;
    default:
      return undefined;
  }
};

function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out || 'policy';
}

function toErrors(issues: readonly z.core.$ZodIssue[]): PolicyError[] {
  const errors: PolicyError[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = pathText([...issue.path, key]);
        const detail =
          issue.path[0] === 'password' && COMPOSITION_RULE.test(key)
            ? 'is not supported: Verity does not impose composition rules (NCSC and NIST guidance); raise password.minLength or add words to password.blocklist instead'
            : 'is not a setting Verity knows (check the spelling)';
        errors.push({ path, message: `${path}: ${detail}` });
      }
      continue;
    }
    const path = pathText(issue.path);
    errors.push({ path, message: `${path}: ${issue.message}` });
  }
  return errors;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function versionOf(input: unknown): unknown {
  return input !== null && typeof input === 'object' && 'version' in input
    ? (input as { version: unknown }).version
    : undefined;
}

/**
 * Upgrades an older policy to a version 2 input. Version 2 (or no version) is returned unchanged;
 * version 1 is validated against its own schema first, so its errors name its own fields.
 */
export function upgradePolicy(input: unknown): UpgradePolicyResult {
  const version = versionOf(input);
  if (version === undefined || version === POLICY_VERSION) {
    return { ok: true, policy: (input ?? {}) as z.input<typeof policySchema>, notes: [] };
  }
  if (version === 1) {
    const v1 = policyV1Schema.safeParse(input, { error: readableIssue });
    if (!v1.success) return { ok: false, errors: toErrors(v1.error.issues) };
    const upgraded = upgradePolicyV1(v1.data);
    return { ok: true, policy: upgraded.policy, notes: upgraded.notes };
  }
  return {
    ok: false,
    errors: [
      { path: 'version', message: `version: must be 1 or ${POLICY_VERSION} (got ${describeValue(version)})` },
    ],
  };
}

/**
 * A default that depends on another field: when an organisation narrows allowedMethods without
 * listing sspr.eligibleMethods, the default eligible methods are narrowed with it.
 */
function withDependentDefaults(input: z.input<typeof policySchema>): z.input<typeof policySchema> {
  const { allowedMethods: allowed, sspr } = input;
  const ssprIsObject =
    sspr === undefined || (typeof sspr === 'object' && sspr !== null && !Array.isArray(sspr));
  if (!Array.isArray(allowed) || !ssprIsObject || sspr?.eligibleMethods !== undefined) return input;
  const eligibleMethods = DEFAULT_SSPR_METHODS.filter((m) => allowed.includes(m));
  return { ...input, sspr: { ...sspr, eligibleMethods } };
}

/**
 * Validates an organisation policy (any supported version), fills in defaults and freezes it.
 * Errors name each bad field. This checks shape and consistency; validatePolicySafety judges whether
 * a valid policy is safe to save.
 */
export function parsePolicy(input: unknown): ParsePolicyResult {
  if (input !== undefined && (input === null || typeof input !== 'object' || Array.isArray(input))) {
    return {
      ok: false,
      errors: [{ path: 'policy', message: `policy: must be an object (got ${describeValue(input)})` }],
    };
  }
  const upgraded = upgradePolicy(input);
  if (!upgraded.ok) return upgraded;
  const parsed = policySchema.safeParse(withDependentDefaults(upgraded.policy), { error: readableIssue });
  if (!parsed.success) return { ok: false, errors: toErrors(parsed.error.issues) };
  const version = versionOf(input);
  const policy = deepFreeze(parsed.data) as Policy;
  return typeof version === 'number' && version < POLICY_VERSION
    ? { ok: true, policy, upgradedFrom: version, notes: upgraded.notes }
    : { ok: true, policy, notes: upgraded.notes };
}

/** Like parsePolicy, but throws an Error listing every problem. For tests and seed data. */
export function policyFrom(input: unknown): Policy {
  const result = parsePolicy(input);
  if (!result.ok)
    throw new Error(`Invalid policy:\n${result.errors.map((e) => `  ${e.message}`).join('\n')}`);
  return result.policy;
}

/** The policy every organisation starts from. */
export const DEFAULT_POLICY: Policy = policyFrom({});
