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

export { SESSION_HEADER, SESSION_TOKEN } from './session-token.js';

/**
 * A step-up: the person's browser as the relying application sees it now (shown in the authenticator app's
 * request); by default, as it was when the session began. The body may be left out.
 */
export const stepUpBody = z.object({ client: client.optional() }).strict().optional();
export type StepUpBody = z.output<typeof stepUpBody>;

/** The OpenAPI description of the Verity-Session header. */
export const sessionHeaderDoc = {
  name: 'Verity-Session',
  required: true,
  description: 'The session token from POST /v1/sessions',
};
