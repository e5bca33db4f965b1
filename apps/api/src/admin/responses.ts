import { z } from 'zod';
import { API_SCOPES } from '../auth/scope-names.js';
import { id, timestamp } from '../openapi/common.js';

/** The answers of the operator's API. */

export const tenantResponse = z.object({
  id,
  slug: z.string(),
  name: z.string(),
  emailDomains: z.array(z.string()),
  status: z.enum(['active', 'suspended']),
  policyVersion: z.number().int(),
  createdAt: timestamp,
});

export const createdTenantResponse = z.object({
  tenant: tenantResponse,
  administrator: z.object({
    id,
    username: z.string(),
    temporaryPassword: z.string().describe('Shown once'),
  }),
});

export const tenantListResponse = z.object({ tenants: z.array(tenantResponse) });

export const issuedKeyResponse = z.object({
  id,
  key: z.string().describe('Shown once: `vty_…`'),
  scopes: z.array(z.enum(API_SCOPES as unknown as [string, ...string[]])),
});

export const rewrapResponse = z.object({
  organisations: z.number().int(),
  rewrappedKeys: z.number().int(),
});
