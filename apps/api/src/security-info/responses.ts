import { z } from 'zod';
import { id, nullableTimestamp, timestamp } from '../openapi/common.js';
import { methodType, reason } from '../sign-in/responses.js';

/** The answers of Security info and the registration wizard, as zod schemas the OpenAPI document is made from. */

export const methodSummary = z.object({
  id,
  type: methodType,
  label: z.string().nullable(),
  display: z.string().nullable(),
  isDefault: z.boolean(),
  createdAt: timestamp,
  lastUsedAt: nullableTimestamp,
  locked: z.boolean(),
});

const qr = z.object({ png: z.string(), svg: z.string() });
const question = z.object({ id: z.string(), text: z.string() });

/** A method being added; which of the optional members it has depends on its `state`. */
export const enrolmentResponse = z.object({
  enrolmentId: id,
  type: methodType.exclude(['app_password']),
  expiresAt: timestamp,
  state: z.enum([
    'verified',
    'waiting_for_app',
    'app_activated',
    'notification_sent',
    'notification_approved',
    'notification_denied',
    'waiting_for_code',
    'waiting_for_security_key',
    'waiting_for_answers',
    'calling',
    'call_answered',
    'code_sent',
  ]),
  replaces: id.optional().describe('The method a change of phone replaces'),
  notices: z.array(reason).optional(),
  activation: z.object({ link: z.string(), expiresAt: timestamp, qr }).optional(),
  totp: z
    .object({ uri: z.string(), secret: z.string(), digits: z.number().int(), period: z.number().int(), qr })
    .optional(),
  publicKey: z.unknown().optional().describe('WebAuthn creation options (waiting_for_security_key)'),
  questions: z.object({ answer: z.number().int(), from: z.array(question) }).optional(),
  calling: z.string().nullable().optional(),
  sentTo: z.string().nullable().optional(),
  codeLength: z.number().int().optional(),
  number: z.string().optional().describe('After a resend to the app: the number to type in it'),
});

export const enrolmentVerifiedResponse = z.object({ methods: z.array(methodSummary) });

export const overviewResponse = z.object({
  methods: z.array(methodSummary),
  defaultMethodId: id.nullable(),
  userMayChooseDefault: z.boolean(),
  defaultChoices: z.array(z.string()),
  mayAdd: z.array(
    z.object({
      type: methodType,
      label: z.string(),
      allowed: z.boolean(),
      reasons: z.array(reason),
      notices: z.array(reason),
    }),
  ),
});

export const defaultMethodResponse = z.object({ defaultMethodId: id, notices: z.array(reason) });

export const wizardView = z.object({
  flowId: id,
  state: z.literal('registration_required'),
  expiresAt: timestamp,
  outcome: z.enum(['complete', 'required', 'blocked']),
  signInReady: z.boolean(),
  reasons: z.array(reason),
  step: z.object({ method: z.number().int(), of: z.number().int() }),
  offerFirst: methodType.nullable(),
  otherChoices: z.array(methodType),
  notOffered: z.array(z.object({ type: methodType, reasons: z.array(reason) })),
  snooze: z.object({
    allowed: z.boolean(),
    days: z.number().int(),
    remaining: z.number().int(),
    reasons: z.array(reason),
  }),
  methods: z.array(methodSummary),
  defaultMethod: z.object({ id, type: methodType, label: z.string() }).nullable(),
});

export const wizardVerifiedResponse = enrolmentVerifiedResponse.extend({ wizard: wizardView });

export const wizardCompleteResponse = z.object({
  flowId: id,
  state: z.literal('complete'),
  result: z.string().describe('The signed result (JWT) to exchange for a session'),
});
