/**
 * Writes the OpenAPI document to a file (default `openapi.json`) without a database, Redis or a port: Nest's
 * preview mode reads the controllers' decorators and makes no provider. For the linter (`pnpm openapi:lint`).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { loadApiConfig } from './config.js';
import { buildOpenApiDocument } from './openapi/document.js';

const output = process.argv[2] ?? 'openapi.json';
// preview mode connects to nothing: throw-away keys do for the configuration's checks
const config = loadApiConfig({
  MASTER_KEYS: `doc:${randomBytes(32).toString('base64')}`,
  OPERATOR_API_KEY: randomBytes(32).toString('base64url'),
  LOG_LEVEL: 'silent',
});
const app = await NestFactory.create<NestFastifyApplication>(
  AppModule.forRoot(config),
  new FastifyAdapter(),
  {
    preview: true,
    logger: false,
  },
);
writeFileSync(output, `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`);
await app.close();
console.log(`OpenAPI document written to ${output}`);
