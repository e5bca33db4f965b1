import { z } from 'zod';
import {
  CATALOGUE,
  ELEVATED_CAPABLE_TYPES,
  METHOD_TYPES,
  SSPR_METHOD_TYPES,
  type MethodType,
} from './catalogue.js';
import { parseCidr } from './cidr.js';

// The organisation policy, version 2. Every field has a default taken from the seeds (or, where
// they are silent, from the guidance in shared/reference/security.md); see the package README.

export const POLICY_VERSION = 2;

export const DEFAULT_ALLOWED_METHODS: readonly MethodType[] = [
  'security_key',
  'authenticator_push',
  'authenticator_code',
  'mobile_call',
  'alternate_call',
  'mobile_text',
  'email',
  'app_password',
];

export const DEFAULT_SSPR_METHODS: readonly MethodType[] = [
  'authenticator_push',
  'authenticator_code',
  'mobile_call',
  'mobile_text',
  'email',
];

/** NIST SP 800-63B: a password that may be the only factor needs at least 15 characters. */
export const SINGLE_FACTOR_PASSWORD_MIN_LENGTH = 15;

const methodType = z.enum(METHOD_TYPES, {
  error: (iss) => `must be one of ${METHOD_TYPES.join(', ')} (got ${JSON.stringify(iss.input)})`,
});

function methodList<T extends z.ZodType<MethodType>>(item: T) {
  return z.array(item).refine((list) => new Set(list).size === list.length, {
    error: (iss) => `lists a method more than once (${JSON.stringify(iss.input)})`,
  });
}

const ssprMethodType = z.enum(SSPR_METHOD_TYPES as [MethodType, ...MethodType[]], {
  error: (iss) =>
    `${JSON.stringify(iss.input)} cannot be used for password reset; choose from ${SSPR_METHOD_TYPES.join(', ')}`,
});

const elevatedMethodType = z.enum(ELEVATED_CAPABLE_TYPES, {
  error: (iss) =>
    `${JSON.stringify(iss.input)} is not strong enough for accounts with elevated rights; choose from ${ELEVATED_CAPABLE_TYPES.join(', ')}`,
});

const int = (min: number, max: number) => z.number().int().min(min).max(max);

const cidrText = z.string().superRefine((text, ctx) => {
  const parsed = parseCidr(text);
  if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message });
});

const trustedNetwork = z.strictObject({
  name: z.string().trim().min(1).max(100),
  cidrs: z.array(cidrText).min(1).max(200),
});

export const policySchema = z
  .strictObject({
    version: z.literal(POLICY_VERSION).default(POLICY_VERSION),
    /** Methods staff may register at all. Office phone and security questions are off by default. */
    allowedMethods: methodList(methodType).default([...DEFAULT_ALLOWED_METHODS]),
    defaultMethod: z
      .strictObject({
        /** Staff may choose their default sign-in method; otherwise the strongest registered is used. */
        userMayChoose: z.boolean().default(true),
        /**
         * What the registration wizard offers first ("Microsoft 365 will prompt to set up Microsoft
         * Authenticator by default"), when allowed; otherwise it offers the strongest allowed method.
         */
        recommended: methodType.default('authenticator_push'),
      })
      .prefault({}),
    registration: z
      .strictObject({
        /** Distinct devices that can sign in which every account must register. */
        mfaMethodsRequired: int(1, 3).default(1),
        /** How long and how often a person may postpone the "Keep your account secure" wizard. */
        snooze: z.strictObject({ days: int(0, 14).default(1), times: int(0, 10).default(3) }).prefault({}),
      })
      .prefault({}),
    sspr: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** "requiring at least two MFA methods that are compatible for SSPR" (seed 002). */
        methodsToRegister: int(1, 5).default(2),
        methodsToReset: z
          .literal([1, 2], { error: (iss) => `must be 1 or 2 (got ${JSON.stringify(iss.input)})` })
          .default(2),
        eligibleMethods: methodList(ssprMethodType).default([...DEFAULT_SSPR_METHODS]),
        attemptsPerDay: int(1, 50).default(5),
      })
      .prefault({}),
    securityKeys: z
      .strictObject({
        /** WebAuthn attestation asked for at registration: `direct` to keep the key maker's statement. */
        attestation: z.enum(['none', 'direct']).default('none'),
      })
      .prefault({}),
    securityQuestions: z
      .strictObject({
        questionsToRegister: int(3, 5).default(3),
        questionsToReset: int(3, 5).default(3),
      })
      .prefault({}),
    elevatedRights: z
      .strictObject({
        /** Start of this day, UK time. "This change comes in on 30th November 2023" (seed 004). */
        effectiveDate: z.iso
          .date({ error: (iss) => `must be a date like 2023-11-30 (got ${JSON.stringify(iss.input)})` })
          .default('2023-11-30'),
        allowedMethods: methodList(elevatedMethodType).min(1).default(['authenticator_push', 'security_key']),
        /** Days before the effective date during which accounts that are not ready are nudged. */
        nudgeDays: int(0, 365).default(30),
      })
      .prefault({}),
    conditionalMfa: z
      .strictObject({
        trustedNetworks: z.array(trustedNetwork).max(50).default([]),
        rememberedDevice: z
          .strictObject({ enabled: z.boolean().default(true), lifetimeDays: int(1, 365).default(30) })
          .prefault({}),
      })
      .prefault({}),
    push: z
      .strictObject({
        numberMatchingDigits: int(2, 8).default(2),
        elevatedNumberMatchingDigits: int(2, 8).default(6),
        maxOutstanding: int(1, 5).default(1),
        maxPerWindow: int(1, 50).default(5),
        windowMinutes: int(1, 1440).default(15),
        lifetimeSeconds: int(30, 600).default(120),
      })
      .prefault({}),
    voice: z
      .strictObject({
        /** press_hash: answer and press # (as the seeds describe). key_number: key the number shown on the sign-in screen, then #. */
        confirmation: z.enum(['press_hash', 'key_number']).default('press_hash'),
        fraudCode: z
          .string()
          .regex(/^[0-9*]{1,3}#$/, { error: 'must be one to three digits or * followed by #, like 0#' })
          .default('0#'),
      })
      .prefault({}),
    codes: z
      .strictObject({
        textLifetimeSeconds: int(60, 600).default(300),
        voiceLifetimeSeconds: int(60, 600).default(300),
        emailLifetimeSeconds: int(60, 600).default(600),
      })
      .prefault({}),
    lockout: z
      .strictObject({ failedAttempts: int(1, 100).default(10), lockMinutes: int(1, 1440).default(15) })
      .prefault({}),
    fraud: z
      .strictObject({
        /** After a fraud report the account cannot sign in until an administrator has reviewed it. */
        blockSignIn: z.boolean().default(true),
      })
      .prefault({}),
    password: z
      .strictObject({
        minLength: int(8, 64).default(SINGLE_FACTOR_PASSWORD_MIN_LENGTH),
        maxLength: int(64, 1024).default(256),
        /** Required to go below 15: the organisation insists, and only where MFA is always required. */
        insistOnShortMinimum: z.boolean().default(false),
        /** Words refused in addition to the built-in list (organisation names, local words). */
        blocklist: z.array(z.string().trim().toLowerCase().min(3).max(100)).max(1000).default([]),
      })
      .prefault({}),
  })
  .superRefine((p, ctx) => {
    const allowed = new Set(p.allowedMethods);
    p.sspr.eligibleMethods.forEach((m, i) => {
      if (!allowed.has(m)) {
        ctx.addIssue({
          code: 'custom',
          path: ['sspr', 'eligibleMethods', i],
          message: `${m} is not in allowedMethods, so nobody could register it for password reset`,
        });
      }
    });
    const questionsAt = p.allowedMethods.indexOf('security_questions');
    if (questionsAt >= 0 && !p.sspr.eligibleMethods.includes('security_questions')) {
      ctx.addIssue({
        code: 'custom',
        path: ['allowedMethods', questionsAt],
        message:
          'security_questions can only be used for password reset; add it to sspr.eligibleMethods too, or remove it',
      });
    }
    if (p.sspr.methodsToReset > p.sspr.methodsToRegister) {
      ctx.addIssue({
        code: 'custom',
        path: ['sspr', 'methodsToReset'],
        message: `cannot be more than sspr.methodsToRegister (${p.sspr.methodsToRegister})`,
      });
    }
    if (p.securityQuestions.questionsToReset > p.securityQuestions.questionsToRegister) {
      ctx.addIssue({
        code: 'custom',
        path: ['securityQuestions', 'questionsToReset'],
        message: `cannot be more than securityQuestions.questionsToRegister (${p.securityQuestions.questionsToRegister})`,
      });
    }
    const recommended = p.defaultMethod.recommended;
    if (!CATALOGUE[recommended].mayBeDefault) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultMethod', 'recommended'],
        message: `${recommended} can never be a default method`,
      });
    }
    if (p.push.elevatedNumberMatchingDigits < p.push.numberMatchingDigits) {
      ctx.addIssue({
        code: 'custom',
        path: ['push', 'elevatedNumberMatchingDigits'],
        message: `cannot be fewer than push.numberMatchingDigits (${p.push.numberMatchingDigits})`,
      });
    }
    if (p.password.minLength > p.password.maxLength) {
      ctx.addIssue({
        code: 'custom',
        path: ['password', 'minLength'],
        message: `cannot be more than password.maxLength (${p.password.maxLength})`,
      });
    }
  });

type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** A parsed, validated, frozen organisation policy. Only obtain one from parsePolicy or DEFAULT_POLICY. */
export type Policy = DeepReadonly<z.output<typeof policySchema>>;
/** What an administrator (or the API) may send: every field optional, defaults fill the rest. */
export type PolicyInput = z.input<typeof policySchema>;
