import {
  type DynamicModule,
  Global,
  Inject,
  Logger,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DataKeyRepository, SignInStatements, Tenancy, openRuntimeDataSource } from '@verity/db';
import { Outbox } from '@verity/delivery';
import { KeyRing, PasswordHasher, TenantCipher } from '@verity/secrets';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { type ApiConfig, CONFIG } from '../config.js';
import { QueueDispatch } from './queue-dispatch.js';

export const DATA_SOURCE = Symbol('DATA_SOURCE');
export const REDIS = Symbol('REDIS');
export const QUEUES = Symbol('QUEUES');

/** The process's connections and key material, built once from configuration. */
@Global()
@Module({})
export class InfraModule implements OnApplicationShutdown {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(QUEUES) private readonly queues: Map<string, Queue>,
  ) {}

  static forRoot(config: ApiConfig): DynamicModule {
    return {
      module: InfraModule,
      providers: [
        { provide: CONFIG, useValue: config },
        {
          provide: DATA_SOURCE,
          useFactory: () =>
            openRuntimeDataSource(
              {
                url: config.DATABASE_URL,
                poolSize: config.DATABASE_POOL_SIZE,
                connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
                applicationName: 'verity-api',
              },
              (warning) => new Logger('Database').warn(warning),
            ),
        },
        {
          provide: REDIS,
          useFactory: () =>
            new Redis(config.REDIS_URL, {
              keyPrefix: `${config.REDIS_PREFIX}:`,
              maxRetriesPerRequest: 2,
              // a server that stopped answering (frozen, half-open connection) fails the command, never holds it
              commandTimeout: 2000,
              lazyConnect: false,
            }),
        },
        { provide: Tenancy, inject: [DATA_SOURCE], useFactory: (ds: DataSource) => new Tenancy(ds) },
        {
          provide: SignInStatements,
          inject: [Tenancy],
          useFactory: (tenancy: Tenancy) => new SignInStatements(tenancy),
        },
        {
          provide: TenantCipher,
          inject: [Tenancy],
          useFactory: (tenancy: Tenancy) =>
            new TenantCipher(new KeyRing(config.MASTER_KEYS), new DataKeyRepository(tenancy)),
        },
        { provide: QUEUES, useValue: new Map<string, Queue>() },
        {
          provide: Outbox,
          inject: [TenantCipher, QUEUES],
          useFactory: (cipher: TenantCipher, queues: Map<string, Queue>) =>
            new Outbox(cipher, (name) => {
              let queue = queues.get(name);
              if (!queue) {
                queue = new Queue(name, {
                  // while Redis is down an add fails at once instead of waiting in ioredis's offline queue
                  connection: { url: config.REDIS_URL, enableOfflineQueue: false },
                  prefix: config.REDIS_PREFIX,
                });
                queue.on('error', (error) => new Logger('Queue').warn(`${name}: ${error.message}`));
                queues.set(name, queue);
              }
              return queue;
            }),
        },
        {
          provide: QueueDispatch,
          inject: [Outbox],
          useFactory: (outbox: Outbox) => new QueueDispatch(outbox),
        },
        {
          provide: PasswordHasher,
          useValue: new PasswordHasher({
            memoryKib: config.PASSWORD_HASH_MEMORY_KIB,
            iterations: config.PASSWORD_HASH_ITERATIONS,
            parallelism: config.PASSWORD_HASH_PARALLELISM,
          }),
        },
      ],
      exports: [
        CONFIG,
        DATA_SOURCE,
        REDIS,
        Tenancy,
        SignInStatements,
        TenantCipher,
        PasswordHasher,
        Outbox,
        QueueDispatch,
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([
      this.dataSource.destroy(),
      this.redis.quit(),
      ...[...this.queues.values()].map((q) => q.close()),
    ]);
  }
}
