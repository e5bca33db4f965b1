import { z } from 'zod';
import { METHOD_TYPES } from '@verity/policy';
import { id, nullableTimestamp, timestamp } from '../openapi/common.js';
import { LEGACY_PROTOCOLS } from './app-passwords.js';

/** The answers about app passwords and methods, as zod schemas the OpenAPI document is made from. */

export const methodType = z.enum(METHOD_TYPES);

const appPassword = z.object({
  id,
  name: z.string(),
  scopes: z.array(z.enum(LEGACY_PROTOCOLS)),
  createdAt: timestamp,
});

export const createdAppPasswordResponse = appPassword.extend({
  appPassword: z.string().describe('Shown once'),
});

export const appPasswordListResponse = z.object({
  appPasswords: z.array(appPassword.extend({ lastUsedAt: nullableTimestamp })),
});

export const legacyVerifyResponse = z.object({ accountId: id, username: z.string() });

/** A method as an administrator sees it: never a secret, phones and addresses masked. */
export const adminMethodListResponse = z.object({
  methods: z.array(
    z.object({
      id,
      type: methodType,
      label: z.string().nullable(),
      display: z.string().nullable(),
      isDefault: z.boolean(),
      createdAt: timestamp,
      lastUsedAt: nullableTimestamp,
      locked: z.boolean(),
      lockedUntil: nullableTimestamp,
      failedAttempts: z.number().int(),
    }),
  ),
  registrationState: z.enum(['required', 'snoozed', 'complete']),
  snoozedUntil: nullableTimestamp,
});

/** A rule's reason, with its machine-readable code (the policy's reason codes and the API's own). */
export const reason = z.object({ code: z.string(), message: z.string() }).loose();

const signInMethod = z.object({
  id,
  type: methodType,
  label: z.string().nullable(),
  display: z.string().nullable().describe('Masked: "+44 ••••••••21"; null for apps and keys'),
  isDefault: z.boolean(),
});

const unavailableMethod = z.object({ methodId: id, type: methodType, reasons: z.array(reason) });

export const mfaRequired = z.object({
  flowId: id,
  expiresAt: timestamp,
  state: z.literal('mfa_required'),
  reasons: z.array(reason),
  methods: z.array(signInMethod),
  defaultMethodId: id,
  defaultReason: reason,
  unavailable: z.array(unavailableMethod),
  rememberDevice: z.object({ days: z.number().int() }).optional(),
});

const complete = z.object({
  flowId: id,
  state: z.literal('complete'),
  result: z.string().describe('The signed result (JWT) to exchange for a session'),
  rememberToken: z.string().optional(),
  expiresAt: timestamp.optional(),
  reasons: z.array(reason).optional(),
});

const registrationRequired = z.object({
  flowId: id,
  expiresAt: timestamp,
  state: z.literal('registration_required'),
  reasons: z.array(reason).optional(),
  unavailable: z.array(unavailableMethod).optional(),
  rememberToken: z.string().optional(),
});

const blocked = z.object({
  flowId: id,
  expiresAt: timestamp,
  state: z.literal('blocked'),
  reasons: z.array(reason).optional(),
  unavailable: z.array(unavailableMethod).optional(),
});

const stepUpComplete = z.object({
  flowId: id,
  state: z.literal('complete'),
  session: z.object({
    token: z.string(),
    authenticatedAt: timestamp,
    expiresAt: timestamp,
    idleExpiresAt: timestamp,
    stepUpUntil: timestamp,
  }),
});

const waiting = z.object({
  flowId: id,
  expiresAt: timestamp,
  state: z.literal('mfa_required'),
  challenge: z
    .object({
      id,
      status: z.enum(['pending', 'approved', 'denied', 'expired', 'locked']),
      fraudReported: z.literal(true).optional(),
    })
    .optional(),
});

export const signInStartResponse = z.union([mfaRequired, complete, registrationRequired, blocked]);
export const signInVerifiedResponse = z.union([complete, stepUpComplete, registrationRequired]);
export const signInStatusResponse = z.union([
  waiting,
  complete,
  stepUpComplete,
  registrationRequired,
  blocked,
]);

const challengeBase = { challengeId: id, methodId: id, expiresAt: timestamp };
export const signInChallengeResponse = z.union([
  z.object({ ...challengeBase, type: z.literal('authenticator_push'), number: z.string() }),
  z.object({ ...challengeBase, type: z.literal('authenticator_code') }),
  z.object({
    ...challengeBase,
    type: z.enum(['mobile_text', 'email']),
    sentTo: z.string().nullable(),
    codeLength: z.number().int(),
  }),
  z.object({
    ...challengeBase,
    type: z.enum(['mobile_call', 'alternate_call', 'office_call']),
    calling: z.string().nullable(),
    number: z.string().optional(),
  }),
  z.object({ ...challengeBase, type: z.literal('security_key'), publicKey: z.unknown() }),
]);

/** The registration QR code's link for an authenticator app. */
export const activationResponse = z.object({
  deviceId: id,
  activationCode: z.string(),
  link: z.string().describe('verity://activate?…, shown as the QR code'),
  expiresAt: timestamp,
});

export const deviceActivatedResponse = z.object({
  deviceId: id,
  organisation: z.object({ slug: z.string(), name: z.string() }),
  account: z.string().optional(),
  totp: z.object({
    secret: z.string(),
    digits: z.number().int(),
    period: z.number().int(),
    algorithm: z.literal('SHA1'),
  }),
});

export const deviceChallengesResponse = z.object({
  challenges: z.array(
    z.object({
      challengeId: id,
      organisation: z.string(),
      app: z.string().nullable(),
      location: z.string().nullable(),
      requestedAt: timestamp,
      numberDigits: z.number().int(),
      expiresAt: timestamp,
    }),
  ),
});

export const deviceAnswerResponse = z.object({
  challengeId: id,
  outcome: z.enum(['approved', 'denied', 'wrong_number', 'fraud']),
});
export const pushTokenResponse = z.object({ deviceId: id, updated: z.literal(true) });
export const deactivatedResponse = z.object({ deviceId: id, status: z.literal('inactive') });

export const jwksResponse = z.object({
  keys: z.array(
    z
      .object({
        kty: z.string(),
        crv: z.string(),
        x: z.string(),
        y: z.string(),
        kid: z.string(),
        alg: z.string(),
      })
      .loose(),
  ),
});
