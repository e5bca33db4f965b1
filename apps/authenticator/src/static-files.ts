import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The types of the files the app is made of; anything else is not served. */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.webmanifest': 'application/manifest+json',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** A file directly in the app's folder: no folders, no dotfiles, no `..`. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9]+)+$/;

/**
 * Serves the browser app's files (flat folders; the first that has the name wins) with an ETag and
 * `Cache-Control: no-cache`, so a browser always revalidates and a changed file shows on the next load; the
 * service worker keeps them for offline use. Files are read on each request (they are small), so editing
 * `public/` needs no restart.
 *
 * (Not @fastify/static: its content-disposition dependency is ESM-only and loaded with require(), which Node
 * 20.19+ allows but Jest's module system does not, so the server could not be tested.)
 */
export async function staticFiles(app: FastifyInstance, options: { roots: string[] }) {
  const read = async (name: string) => {
    for (const root of options.roots) {
      const content = await readFile(join(root, name)).catch(() => null);
      if (content) return content;
    }
    return null;
  };
  const send = async (request: FastifyRequest, reply: FastifyReply, name: string) => {
    const type = TYPES[extname(name).toLowerCase()];
    if (!type || !NAME.test(name)) return reply.callNotFound();
    const content = await read(name);
    if (!content) return reply.callNotFound();
    const etag = `"${createHash('sha256').update(content).digest('base64url').slice(0, 32)}"`;
    reply.header('etag', etag).header('cache-control', 'no-cache');
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.header('content-type', type).send(content);
  };
  app.get('/', (request, reply) => send(request, reply, 'index.html'));
  app.get<{ Params: { file: string } }>('/:file', (request, reply) =>
    send(request, reply, request.params.file),
  );
}
