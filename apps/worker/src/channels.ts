import type { ChannelFactory } from '@verity/channel-sdk';
import { sandbox } from '@verity/channel-sandbox';

/** Every channel this worker can use. A new channel is a new package and one line here. */
export const channelFactories: ChannelFactory[] = [sandbox];
