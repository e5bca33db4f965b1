import { z } from 'zod';
import { client } from '../sign-in/schemas.js';

const jwt = 'must be the sign-in result (the JWT in `result` of a finished sign-in)';

export const exchangeBody = z
  .object({
    result: z
      .string({ error: jwt })
      .refine((v) => v.length >= 20 && v.length <= 4096 && /^[\w-]+\.[\w-]+\.[\w-]+$/.test(v), jwt),
    /** The person's browser as the relying application sees it now; by default, as it was at sign-in. */
    client: client.pick({ ip: true, userAgent: true }).optional(),
  })
  .strict();
export type ExchangeBody = z.output<typeof exchangeBody>;

/** A session token as it is issued: 32 random bytes, base64url. Anything else is refused like an unknown one. */
export const SESSION_TOKEN = /^[A-Za-z0-9_-]{43}$/;

export const SESSION_HEADER = 'verity-session';
