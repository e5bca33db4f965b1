import type { Channel, ChannelFactory } from './channel.js';

export class ChannelConfigError extends Error {
  constructor(
    readonly provider: string,
    readonly problems: string[],
  ) {
    super(`channel ${provider} is misconfigured: ${problems.join('; ')}`);
    this.name = 'ChannelConfigError';
  }
}

/** The channels this deployment offers. A new channel is a new package and one entry in the list given here. */
export class ChannelRegistry {
  private readonly factories = new Map<string, ChannelFactory>();

  constructor(factories: readonly ChannelFactory[]) {
    for (const factory of factories) {
      if (this.factories.has(factory.provider)) throw new Error(`two channels are named ${factory.provider}`);
      this.factories.set(factory.provider, factory);
    }
  }

  get providers(): string[] {
    return [...this.factories.keys()];
  }

  factory(provider: string): ChannelFactory {
    const factory = this.factories.get(provider);
    if (!factory)
      throw new ChannelConfigError(provider, [
        `no channel named ${provider} (known: ${this.providers.join(', ')})`,
      ]);
    return factory;
  }

  /** Validates the settings and builds the channel; a bad setting is named, never half-applied. */
  create(provider: string, config: unknown): Channel {
    const factory = this.factory(provider);
    const parsed = factory.configSchema.safeParse(config);
    if (!parsed.success) {
      throw new ChannelConfigError(
        provider,
        parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`),
      );
    }
    return factory.create(parsed.data);
  }
}
