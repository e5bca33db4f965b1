import path from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import fastifyView from '@fastify/view';
import { RequestLogController, createLogger } from '@verity/logging';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import nunjucks from 'nunjucks';
import type { PortalConfig } from './config.js';
import { LANG_COOKIE } from './i18n.js';
import { Portal } from './portal.js';
import { inboxRoutes } from './routes/inbox.js';
import { resetRoutes } from './routes/reset.js';
import { securityInfoRoutes } from './routes/security-info.js';
import { signInRoutes } from './routes/sign-in.js';
import { wizardRoutes } from './routes/wizard.js';
import { Sessions } from './session.js';
import {
  nhsukDirectory as nhsuk,
  portalDirectory,
  sendPlainPage,
  viewDirectories,
  viewOptions,
} from './views.js';

/** HTTPS only, for a year, on this host and below it. */
export const HSTS = 'max-age=31536000; includeSubDomains';

/** The portal: server-rendered NHS.UK pages for staff, a client of the Verity API like any relying app. */
export async function buildPortal(
  config: PortalConfig,
): Promise<{ app: FastifyInstance; close: () => Promise<void> }> {
  const app = Fastify({
    loggerInstance: createLogger(config, { name: 'portal' }) as FastifyBaseLogger,
    logController: new RequestLogController(),
    // X-Forwarded-For is believed only from the proxies named; without any, the connection's address is used
    trustProxy: config.TRUSTED_PROXIES.length > 0 ? config.TRUSTED_PROXIES : false,
  });
  const redis = new Redis(config.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const portal = new Portal(config, new Sessions(redis, config.REDIS_PREFIX, config.PORTAL_SECURE_COOKIES));

  await app.register(fastifyCookie, { secret: config.PORTAL_COOKIE_SECRET });
  await app.register(fastifyFormbody);
  await app.register(fastifyCsrf, {
    cookieOpts: {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: config.PORTAL_SECURE_COOKIES,
      signed: true,
    },
    getToken: (request) =>
      (request.body as { _csrf?: string } | undefined)?._csrf ??
      String(request.headers['x-csrf-token'] ?? ''),
  });
  await app.register(fastifyView, {
    engine: { nunjucks },
    templates: viewDirectories,
    options: viewOptions(config.NODE_ENV === 'production'),
  });
  // an unexpected failure is a plain page that names nothing inside
  app.setErrorHandler((error, request, reply) => {
    request.log.error({ err: error }, 'portal error');
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    return sendPlainPage(
      request,
      reply,
      status >= 400 && status < 600 ? status : 500,
      'error.title',
      'error.lead',
    );
  });
  app.setNotFoundHandler((request, reply) =>
    sendPlainPage(request, reply, 404, 'notFound.title', 'notFound.lead'),
  );
  await app.register(fastifyStatic, { root: path.join(nhsuk, 'dist/nhsuk/assets'), prefix: '/assets/' });
  await app.register(fastifyStatic, {
    root: path.join(nhsuk, 'dist/nhsuk'),
    prefix: '/nhsuk/',
    decorateReply: false,
    allowedPath: (p) => /^\/nhsuk-frontend\.min\.(css|js)(\.map)?$/.test(p),
  });
  await app.register(fastifyStatic, {
    root: path.join(portalDirectory, 'public'),
    prefix: '/static/',
    decorateReply: false,
  });

  app.addHook('onRequest', async (request, reply) => {
    const lang = (request.query as { lang?: string }).lang;
    if (lang === 'en' || lang === 'cy')
      reply.setCookie(LANG_COOKIE, lang, {
        path: '/',
        sameSite: 'lax',
        secure: config.PORTAL_SECURE_COOKIES,
      });
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    // outside development the portal is reached over HTTPS only (browsers ignore this header over plain HTTP)
    if (config.hsts) reply.header('strict-transport-security', HSTS);
  });
  app.addHook('preHandler', (request, reply, done) => {
    if (request.method === 'POST') return app.csrfProtection(request, reply, done);
    done();
  });

  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/', async (request, reply) => sendPlainPage(request, reply, 200, 'service.name', 'home.lead'));
  signInRoutes(app, portal);
  wizardRoutes(app, portal);
  securityInfoRoutes(app, portal);
  resetRoutes(app, portal);
  if (config.PORTAL_DEV_INBOX) inboxRoutes(app, portal);

  return {
    app,
    close: async () => {
      await app.close();
      redis.disconnect();
    },
  };
}
