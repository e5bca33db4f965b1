import { z } from 'zod';
import { id, timestamp } from '../openapi/common.js';

/** The answers about sessions, as zod schemas the OpenAPI document is made from. */

export const sessionResponse = z.object({
  sessionId: id,
  account: z.object({ id, username: z.string(), displayName: z.string() }),
  acr: z.string(),
  amr: z.array(z.string()),
  authenticatedAt: timestamp,
  createdAt: timestamp,
  expiresAt: timestamp,
  idleExpiresAt: timestamp,
  stepUpUntil: timestamp.describe('Until when security changes need no step-up'),
});

export const createdSessionResponse = sessionResponse.extend({
  token: z.string().describe('The session token (Verity-Session header); shown once'),
});

export const sessionListResponse = z.object({
  sessions: z.array(
    z.object({
      id,
      createdAt: timestamp,
      lastSeenAt: timestamp,
      expiresAt: timestamp,
      idleExpiresAt: timestamp,
      acr: z.string(),
      ip: z.string().nullable(),
      userAgent: z.string().nullable(),
      current: z.boolean(),
    }),
  ),
});
