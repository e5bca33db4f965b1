import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { DestinationStream } from 'pino';
import { mountQueueDashboard } from './admin/queue-dashboard.js';
import { AppModule } from './app.module.js';
import type { ApiConfig } from './config.js';
import { instrument, problemsServed } from './metrics/metrics.js';
import {
  NestPinoLogger,
  RequestLogController,
  bindRequestLogContext,
  createLogger,
  requestId,
} from '@verity/logging';
import { ProblemFilter } from './problem/problem.filter.js';
import { buildOpenApiDocument } from './openapi/document.js';

/** Builds the API (not listening yet), so tests and the server start it the same way. */
export async function createApp(
  config: ApiConfig,
  logDestination?: DestinationStream,
): Promise<NestFastifyApplication> {
  const logger = createLogger(config, { name: 'api', destination: logDestination });
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    genReqId: requestId,
    logController: new RequestLogController({ requestIdLogLabel: 'requestId' }),
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    // reject prototype pollution attempts outright instead of silently stripping them
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: new NestPinoLogger(logger),
    abortOnError: false,
    // webhooks verify signatures over the body exactly as sent
    rawBody: true,
  });
  app.useGlobalFilters(new ProblemFilter());
  app.enableShutdownHooks();

  const fastify = app.getHttpAdapter().getInstance();
  // every log line written while serving a request carries its id and, once its key is checked, its organisation
  bindRequestLogContext(fastify);
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    const type = request.headers['content-type'];
    // JSON everywhere, except the form posts that providers (Twilio) make to the webhooks
    const json = type !== undefined && /^application\/([\w.-]+\+)?json\b/i.test(type);
    const form =
      type !== undefined &&
      /^application\/x-www-form-urlencoded\b/i.test(type) &&
      request.url.startsWith('/webhooks/');
    if (type !== undefined && ['POST', 'PUT', 'PATCH'].includes(request.method) && !json && !form) {
      throw Object.assign(new Error('unsupported media type'), {
        code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
        statusCode: 415,
      });
    }
  });
  fastify.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode >= 400) {
      const type = String(reply.getHeader('content-type') ?? '');
      if (type.includes('problem+json') && typeof payload === 'string') {
        const { code } = JSON.parse(payload) as { code?: string };
        problemsServed.inc({ code: code ?? 'unknown', status: String(reply.statusCode) });
      }
    }
    return payload;
  });
  instrument(fastify);

  if (config.QUEUE_DASHBOARD) await mountQueueDashboard(fastify, config);

  if (config.OPENAPI !== 'off') {
    const document = buildOpenApiDocument(app);
    SwaggerModule.setup('docs', app, document, {
      jsonDocumentUrl: 'docs/openapi.json',
      swaggerUiEnabled: config.OPENAPI === 'ui',
    });
  }
  return app;
}
