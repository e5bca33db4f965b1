import { z } from 'zod';

export const ENVELOPE_VERSION = 1;

/**
 * Every job is `{ tenantId, correlationId, version, data }`. Payloads carry ids, never secrets:
 * a worker reads encrypted content from Postgres inside the job's organisation scope.
 */
export function envelopeSchema<T extends z.ZodType>(data: T) {
  return z
    .object({
      tenantId: z.uuid(),
      correlationId: z.string().min(1).max(100),
      version: z.literal(ENVELOPE_VERSION),
      data,
    })
    .strict();
}

export type Envelope<T> = {
  tenantId: string;
  correlationId: string;
  version: typeof ENVELOPE_VERSION;
  data: T;
};

export function envelope<T>(tenantId: string, correlationId: string, data: T): Envelope<T> {
  return { tenantId, correlationId, version: ENVELOPE_VERSION, data };
}

/** Housekeeping: remove one organisation's expired challenges and flows. */
export const purgeExpiredJob = envelopeSchema(
  z.object({ olderThanMinutes: z.number().int().min(0).max(10_080) }).strict(),
);
export type PurgeExpiredJob = z.infer<typeof purgeExpiredJob>;

/** Jobs of the service itself rather than of one organisation (e.g. the scheduler fanning out per organisation). */
export const scheduleJob = z
  .object({ correlationId: z.string().min(1).max(100), version: z.literal(ENVELOPE_VERSION) })
  .strict();

/** Delivery of one message: only its id travels; the worker reads the encrypted content from Postgres. */
export const deliveryJob = envelopeSchema(z.object({ deliveryId: z.uuid() }).strict());
export type DeliveryJob = z.infer<typeof deliveryJob>;
