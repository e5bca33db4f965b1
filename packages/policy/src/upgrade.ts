import { z } from 'zod';
import { CATALOGUE, type MethodType } from './catalogue.js';
import { parseCidr } from './cidr.js';
import type { PolicyInput } from './schema.js';

// Version 1 was the first, flat policy shape: one switch per family of methods, one number for SSPR
// (used both to register and to reset), admins limited to push only, and bare trusted IPs.
// upgradePolicy turns it into a version 2 input, keeping every behaviour it expressed.

export const policyV1Schema = z.strictObject({
  version: z.literal(1),
  methods: z
    .strictObject({
      app: z.boolean().default(true),
      sms: z.boolean().default(true),
      voice: z.boolean().default(true),
      officePhone: z.boolean().default(false),
      email: z.boolean().default(true),
      questions: z.boolean().default(false),
      fido2: z.boolean().default(false),
      appPasswords: z.boolean().default(true),
    })
    .prefault({}),
  ssprEnabled: z.boolean().default(true),
  ssprMethodsRequired: z.number().int().min(1).max(2).default(2),
  adminPushOnlyFrom: z.iso.date().default('2023-11-30'),
  trustedIps: z.array(z.string()).default([]),
  /** 0 turned "remember MFA on this device" off. */
  rememberMfaDays: z.number().int().min(0).max(365).default(0),
  lockoutThreshold: z.number().int().min(1).max(100).default(10),
  minPasswordLength: z.number().int().min(8).max(64).default(15),
});

export type PolicyV1Input = z.input<typeof policyV1Schema>;
export type PolicyV1 = z.output<typeof policyV1Schema>;

const V1_FAMILIES: ReadonlyArray<[keyof PolicyV1['methods'], readonly MethodType[]]> = [
  ['fido2', ['security_key']],
  ['app', ['authenticator_push', 'authenticator_code']],
  ['voice', ['mobile_call', 'alternate_call']],
  ['officePhone', ['office_call']],
  ['sms', ['mobile_text']],
  ['email', ['email']],
  ['questions', ['security_questions']],
  ['appPasswords', ['app_password']],
];

export interface UpgradedPolicy {
  readonly policy: PolicyInput;
  /** What changed in meaning, in words an administrator understands. */
  readonly notes: readonly string[];
}

/** Upgrades an already validated version 1 policy to a version 2 input (still to be parsed). */
export function upgradePolicyV1(v1: PolicyV1): UpgradedPolicy {
  const notes: string[] = [];
  const allowedMethods = V1_FAMILIES.filter(([family]) => v1.methods[family]).flatMap(([, types]) => types);

  // Version 1 let every enabled method count for password reset.
  const eligibleMethods = allowedMethods.filter((t) => CATALOGUE[t].sspr);

  const cidrs = v1.trustedIps.map((ip) => {
    const parsed = parseCidr(ip);
    return parsed.ok ? parsed.range.text : ip; // an invalid entry is reported by the version 2 parse
  });
  if (v1.trustedIps.length > 0)
    notes.push('Trusted IPs became one trusted network named "Trusted network (from version 1)".');

  const recommended: MethodType = allowedMethods.includes('authenticator_push')
    ? 'authenticator_push'
    : (allowedMethods.find((t) => CATALOGUE[t].mayBeDefault) ?? 'authenticator_push');

  notes.push(
    'Accounts with elevated rights keep "push only"; you may now also allow security keys for them.',
  );
  if (v1.minPasswordLength < 15) {
    notes.push(
      `A minimum password length of ${v1.minPasswordLength} is kept, but it can only be saved when MFA is always required and password.insistOnShortMinimum is set.`,
    );
  }

  if (v1.ssprMethodsRequired === 1 && (v1.methods.email || v1.methods.questions)) {
    notes.push(
      'Email and security questions can no longer be the only check for a password reset: saving this policy is refused until sspr.methodsToReset is 2 or they are removed from sspr.eligibleMethods.',
    );
  }

  const policy: PolicyInput = {
    version: 2,
    allowedMethods,
    defaultMethod: { userMayChoose: true, recommended },
    sspr: {
      enabled: v1.ssprEnabled,
      methodsToRegister: v1.ssprMethodsRequired,
      methodsToReset: v1.ssprMethodsRequired === 1 ? 1 : 2,
      eligibleMethods,
    },
    elevatedRights: { effectiveDate: v1.adminPushOnlyFrom, allowedMethods: ['authenticator_push'] },
    conditionalMfa: {
      trustedNetworks: cidrs.length > 0 ? [{ name: 'Trusted network (from version 1)', cidrs }] : [],
      rememberedDevice:
        v1.rememberMfaDays > 0 ? { enabled: true, lifetimeDays: v1.rememberMfaDays } : { enabled: false },
    },
    lockout: { failedAttempts: v1.lockoutThreshold },
    password: { minLength: v1.minPasswordLength },
  };
  return { policy, notes };
}
