import type { z } from 'zod';
import type { ChannelKind, OutboundMessage, SendResult, StatusUpdate } from './message.js';

/** A provider's HTTP callback as the API received it. */
export interface CallbackRequest {
  /** The public URL the provider called (behind a proxy: the configured public URL, not the internal one). */
  url: string;
  headers: Record<string, string | undefined>;
  rawBody: string;
}

/** How a voice channel answers a call: the provider's own markup (e.g. TwiML). */
export interface CallInstructions {
  contentType: string;
  body: string;
}

export interface Channel {
  readonly kind: ChannelKind;
  /** The provider's name, e.g. "twilio-sms"; recorded on each delivery. */
  readonly provider: string;
  send(message: OutboundMessage): Promise<SendResult>;
  /** True only when the callback is signed by this provider with this organisation's credentials. */
  verifyCallback?(request: CallbackRequest): boolean;
  /** Parses a verified status callback; each update carries the provider's event id where it has one. */
  parseStatusCallback?(request: CallbackRequest): StatusUpdate[];
  /** Voice: what to say and how many keys to collect, posting the keys to `actionUrl`. */
  callInstructions?(call: { say: string; digits: number; actionUrl: string }): CallInstructions;
  /** Voice: the keys the person pressed, from a verified keypress callback. */
  parseKeypress?(request: CallbackRequest): { providerMessageId: string; digits: string };
  /** Voice: the last words before hanging up. */
  goodbye?(say: string): CallInstructions;
  close?(): Promise<void>;
}

/** What a channel package exports: its name, kind, config schema and a factory. Nothing else. */
export interface ChannelFactory<S extends z.ZodType = z.ZodType> {
  readonly provider: string;
  /** The kind of message it carries; 'any' for a channel (the sandbox) whose config names the kind. */
  readonly kind: ChannelKind | 'any';
  /** Settings of one organisation (sender, credentials), plus where the provider's API is. */
  readonly configSchema: S;
  create(config: z.output<S>): Channel;
}

export function defineChannel<S extends z.ZodType>(factory: ChannelFactory<S>): ChannelFactory<S> {
  return factory;
}
