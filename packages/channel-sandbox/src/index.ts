import { channelKinds, defineChannel } from '@verity/channel-sdk';
import { z } from 'zod';

export const sandboxConfig = z.object({ kind: z.enum(channelKinds) }).strict();

/**
 * For development: sends nothing anywhere. The delivery row, with its encrypted content, is the message;
 * the API's developer inbox reads the organisation's sandbox deliveries back.
 */
export const sandbox = defineChannel({
  provider: 'sandbox',
  kind: 'any',
  configSchema: sandboxConfig,
  create: ({ kind }) => ({
    kind,
    provider: 'sandbox',
    send: async (message) => ({ providerMessageId: `sandbox-${message.deliveryId}` }),
  }),
});
