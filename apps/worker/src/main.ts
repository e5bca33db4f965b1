import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError } from '@verity/config';
import { NestPinoLogger, createLogger } from '@verity/logging';
import { loadWorkerConfig } from './config.js';
import { serveMetrics } from './metrics.js';
import { WorkerModule } from './worker.module.js';

try {
  const config = loadWorkerConfig();
  const logger = createLogger(config, { name: 'worker' });
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    logger: new NestPinoLogger(logger),
    abortOnError: false,
  });
  // SIGTERM lets BullMQ finish the jobs in hand before the process exits
  app.enableShutdownHooks();
  await app.init();
  if (config.WORKER_METRICS_PORT > 0) await serveMetrics(config.WORKER_METRICS_PORT);
  console.log(`Verity worker serving queues: ${config.WORKER_QUEUES || 'all'}`);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
