export { Outbox, contentContext, recipientContext, type NewMessage } from './outbox.js';
export { DeliveryRunner, type ChannelResolver, type Outcome } from './runner.js';
export { ConfiguredChannels, channelsSetting, type ChannelsSetting } from './resolver.js';
export { retryDelay } from './backoff.js';
export { BACKOFF } from './queues.js';
export { channelRegistry, channelsFrom } from './channels.js';
export { OrganisationChannels, settingsContext } from './organisation-channels.js';
export { ChannelChanges, type ChannelChangeListener, type PubSubClient } from './channel-changes.js';
export { StatusCallbacks } from './status-callbacks.js';
