import { z } from 'zod';
import { text } from '../admin/schemas.js';
import { client } from '../sign-in/schemas.js';

export const startResetBody = z
  .object({
    /** The username or email address as typed ("Enter your user ID"). */
    username: text(1, 254),
    client: client.default({}),
  })
  .strict();

/** The ALTCHA widget's payload: base64 JSON, or the JSON object itself. */
export const captchaBody = z
  .object({
    solution: z.union([z.string().min(10).max(4096), z.record(z.string(), z.unknown())]),
  })
  .strict();

const gateKinds = [
  'authenticator_push',
  'authenticator_code',
  'mobile_text',
  'mobile_call',
  'alternate_call',
  'office_call',
  'email',
  'security_questions',
] as const;

export const gateBody = z
  .object({
    kind: z.enum(gateKinds, { error: () => `must be one of ${gateKinds.join(', ')}` }),
    /** For a text or a call: the registered number, typed in full. */
    phone: z.string().trim().min(3).max(40).optional(),
    /** For an email: the registered address, typed in full. */
    email: z.string().trim().max(254).optional(),
  })
  .strict();

export const gateAnswerBody = z
  .object({
    code: z
      .string()
      .trim()
      .regex(/^\d{6,8}$/, 'must be the 6 digit code')
      .optional(),
    answers: z
      .array(z.object({ questionId: z.string().max(64), answer: z.string().max(200) }).strict())
      .max(5)
      .optional(),
  })
  .strict()
  .refine((b) => (b.code === undefined) !== (b.answers === undefined), {
    message: 'give either the code or the answers',
    path: ['code'],
  });

export const passwordBody = z.object({ password: z.string().min(1).max(1024) }).strict();
