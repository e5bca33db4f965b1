import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { ConfiguredChannels, DeliveryRunner, channelsSetting } from '@verity/delivery';
import { DataKeyRepository, Tenancy, assertRuntimeRole, createDataSource } from '@verity/db';
import { KeyRing, TenantCipher } from '@verity/secrets';
import { parseQueueList } from '@verity/queues';
import type { DataSource } from 'typeorm';
import { CONFIG, type WorkerConfig } from './config.js';
import { channelFactories } from './channels.js';
import { processorsFor } from './registry.js';

const DATA_SOURCE = Symbol('DATA_SOURCE');

function configuredChannels(raw: string): ConfiguredChannels {
  const setting = channelsSetting.safeParse(JSON.parse(raw));
  if (!setting.success) {
    throw new Error(
      `CHANNELS is not valid: ${setting.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return new ConfiguredChannels(channelFactories, setting.data);
}

/** Hosts the processors of the queues named in WORKER_QUEUES, so one image scales as several deployments. */
@Module({})
export class WorkerModule implements OnApplicationShutdown {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  static forRoot(config: WorkerConfig): DynamicModule {
    const queues = parseQueueList(config.WORKER_QUEUES);
    const chosen = processorsFor(queues);
    const redis = new URL(config.REDIS_URL);
    return {
      module: WorkerModule,
      imports: [
        BullModule.forRoot({
          prefix: config.REDIS_PREFIX,
          connection: {
            host: redis.hostname,
            port: Number(redis.port || 6379),
            username: redis.username || undefined,
            password: redis.password ? decodeURIComponent(redis.password) : undefined,
            db: redis.pathname.length > 1 ? Number(redis.pathname.slice(1)) : 0,
            tls: redis.protocol === 'rediss:' ? {} : undefined,
            maxRetriesPerRequest: null,
          },
        }),
        ...queues.map((name) => BullModule.registerQueue({ name })),
      ],
      providers: [
        { provide: CONFIG, useValue: config },
        {
          provide: DATA_SOURCE,
          useFactory: async () => {
            const ds = createDataSource({
              url: config.DATABASE_URL,
              poolSize: config.DATABASE_POOL_SIZE,
              applicationName: 'verity-worker',
            });
            await ds.initialize();
            await assertRuntimeRole(ds.query.bind(ds));
            return ds;
          },
        },
        { provide: Tenancy, inject: [DATA_SOURCE], useFactory: (ds: DataSource) => new Tenancy(ds) },
        {
          provide: TenantCipher,
          inject: [Tenancy],
          useFactory: (tenancy: Tenancy) =>
            new TenantCipher(new KeyRing(config.MASTER_KEYS), new DataKeyRepository(tenancy)),
        },
        { provide: ConfiguredChannels, useValue: configuredChannels(config.CHANNELS) },
        {
          provide: DeliveryRunner,
          inject: [Tenancy, TenantCipher, ConfiguredChannels],
          useFactory: (tenancy: Tenancy, cipher: TenantCipher, channels: ConfiguredChannels) =>
            new DeliveryRunner(tenancy, cipher, channels),
        },
        ...chosen.map((entry) => entry.processor),
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.dataSource.destroy();
  }
}
