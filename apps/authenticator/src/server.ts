import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyServerOptions } from 'fastify';
import type { FirebaseWebConfig } from './config.js';
import { deviceProxy } from './proxy.js';
import { securityHeaders } from './security.js';
import { staticFiles } from './static-files.js';

/** The browser app: plain HTML, CSS and ES modules, served as they are. */
export const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));
/** Firebase's SDK for the page and the service worker, bundled by the build from `bundles/`. */
export const BUNDLES_DIR = fileURLToPath(new URL('../dist/bundles/', import.meta.url));

export interface ServerOptions {
  apiUrl: URL;
  /** Web push through FCM; without it the page polls. */
  firebase?: FirebaseWebConfig | null;
  /** Where the app's files are; `public/` next to `src/` and `dist/` unless said. */
  publicDir?: string;
  /** Where the bundled files are; `dist/bundles/` unless said. */
  bundlesDir?: string;
  /** How long the proxy waits for the Verity API. */
  timeoutMs?: number;
  logger?: FastifyServerOptions['logger'];
  /** Strict-Transport-Security on every answer (outside development). */
  hsts?: boolean;
}

/** The reference authenticator's server: the app's files, `/health`, and the proxy to Verity's device API. */
export async function buildServer(options: ServerOptions) {
  const app = Fastify({ logger: options.logger ?? false, trustProxy: false });
  const firebase = options.firebase ?? null;
  securityHeaders(app, { webPush: firebase !== null, hsts: options.hsts ?? false });

  app.get('/health', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return { status: 'ok' };
  });

  // what the page needs to know of the settings: whether (and how) to ask for web push
  app.get('/config.json', async (_request, reply) => {
    reply.header('cache-control', 'no-cache');
    return { firebase };
  });

  await app.register(deviceProxy, {
    apiUrl: options.apiUrl,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });

  await app.register(staticFiles, {
    roots: [options.publicDir ?? PUBLIC_DIR, options.bundlesDir ?? BUNDLES_DIR],
  });
  return app;
}
