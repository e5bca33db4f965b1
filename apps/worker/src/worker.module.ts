import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Tenancy, assertRuntimeRole, createDataSource } from '@verity/db';
import { parseQueueList } from '@verity/queues';
import type { DataSource } from 'typeorm';
import { CONFIG, type WorkerConfig } from './config.js';
import { processorsFor } from './registry.js';

const DATA_SOURCE = Symbol('DATA_SOURCE');

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
        ...chosen.map((entry) => entry.processor),
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.dataSource.destroy();
  }
}
