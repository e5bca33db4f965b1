import { z } from 'zod';
import { API_SCOPES } from '../auth/scope-names.js';

/** Free text: trimmed, bounded, and free of control characters (which Postgres and logs cannot take). */
export const text = (min: number, max: number) =>
  z
    .string()
    .trim()
    .min(min)
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');

const domain = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(
    /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'must be a domain name such as trust.nhs.uk',
  );

export const slug = z
  .string()
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
    'must be lower-case letters, digits and hyphens, e.g. "northshire"',
  );

export const username = z
  .email('must be an email-style username such as jane.doe@trust.nhs.uk')
  .max(254)
  .toLowerCase();

export const newAdministrator = z
  .object({
    username,
    displayName: text(1, 200),
    contactEmail: z.email().max(254).optional(),
  })
  .strict();

export const createTenantBody = z
  .object({
    slug,
    name: text(2, 200),
    emailDomains: z.array(domain).max(20).default([]),
    administrator: newAdministrator,
  })
  .strict();
export type CreateTenantBody = z.output<typeof createTenantBody>;

export const issueApiKeyBody = z
  .object({
    name: text(1, 100),
    /** What the key may do (see API_SCOPES): at least one, each named once. */
    scopes: z
      .array(z.enum(API_SCOPES, { error: `must be one of ${API_SCOPES.join(', ')}` }), {
        error: `must list the key's scopes, one or more of ${API_SCOPES.join(', ')}`,
      })
      .min(1, `must name one or more of ${API_SCOPES.join(', ')}`)
      .max(API_SCOPES.length)
      .transform((scopes) => [...new Set(scopes)]),
  })
  .strict();

export const createAccountBody = z
  .object({
    username,
    displayName: text(1, 200),
    contactEmail: z.email().max(254).optional(),
    elevated: z.boolean().default(false),
    /** An Office 365 Hybrid user, who cannot use an office phone for verification. */
    hybrid: z.boolean().default(false),
    roles: z
      .array(z.enum(['staff', 'tenant_admin']))
      .min(1)
      .max(2)
      .default(['staff']),
  })
  .strict();
export type CreateAccountBody = z.output<typeof createAccountBody>;

export const uuidParam = z.uuid('must be an id (UUID)');

export const page = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();
