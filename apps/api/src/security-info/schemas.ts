import { z } from 'zod';
import { text } from '../admin/schemas.js';
import { client } from '../sign-in/schemas.js';

const label = text(1, 100).optional();
const phone = z.string().trim().min(3, 'must be a phone number').max(40, 'must be a phone number');
const phoneTypes = ['mobile_text', 'mobile_call', 'alternate_call', 'office_call'] as const;

/** "Add sign-in method": which one, and what it needs to start (a number, an address); `client` as at sign-in. */
export const startEnrolment = z.discriminatedUnion(
  'type',
  [
    ...phoneTypes.map((type) =>
      z.object({ type: z.literal(type), phone, label, client: client.optional() }).strict(),
    ),
    z
      .object({
        type: z.literal('email'),
        email: z.email('must be an email address').max(254),
        label,
        client: client.optional(),
      })
      .strict(),
    ...(['authenticator_push', 'authenticator_code', 'security_key', 'security_questions'] as const).map(
      (type) => z.object({ type: z.literal(type), label, client: client.optional() }).strict(),
    ),
  ] as unknown as readonly [z.ZodObject, ...z.ZodObject[]],
  {
    error: () =>
      'must be one of mobile_text, mobile_call, alternate_call, office_call, email, authenticator_push, authenticator_code, security_key, security_questions (app passwords have their own endpoint)',
  },
);

type PhoneStart = { type: (typeof phoneTypes)[number]; phone: string };
export type StartEnrolment = (
  | PhoneStart
  | { type: 'email'; email: string }
  | { type: 'authenticator_push' | 'authenticator_code' | 'security_key' | 'security_questions' }
) & { label?: string | undefined; client?: z.output<typeof client> | undefined };

/** The proof of a method being added: a code, a security key's credential, or answers. Empty for calls and the app. */
export const enrolmentAnswer = z
  .object({
    code: z
      .string()
      .trim()
      .regex(/^\d{6}$/, 'must be the 6 digit code')
      .optional(),
    credential: z.record(z.string(), z.unknown()).optional(),
    answers: z
      .array(z.object({ questionId: z.string().max(64), answer: z.string().max(200) }).strict())
      .max(5)
      .optional(),
  })
  .strict()
  .default({});
export type EnrolmentAnswer = z.output<typeof enrolmentAnswer>;

export const changePhoneBody = z.object({ phone, client: client.optional() }).strict();
export const renameBody = z.object({ label: text(1, 100) }).strict();
export const defaultMethodBody = z.object({ methodId: z.uuid('must be a method id (UUID)') }).strict();
