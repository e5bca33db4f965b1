import { type Channel, type ChannelKind, type ChannelRegistry, channelKinds } from '@verity/channel-sdk';
import { z } from 'zod';
import type { ChannelResolver } from './runner.js';

/** CHANNELS: which provider carries each kind, with its settings; kinds not named go to the sandbox. */
export const channelsSetting = z
  .partialRecord(
    z.enum(channelKinds),
    z.object({ provider: z.string().min(1), config: z.unknown() }).strict(),
  )
  .default({});
export type ChannelsSetting = z.output<typeof channelsSetting>;

/** The deployment's channels, one per kind, built once at start (a bad setting stops the worker). */
export class ConfiguredChannels implements ChannelResolver {
  private readonly byKind = new Map<ChannelKind, Channel>();

  constructor(registry: ChannelRegistry, setting: ChannelsSetting) {
    for (const kind of channelKinds) {
      const chosen = setting[kind];
      const channel = chosen
        ? registry.create(chosen.provider, chosen.config)
        : registry.create('sandbox', { kind });
      if (channel.kind !== kind)
        throw new Error(`CHANNELS.${kind} names ${channel.provider}, which carries ${channel.kind}`);
      this.byKind.set(kind, channel);
    }
  }

  channelFor(_tenantId: string, kind: ChannelKind): Channel {
    return this.byKind.get(kind)!;
  }

  async close(): Promise<void> {
    await Promise.all([...this.byKind.values()].map((c) => c.close?.()));
  }
}
