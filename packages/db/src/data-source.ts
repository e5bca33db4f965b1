import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { entities } from './entities/index.js';
import { migrations } from './migrations/index.js';

export interface DataSourceOptions {
  url: string;
  poolSize?: number;
  applicationName?: string;
  /** How long to wait to connect, or for a free connection from the pool, before failing; unbounded if unset. */
  connectTimeoutMs?: number;
}

/** A TypeORM data source for Verity's schema. Never `synchronize`: the schema comes from migrations. */
export function createDataSource({
  url,
  poolSize = 10,
  applicationName = 'verity',
  connectTimeoutMs,
}: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations,
    uuidExtension: 'pgcrypto',
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: 'migrations',
    applicationName,
    poolSize,
    ...(connectTimeoutMs ? { connectTimeoutMS: connectTimeoutMs } : {}),
    extra: { max: poolSize, idleTimeoutMillis: 30_000 },
  });
}
