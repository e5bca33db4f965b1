import { BullModule, Processor } from '@nestjs/bullmq';
import {
  type DynamicModule,
  Inject,
  Logger,
  Module,
  type OnApplicationShutdown,
  type Provider,
  type Type,
} from '@nestjs/common';
import {
  ChannelChanges,
  ConfiguredChannels,
  DeliveryRunner,
  OrganisationChannels,
  Outbox,
  StatusCallbacks,
  channelRegistry,
  channelsFrom,
} from '@verity/delivery';
import { DataKeyRepository, Tenancy, openRuntimeDataSource } from '@verity/db';
import { KeyRing, TenantCipher } from '@verity/secrets';
import { allQueues, parseQueueList } from '@verity/queues';
import type { DataSource } from 'typeorm';
import { CONFIG, type WorkerConfig } from './config.js';
import { Fairness } from './delivery/fairness.js';
import { StuckDeliveries } from './delivery/stuck.js';
import { evenLimiter } from './even-limiter.js';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { type ProcessorEntry, processorsFor } from './registry.js';

const DATA_SOURCE = Symbol('DATA_SOURCE');
/** Queues this process adds jobs to itself (the sweep's re-dispatches), whichever queues it serves. */
const OWN_QUEUES = Symbol('OWN_QUEUES');

/**
 * The processor of one queue with this deployment's worker settings. @nestjs/bullmq creates a queue's worker
 * from the `@Processor` metadata of a provider's class, so each queue gets a subclass decorated here with its
 * name and settings: one processor class can serve several queues, and stays untouched.
 */
function configured({ queue, processor, options }: ProcessorEntry, config: WorkerConfig): Provider {
  const withSettings = class extends (processor as Type) {};
  Object.defineProperty(withSettings, 'name', { value: `${processor.name}(${queue})` });
  Processor(queue, {
    ...options,
    concurrency: config.WORKER_CONCURRENCY,
    lockDuration: config.WORKER_LOCK_MS,
    stalledInterval: config.WORKER_LOCK_MS,
    ...(config.WORKER_RATE_LIMITS[queue] ? { limiter: evenLimiter(config.WORKER_RATE_LIMITS[queue]) } : {}),
  })(withSettings);
  return { provide: withSettings, useClass: withSettings };
}

function checkRateLimits(config: WorkerConfig): void {
  const unknown = Object.keys(config.WORKER_RATE_LIMITS).filter((q) => !allQueues.includes(q as never));
  if (unknown.length > 0)
    throw new Error(
      `WORKER_RATE_LIMITS names unknown queues: ${unknown.join(', ')} (known: ${allQueues.join(', ')})`,
    );
}

/** Hosts the processors of the queues named in WORKER_QUEUES, so one image scales as several deployments. */
@Module({})
export class WorkerModule implements OnApplicationShutdown {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly fairness: Fairness,
    @Inject(OWN_QUEUES) private readonly ownQueues: Map<string, Queue>,
  ) {}

  static forRoot(config: WorkerConfig): DynamicModule {
    const queues = parseQueueList(config.WORKER_QUEUES);
    const chosen = processorsFor(queues);
    checkRateLimits(config);
    const redis = new URL(config.REDIS_URL);
    const connection = {
      host: redis.hostname,
      port: Number(redis.port || 6379),
      username: redis.username || undefined,
      password: redis.password ? decodeURIComponent(redis.password) : undefined,
      db: redis.pathname.length > 1 ? Number(redis.pathname.slice(1)) : 0,
      tls: redis.protocol === 'rediss:' ? {} : undefined,
      maxRetriesPerRequest: null,
    };
    const ownQueues = new Map<string, Queue>();
    const ownQueue = (name: string) => {
      let queue = ownQueues.get(name);
      if (!queue) {
        queue = new Queue(name, { connection, prefix: config.REDIS_PREFIX });
        ownQueues.set(name, queue);
      }
      return queue;
    };
    return {
      module: WorkerModule,
      imports: [
        BullModule.forRoot({ prefix: config.REDIS_PREFIX, connection }),
        ...queues.map((name) => BullModule.registerQueue({ name })),
      ],
      providers: [
        { provide: CONFIG, useValue: config },
        {
          provide: DATA_SOURCE,
          useFactory: () =>
            openRuntimeDataSource(
              {
                url: config.DATABASE_URL,
                poolSize: config.DATABASE_POOL_SIZE,
                applicationName: 'verity-worker',
              },
              (warning) => new Logger('Database').warn(warning),
            ),
        },
        { provide: Tenancy, inject: [DATA_SOURCE], useFactory: (ds: DataSource) => new Tenancy(ds) },
        {
          provide: TenantCipher,
          inject: [Tenancy],
          useFactory: (tenancy: Tenancy) =>
            new TenantCipher(new KeyRing(config.MASTER_KEYS), new DataKeyRepository(tenancy)),
        },
        { provide: ConfiguredChannels, useValue: channelsFrom(config.CHANNELS) },
        {
          provide: Fairness,
          useFactory: () =>
            new Fairness(
              new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 }),
              config.REDIS_PREFIX,
              config.WORKER_TENANT_SHARE,
              config.WORKER_LOCK_MS,
            ),
        },
        {
          provide: ChannelChanges,
          useFactory: () => {
            const changes = new ChannelChanges(
              null,
              new Redis(config.REDIS_URL, { maxRetriesPerRequest: null }),
              config.REDIS_PREFIX,
            );
            // not awaited: the process starts (and answers 503 where it needs Redis) while Redis is down
            changes.start().catch(() => undefined);
            return changes;
          },
        },
        {
          provide: OrganisationChannels,
          inject: [Tenancy, TenantCipher, ConfiguredChannels, ChannelChanges],
          useFactory: (
            tenancy: Tenancy,
            cipher: TenantCipher,
            defaults: ConfiguredChannels,
            changes: ChannelChanges,
          ) => new OrganisationChannels(tenancy, cipher, channelRegistry, defaults, changes),
        },
        {
          provide: DeliveryRunner,
          inject: [Tenancy, TenantCipher, OrganisationChannels],
          useFactory: (tenancy: Tenancy, cipher: TenantCipher, channels: OrganisationChannels) => {
            if (!config.PUBLIC_URL)
              new Logger('delivery').warn(
                'PUBLIC_URL is not set: providers are not asked for delivery receipts, so texts and calls stay "sent"',
              );
            const receipts = config.PUBLIC_URL ? new StatusCallbacks(tenancy, config.PUBLIC_URL) : undefined;
            return new DeliveryRunner(tenancy, cipher, channels, receipts);
          },
        },
        { provide: OWN_QUEUES, useValue: ownQueues },
        {
          provide: StuckDeliveries,
          inject: [Tenancy, TenantCipher],
          useFactory: (tenancy: Tenancy, cipher: TenantCipher) =>
            new StuckDeliveries(
              tenancy,
              new Outbox(cipher, ownQueue),
              ownQueue,
              config.WORKER_STUCK_AFTER_MS,
            ),
        },
        ...chosen.map((entry) => configured(entry, config)),
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([
      this.dataSource.destroy(),
      this.fairness.close(),
      ...[...this.ownQueues.values()].map((q) => q.close()),
    ]);
  }
}
