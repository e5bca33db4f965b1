/** The few commands of an ioredis client this needs (so the package does not depend on ioredis). */
export interface PubSubClient {
  publish(channel: string, message: string): Promise<number>;
  subscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  disconnect(): void;
  readonly status: string;
}

export type ChannelChangeListener = (change: { tenantId: string; kind: string } | 'all') => void;

/**
 * Tells every process (API and worker) at once that an organisation's sender settings changed, over Redis
 * pub/sub, so none keeps sending with, or accepting callbacks signed by, the credentials replaced.
 * After a reconnection, whatever was announced meanwhile is unknown, so listeners hear 'all'. A process starts
 * without waiting for Redis (it may be down): until the subscription is made, and while the connection is down,
 * `listening` is false and nothing may be cached on the strength of these announcements.
 */
export class ChannelChanges {
  private readonly topic: string;
  private readonly listeners: ChannelChangeListener[] = [];
  private subscribed = false;

  /**
   * @param publisher any client of the deployment's Redis; null in a process that only listens
   * @param subscriber a connection of its own: a subscribed connection can do nothing else
   */
  constructor(
    private readonly publisher: Pick<PubSubClient, 'publish'> | null,
    private readonly subscriber: PubSubClient,
    redisPrefix: string,
  ) {
    this.topic = `${redisPrefix}:channel-settings-changed`;
    subscriber.on('message', (channel, message) => {
      const [tenantId = '', kind = ''] = message.split(':');
      if (channel === this.topic) this.tell({ tenantId, kind });
    });
    subscriber.on('ready', () => this.tell('all'));
  }

  /**
   * Starts listening; resolves once subscribed, so a change announced after it is heard. The subscriber should
   * wait for Redis rather than give up (ioredis `maxRetriesPerRequest: null`); it subscribes again by itself
   * after a reconnection.
   */
  async start(): Promise<void> {
    await this.subscriber.subscribe(this.topic);
    this.subscribed = true;
  }

  /** Whether a change announced now would be heard. */
  get listening(): boolean {
    return this.subscribed && this.subscriber.status === 'ready';
  }

  onChange(listener: ChannelChangeListener): void {
    this.listeners.push(listener);
  }

  /** Announces a change committed to Postgres, to every process including this one. */
  async announce(tenantId: string, kind: string): Promise<void> {
    this.tell({ tenantId, kind });
    if (!this.publisher) throw new Error('this process only listens for channel changes');
    await this.publisher.publish(this.topic, `${tenantId}:${kind}`);
  }

  /** Drops the connection at once: a subscriber has nothing to finish, and may be waiting for a Redis that is down. */
  close(): void {
    this.subscriber.disconnect();
  }

  /** Nest closes it with the application. */
  onApplicationShutdown(): void {
    this.close();
  }

  private tell(change: Parameters<ChannelChangeListener>[0]): void {
    for (const listener of this.listeners) listener(change);
  }
}
