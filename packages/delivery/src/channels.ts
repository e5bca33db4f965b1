import { ChannelRegistry } from '@verity/channel-sdk';
import { ConfiguredChannels, channelsSetting } from './resolver.js';
import { fcmChannel } from '@verity/channel-fcm';
import { sandbox } from '@verity/channel-sandbox';
import { sendGridChannel } from '@verity/channel-sendgrid';
import { twilioSmsChannel } from '@verity/channel-twilio-sms';
import { twilioVoiceChannel } from '@verity/channel-twilio-voice';

/** Every channel Verity can use. A new channel is a new package and one line here. */
export const channelRegistry = new ChannelRegistry([
  sandbox,
  fcmChannel,
  twilioSmsChannel,
  twilioVoiceChannel,
  sendGridChannel,
]);

/** The deployment's channels from the CHANNELS setting (JSON); a bad setting is named and stops the process. */
export function channelsFrom(raw: string): ConfiguredChannels {
  const setting = channelsSetting.safeParse(JSON.parse(raw));
  if (!setting.success) {
    throw new Error(
      `CHANNELS is not valid: ${setting.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return new ConfiguredChannels(channelRegistry, setting.data);
}
