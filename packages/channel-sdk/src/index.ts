export { channelKinds, isChannelKind } from './message.js';
export type {
  ChannelKind,
  Content,
  EmailContent,
  OutboundMessage,
  ProviderStatus,
  PushContent,
  SendResult,
  SmsContent,
  StatusUpdate,
  VoiceContent,
} from './message.js';
export { ChannelError, errorFromStatus, retryAfterMs, type ChannelErrorCode } from './errors.js';
export {
  defineChannel,
  type CallInstructions,
  type CallbackRequest,
  type Channel,
  type ChannelFactory,
} from './channel.js';
export { ChannelConfigError, ChannelRegistry } from './registry.js';
