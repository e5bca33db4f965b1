import {
  defineChannel,
  type CallbackRequest,
  type OutboundMessage,
  type ProviderStatus,
  type StatusUpdate,
} from '@verity/channel-sdk';
import {
  formField,
  toChannelError,
  twilioClient,
  twilioConfigSchema,
  verifyTwilioSignature,
} from '@verity/twilio-common';

export const twilioSmsConfigSchema = twilioConfigSchema;

const STATUS: Record<string, ProviderStatus> = {
  accepted: 'sent',
  scheduled: 'sent',
  queued: 'sent',
  sending: 'sent',
  sent: 'sent',
  delivered: 'delivered',
  read: 'delivered',
  undelivered: 'failed',
  failed: 'failed',
  canceled: 'failed',
};

/** Twilio's SMS status callback as status updates; Twilio sends no event id, so SID and status make one. */
export function parseSmsStatus(rawBody: string): StatusUpdate[] {
  const sid = formField(rawBody, 'MessageSid') ?? formField(rawBody, 'SmsSid');
  const twilioStatus = formField(rawBody, 'MessageStatus') ?? formField(rawBody, 'SmsStatus');
  const status = twilioStatus === undefined ? undefined : STATUS[twilioStatus];
  if (!sid || !twilioStatus || !status) return [];
  const errorCode = formField(rawBody, 'ErrorCode');
  return [
    {
      providerMessageId: sid,
      status,
      eventId: `${sid}:${twilioStatus}`,
      ...(errorCode ? { errorCode } : {}),
    },
  ];
}

export const twilioSmsChannel = defineChannel({
  provider: 'twilio-sms',
  kind: 'sms',
  configSchema: twilioSmsConfigSchema,
  create: (config) => {
    const client = twilioClient(config);
    return {
      kind: 'sms',
      provider: 'twilio-sms',
      async send(message: OutboundMessage) {
        if (message.content.kind !== 'sms')
          throw new TypeError(`twilio-sms cannot send ${message.content.kind}`);
        try {
          const sent = await client.messages.create({
            to: message.to,
            from: config.from,
            body: message.content.body,
            ...(message.statusCallbackUrl ? { statusCallback: message.statusCallbackUrl } : {}),
          });
          return { providerMessageId: sent.sid };
        } catch (error) {
          throw toChannelError(error);
        }
      },
      verifyCallback: (request: CallbackRequest) => verifyTwilioSignature(config.authToken, request),
      parseStatusCallback: (request: CallbackRequest) => parseSmsStatus(request.rawBody),
    };
  },
});
