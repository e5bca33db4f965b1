import { z } from 'zod';
import { channelKinds } from '@verity/channel-sdk';
import { policySchema } from '@verity/policy';
import { id, nullableTimestamp, timestamp } from '../openapi/common.js';

/** The answers of the organisation's API (its console), as zod schemas the OpenAPI document is made from. */

export const accountResponse = z.object({
  id,
  username: z.string(),
  displayName: z.string(),
  roles: z.array(z.enum(['staff', 'tenant_admin'])),
  elevated: z.boolean(),
  hybrid: z.boolean(),
  status: z.enum(['active', 'disabled']),
  registrationState: z.enum(['required', 'snoozed', 'complete']),
  createdAt: timestamp,
});

export const accountDetailResponse = accountResponse.extend({ contactEmail: z.string().nullable() });

export const accountListResponse = z.object({
  accounts: z.array(accountResponse),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});

export const organisationResponse = z.object({
  id,
  slug: z.string(),
  name: z.string(),
  emailDomains: z.array(z.string()),
  policyVersion: z.number().int(),
  policy: z
    .record(z.string(), z.unknown())
    .describe('As stored; GET /v1/organisation/policy gives it upgraded'),
});

export const auditEventsResponse = z.object({
  events: z.array(
    z
      .object({
        id,
        tenantId: id,
        occurredAt: timestamp,
        actorType: z.string(),
        actorId: z.string().nullable(),
        action: z.string(),
        targetType: z.string().nullable(),
        targetId: z.string().nullable(),
        outcome: z.string(),
      })
      .loose(),
  ),
});

export const policyResponse = z.object({ version: z.number().int(), policy: policySchema });

/** compareReadiness: how many staff each rule leaves fine, nudged or blocked, now and under the proposal. */
const readiness = z
  .object({
    asOf: timestamp,
    accounts: z.number().int(),
    overall: z.object({ fine: z.number().int(), nudged: z.number().int(), blocked: z.number().int() }),
    rules: z.record(z.string(), z.record(z.string(), z.unknown())),
  })
  .loose();
export const dryRunResponse = z.object({ current: readiness, proposed: readiness }).loose();

const deliveryStatus = z.enum(['queued', 'sending', 'sent', 'delivered', 'failed']);
const channelKind = z.enum(channelKinds);

export const deliveriesResponse = z.object({
  deliveries: z.array(
    z.object({
      id,
      channel: channelKind,
      provider: z.string().nullable().describe('null until a sender takes it'),
      status: deliveryStatus,
      attempts: z.number().int(),
      errorCode: z.string().nullable(),
      providerMessageId: z.string().nullable(),
      challengeId: id.nullable(),
      createdAt: timestamp,
      sentAt: nullableTimestamp,
    }),
  ),
});

export const channelsResponse = z.object({
  channels: z.array(z.object({ kind: channelKind, provider: z.string(), updatedAt: timestamp })),
});
export const savedChannelResponse = z.object({ kind: channelKind, provider: z.string() });

export const sandboxMessagesResponse = z.object({
  messages: z.array(
    z.object({
      id,
      channel: channelKind,
      status: deliveryStatus,
      to: z.string(),
      content: z.unknown().describe('The message as the channel would have sent it'),
      createdAt: timestamp,
      sentAt: nullableTimestamp,
    }),
  ),
});

export const directoryResponse = z.object({
  kind: z.literal('ldap'),
  settings: z.record(z.string(), z.unknown()).describe('As saved, without the bind password'),
  updatedAt: timestamp,
});
export const savedDirectoryResponse = z.object({ kind: z.literal('ldap') });
