import { type Channel, ChannelError, type ChannelKind, type ChannelRegistry } from '@verity/channel-sdk';
import { type Tenancy, channelSettings } from '@verity/db';
import type { TenantCipher } from '@verity/secrets';
import type { ChannelChanges } from './channel-changes.js';
import type { ChannelResolver } from './runner.js';

export const settingsContext = (kind: string) => `channel-settings:${kind}`;

interface Cached {
  channel: Promise<Channel>;
  version: string;
  checkedAt: number;
}

/**
 * Each organisation's own provider for a kind (its sender, its credentials), else the deployment's default.
 * A setting that no longer builds fails closed: that organisation's messages of that kind fail as
 * `invalid_config`; they never fall back to another account.
 *
 * Settings are cached; a change announced through `ChannelChanges` drops them at once in every process, and
 * without an announcement (none given, or one lost) they are re-read after `recheckMs`. While announcements
 * cannot be heard (Redis down, or not yet subscribed), settings are read for every message and never kept.
 */
export class OrganisationChannels implements ChannelResolver {
  private readonly cache = new Map<string, Cached>();
  /** Bumped by every change heard, so a read that began before it is not cached after it. */
  private generation = 0;

  constructor(
    private readonly tenancy: Tenancy,
    private readonly cipher: TenantCipher,
    private readonly registry: ChannelRegistry,
    private readonly defaults: ChannelResolver,
    private readonly changes?: ChannelChanges,
    private readonly recheckMs = 30_000,
  ) {
    changes?.onChange((change) => {
      this.generation += 1;
      if (change === 'all') for (const key of this.cache.keys()) this.forget(key);
      else this.forget(`${change.tenantId}:${change.kind}`);
    });
  }

  async channelFor(tenantId: string, kind: ChannelKind): Promise<Channel> {
    const key = `${tenantId}:${kind}`;
    const cached = this.cache.get(key);
    if (cached && Date.now() - cached.checkedAt < this.recheckMs) return cached.channel;
    const generation = this.generation;
    const setting = await this.tenancy.run(tenantId, (scope) => channelSettings.find(scope, kind));
    const version = setting ? `${setting.provider}@${setting.updatedAt.toISOString()}` : 'default';
    if (cached && cached.version === version && generation === this.generation) {
      cached.checkedAt = Date.now();
      return cached.channel;
    }
    const channel = setting
      ? this.cipher
          .decryptText(tenantId, settingsContext(kind), setting.configEnc)
          .then((json) => this.registry.create(setting.provider, JSON.parse(json)))
          .catch(() => {
            throw new ChannelError('invalid_config', `the organisation's ${kind} settings are not usable`);
          })
      : Promise.resolve(this.defaults.channelFor(tenantId, kind));
    channel.catch(() => this.cache.delete(key));
    if (generation !== this.generation) return channel; // read before a change: used once, not kept
    if (this.changes && !this.changes.listening) return channel; // a change now would go unheard
    const replaced = this.cache.get(key);
    this.cache.set(key, { channel, version, checkedAt: Date.now() });
    if (replaced && replaced.version !== 'default') void this.retire(replaced.channel);
    return channel;
  }

  private forget(key: string): void {
    const cached = this.cache.get(key);
    this.cache.delete(key);
    if (cached && cached.version !== 'default') void this.retire(cached.channel);
  }

  /** A replaced channel is closed a minute later, once the sends it carried have finished. */
  private async retire(channel: Promise<Channel>): Promise<void> {
    const old = await channel.catch(() => null);
    if (old?.close) setTimeout(() => void old.close?.(), 60_000).unref();
  }
}
