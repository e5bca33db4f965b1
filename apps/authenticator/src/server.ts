import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyServerOptions } from 'fastify';
import { deviceProxy } from './proxy.js';
import { securityHeaders } from './security.js';
import { staticFiles } from './static-files.js';

/** The browser app: plain HTML, CSS and ES modules, served as they are. */
export const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));

export interface ServerOptions {
  apiUrl: URL;
  /** Where the app's files are; `public/` next to `src/` and `dist/` unless said. */
  publicDir?: string;
  /** How long the proxy waits for the Verity API. */
  timeoutMs?: number;
  logger?: FastifyServerOptions['logger'];
}

/** The reference authenticator's server: the app's files, `/health`, and the proxy to Verity's device API. */
export async function buildServer(options: ServerOptions) {
  const app = Fastify({ logger: options.logger ?? false, trustProxy: false });
  securityHeaders(app);

  app.get('/health', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return { status: 'ok' };
  });

  await app.register(deviceProxy, {
    apiUrl: options.apiUrl,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });

  await app.register(staticFiles, { root: options.publicDir ?? PUBLIC_DIR });
  return app;
}
