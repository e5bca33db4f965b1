import type { ChannelFactory } from '@verity/channel-sdk';
import { fcmChannel } from '@verity/channel-fcm';
import { sandbox } from '@verity/channel-sandbox';
import { sendGridChannel } from '@verity/channel-sendgrid';
import { twilioSmsChannel } from '@verity/channel-twilio-sms';
import { twilioVoiceChannel } from '@verity/channel-twilio-voice';

/** Every channel this worker can use. A new channel is a new package and one line here. */
export const channelFactories: ChannelFactory[] = [
  sandbox,
  fcmChannel,
  twilioSmsChannel,
  twilioVoiceChannel,
  sendGridChannel,
];
