import { z } from 'zod';
import { id, timestamp } from '../openapi/common.js';
import { reason } from '../sign-in/responses.js';

/** The answers of self-service password reset, as zod schemas the OpenAPI document is made from. */

const gateKind = z.enum([
  'authenticator_push',
  'authenticator_code',
  'mobile_call',
  'alternate_call',
  'office_call',
  'mobile_text',
  'email',
  'security_questions',
]);
const question = z.object({ id: z.string(), text: z.string() });
const challengeStatus = z.enum(['pending', 'approved', 'denied', 'expired', 'locked']);

export const resetStartedResponse = z.object({
  flowId: id,
  state: z.literal('captcha'),
  expiresAt: timestamp,
  captcha: z
    .object({ algorithm: z.string(), challenge: z.string(), salt: z.string(), signature: z.string() })
    .loose()
    .describe('An ALTCHA proof-of-work challenge'),
});

const gate = z.object({
  flowId: id,
  state: z.literal('verify'),
  expiresAt: timestamp,
  gate: z.object({ number: z.number().int(), of: z.number().int() }),
  options: z.array(
    z.object({
      kind: gateKind,
      label: z.string(),
      needs: z.enum(['phone', 'email', 'answers']).nullable(),
      questions: z.array(question).optional(),
    }),
  ),
  message: z.string(),
});

const newPassword = z.object({
  flowId: id,
  state: z.literal('new_password'),
  expiresAt: timestamp,
  password: z.object({ minLength: z.number().int(), maxLength: z.number().int() }),
});

const waiting = z.object({
  flowId: id,
  state: z.enum(['captcha', 'verify', 'new_password', 'complete']),
  expiresAt: timestamp,
  challenge: z.object({ id, status: challengeStatus }).optional(),
});

export const resetVerifiedResponse = z.union([gate, newPassword]);
export const resetStatusResponse = z.union([gate, newPassword, waiting]);

export const resetChallengeResponse = z.object({
  challengeId: id,
  kind: gateKind,
  expiresAt: timestamp,
  sentTo: z.string().nullable().optional(),
  codeLength: z.number().int().optional(),
  calling: z.string().nullable().optional(),
  number: z.string().optional(),
  questions: z.array(question).optional(),
  message: z.string(),
});

export const passwordCheckResponse = z.object({
  accepted: z.boolean(),
  reasons: z.array(reason),
  strength: z.object({
    score: z.number().int().min(0).max(4),
    warning: z.string().nullable(),
    suggestions: z.array(z.string()),
    guessesLog10: z.number(),
  }),
});

export const resetCompleteResponse = z.object({
  flowId: id,
  state: z.literal('complete'),
  message: z.string(),
});
