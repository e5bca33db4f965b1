import { isIP } from 'node:net';
import { z } from 'zod';
import { text } from '../admin/schemas.js';
import { LEGACY_PROTOCOLS } from './app-passwords.js';

export const client = z
  .object({
    ip: z
      .string()
      .max(64)
      .refine((v) => isIP(v) !== 0, 'must be an IPv4 or IPv6 address')
      .optional(),
    userAgent: text(0, 500).optional(),
    app: text(1, 100).optional(),
  })
  .strict();

/** What the person typed as their username: not checked for shape, so a typo gets the same answer as anyone. */
const signInName = text(1, 254);

export const startBody = z
  .object({
    username: signInName,
    password: z.string().min(1).max(1024),
    rememberToken: z.string().max(100).optional(),
    /** The person's browser as the relying application sees it. */
    client: client.default({}),
  })
  .strict();
export type StartBody = z.output<typeof startBody>;

export const challengeBody = z.object({ methodId: z.uuid('must be a method id (UUID)') }).strict();

export const verifyBody = z
  .object({
    code: z
      .string()
      .trim()
      .regex(/^\d{6,8}$/, 'must be the 6 digit code')
      .optional(),
    /** A security key's answer (the browser's PublicKeyCredential as JSON). */
    assertion: z.record(z.string(), z.unknown()).optional(),
    rememberDevice: z.boolean().optional(),
  })
  .strict()
  .refine((b) => (b.code === undefined) !== (b.assertion === undefined), {
    message: 'give either the code or, for a security key, the assertion',
    path: ['code'],
  });

export const statusQuery = z
  .object({
    rememberDevice: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
  })
  .strict();

export const activateBody = z
  .object({
    activationCode: z.string().min(10).max(100),
    publicKey: z
      .object({
        kty: z.literal('EC'),
        crv: z.literal('P-256'),
        x: z.string().max(100),
        y: z.string().max(100),
      })
      .loose(),
    pushToken: z.string().min(1).max(4096).optional(),
    platform: z.enum(['android', 'ios', 'web']),
  })
  .strict();

export const proofHeader = z
  .string({ error: 'the Device-Proof header is required' })
  .min(20)
  .max(8192)
  .regex(/^[\w-]+\.[\w-]+\.[\w-]+$/, 'must be a compact JWS');

const protocol = z.enum(LEGACY_PROTOCOLS);

export const createAppPasswordBody = z
  .object({ name: text(1, 100), scopes: z.array(protocol).min(1).max(7) })
  .strict();

export const legacyVerifyBody = z
  .object({
    username: signInName,
    appPassword: z.string().min(1).max(100),
    protocol,
    ip: client.shape.ip,
  })
  .strict();
