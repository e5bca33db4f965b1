/**
 * The kinds of message a channel carries: the one list of them. The delivery queues (one per kind, named after it),
 * the worker's processors, the CHANNELS setting and the sandbox channel all derive from it.
 */
export const channelKinds = ['push', 'sms', 'voice', 'email'] as const;
export type ChannelKind = (typeof channelKinds)[number];

export function isChannelKind(value: string): value is ChannelKind {
  return (channelKinds as readonly string[]).includes(value);
}

export interface SmsContent {
  kind: 'sms';
  body: string;
}

export interface VoiceContent {
  kind: 'voice';
  /** Where the provider fetches the call's instructions (the API's TwiML endpoint for this delivery). */
  instructionsUrl: string;
}

export interface EmailContent {
  kind: 'email';
  subject: string;
  text: string;
  html?: string;
}

export interface PushContent {
  kind: 'push';
  /** Data for the authenticator app: ids and context, never the number to type. */
  data: Record<string, string>;
  /** The challenge's remaining lifetime: a push arriving later is useless. */
  ttlSeconds: number;
}

export type Content = SmsContent | VoiceContent | EmailContent | PushContent;

/** One message as the worker hands it to a channel, decrypted just before sending. */
export interface OutboundMessage<C extends Content = Content> {
  deliveryId: string;
  tenantId: string;
  /** Same for every attempt of one delivery; providers that take an idempotency key get it. */
  idempotencyKey: string;
  /** E.164 number, email address or device push token. */
  to: string;
  content: C;
  /** Where the provider reports delivery status, when it does. */
  statusCallbackUrl?: string;
}

export interface SendResult {
  providerMessageId: string;
}

export type ProviderStatus = 'sent' | 'delivered' | 'failed';

/** A provider's report about one message, parsed from its callback. */
export interface StatusUpdate {
  providerMessageId: string;
  /** Verity's delivery id, where the provider echoes it (SendGrid's custom arguments): found by it first. */
  deliveryId?: string;
  status: ProviderStatus;
  /** The provider's event id, to apply each event once. */
  eventId?: string;
  errorCode?: string;
}
