import twilio from 'twilio';
import {
  defineChannel,
  type CallbackRequest,
  type CallInstructions,
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

export const twilioVoiceConfigSchema = twilioConfigSchema;

/** How long the phone rings before Twilio gives up, in seconds. */
const RING_SECONDS = 30;
const XML = 'text/xml; charset=utf-8';
const LANGUAGE = 'en-GB';

const STATUS: Record<string, ProviderStatus> = {
  queued: 'sent',
  initiated: 'sent',
  ringing: 'sent',
  'in-progress': 'sent',
  completed: 'delivered',
  busy: 'failed',
  'no-answer': 'failed',
  failed: 'failed',
  canceled: 'failed',
};

/** Twilio's call status callback as status updates; Twilio sends no event id, so SID and status make one. */
export function parseCallStatus(rawBody: string): StatusUpdate[] {
  const sid = formField(rawBody, 'CallSid');
  const twilioStatus = formField(rawBody, 'CallStatus');
  const status = twilioStatus === undefined ? undefined : STATUS[twilioStatus];
  if (!sid || !twilioStatus || !status) return [];
  // Busy and no-answer carry no ErrorCode; the call status is the only reason Twilio gives.
  const errorCode = formField(rawBody, 'ErrorCode') ?? (status === 'failed' ? twilioStatus : undefined);
  return [
    {
      providerMessageId: sid,
      status,
      eventId: `${sid}:${twilioStatus}`,
      ...(errorCode ? { errorCode } : {}),
    },
  ];
}

/**
 * A `<Gather>` reading `say` and posting the keys to `actionUrl`. With `digits` > 0 it collects that many
 * keys (or fewer ended by #); with 0 it collects until # (e.g. "# approves, 0 then # denies").
 */
export function gatherTwiml(call: { say: string; digits: number; actionUrl: string }): CallInstructions {
  const response = new twilio.twiml.VoiceResponse();
  const gather = response.gather({
    input: ['dtmf'],
    ...(call.digits > 0 ? { numDigits: call.digits } : {}),
    finishOnKey: '#',
    action: call.actionUrl,
    method: 'POST',
    timeout: 10,
  });
  gather.say({ language: LANGUAGE }, call.say);
  response.say({ language: LANGUAGE }, 'We did not receive any input. Goodbye.');
  response.hangup();
  return { contentType: XML, body: response.toString() };
}

export function goodbyeTwiml(say: string): CallInstructions {
  const response = new twilio.twiml.VoiceResponse();
  response.say({ language: LANGUAGE }, say);
  response.hangup();
  return { contentType: XML, body: response.toString() };
}

export const twilioVoiceChannel = defineChannel({
  provider: 'twilio-voice',
  kind: 'voice',
  configSchema: twilioVoiceConfigSchema,
  create: (config) => {
    const client = twilioClient(config);
    return {
      kind: 'voice',
      provider: 'twilio-voice',
      async send(message: OutboundMessage) {
        if (message.content.kind !== 'voice')
          throw new TypeError(`twilio-voice cannot send ${message.content.kind}`);
        try {
          const call = await client.calls.create({
            to: message.to,
            from: config.from,
            url: message.content.instructionsUrl,
            method: 'POST',
            timeout: RING_SECONDS,
            ...(message.statusCallbackUrl
              ? {
                  statusCallback: message.statusCallbackUrl,
                  statusCallbackMethod: 'POST',
                  // the call's end, whatever it was: completed, busy, no-answer, failed or canceled
                  statusCallbackEvent: ['completed'],
                }
              : {}),
          });
          return { providerMessageId: call.sid };
        } catch (error) {
          throw toChannelError(error);
        }
      },
      verifyCallback: (request: CallbackRequest) => verifyTwilioSignature(config.authToken, request),
      parseStatusCallback: (request: CallbackRequest) => parseCallStatus(request.rawBody),
      callInstructions: gatherTwiml,
      parseKeypress: (request: CallbackRequest) => ({
        providerMessageId: formField(request.rawBody, 'CallSid') ?? '',
        digits: formField(request.rawBody, 'Digits') ?? '',
      }),
      goodbye: goodbyeTwiml,
    };
  },
});
