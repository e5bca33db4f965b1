import { randomUUID } from 'node:crypto';
import type { AuthenticatorDevice } from '@verity/db';
import type { NewMessage } from '@verity/delivery';
import type { TenantCipher } from '@verity/secrets';
import { pushTokenContext } from './contexts.js';

/** What the authenticator app shows with a request: never the number to type. */
export interface PushContext {
  organisation: string;
  app?: string;
  location?: string;
  ip?: string;
  requestedAt: string;
  numberDigits: number;
  deviceId: string;
}

/**
 * The FCM data message that wakes the app for a challenge, living as long as the challenge; null when the
 * device cannot be woken (not active, or no push token: the app finds it by "check for notifications").
 */
export async function pushMessage(
  cipher: TenantCipher,
  device: AuthenticatorDevice | null,
  organisation: { slug: string; name: string },
  challenge: { id: string; expiresAt: Date; context: PushContext },
): Promise<Omit<NewMessage, 'idempotencyKey'> | null> {
  if (device?.status !== 'active' || !device.pushTokenEnc) return null;
  const { context } = challenge;
  return {
    to: await cipher.decryptText(device.tenantId, pushTokenContext(device.id), device.pushTokenEnc),
    content: {
      kind: 'push',
      ttlSeconds: Math.round((challenge.expiresAt.getTime() - Date.now()) / 1000),
      data: {
        challengeId: challenge.id,
        organisation: organisation.slug,
        organisationName: organisation.name,
        ...(context.app ? { app: context.app } : {}),
        ...(context.location ? { location: context.location } : {}),
      },
    },
    targetId: device.id,
  };
}

/** A call to a phone whose instructions (the greeting and the keypad) Twilio fetches from this API when answered. */
export function callMessage(
  publicUrl: string,
  organisationSlug: string,
  phone: string,
): Omit<NewMessage, 'idempotencyKey'> {
  const deliveryId = randomUUID();
  return {
    id: deliveryId,
    to: phone,
    content: {
      kind: 'voice',
      instructionsUrl: `${publicUrl}/webhooks/twilio/${organisationSlug}/voice/${deliveryId}`,
    },
  };
}
