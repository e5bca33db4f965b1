import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface ProxyOptions {
  /** The Verity API; its path, if any, is kept in front of `/v1/devices/…`. */
  apiUrl: URL;
  /** How long to wait for the API. */
  timeoutMs?: number;
}

const PREFIX = '/v1/devices/';
/** A path segment of the device API: an organisation's slug, a device or challenge id, or an action. */
const SEGMENT = /^[A-Za-z0-9_-]{1,128}$/;
/** Request headers that go to the API; nothing else (no cookies, no authorization) is forwarded. */
const FORWARDED_REQUEST = ['content-type', 'device-proof', 'accept'];
/** Response headers that come back from the API. */
const FORWARDED_RESPONSE = ['content-type', 'retry-after'];
const BODY_LIMIT = 64 * 1024;

const problem = (reply: FastifyReply, status: number, code: string, title: string, detail: string) =>
  reply
    .code(status)
    .header('content-type', 'application/problem+json')
    .header('cache-control', 'no-store')
    .send(JSON.stringify({ type: `urn:verity:problem:${code}`, title, status, detail, code }));

/**
 * Forwards Verity's device API (`/v1/devices/*`) so the browser talks to one origin and needs no CORS: the
 * method, the body as it came, and the `Content-Type`, `Device-Proof` and `Accept` headers go to the API; its
 * status, body, `Content-Type` and `Retry-After` come back. Paths are checked segment by segment, so nothing
 * outside `/v1/devices/` can be reached through it.
 */
export async function deviceProxy(app: FastifyInstance, options: ProxyOptions) {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const base = new URL(options.apiUrl.href.endsWith('/') ? options.apiUrl.href : `${options.apiUrl.href}/`);

  // bodies are passed on untouched, whatever their type
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_request, body, done) =>
    done(null, body),
  );

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '';
    const segments = path.slice(PREFIX.length).split('/');
    if (
      !path.startsWith(PREFIX) ||
      segments.length < 2 ||
      segments.length > 5 ||
      !segments.every((s) => SEGMENT.test(s))
    )
      return problem(reply, 404, 'not-found', 'Not found', 'There is no such device API path.');

    const headers: Record<string, string> = {};
    for (const name of FORWARDED_REQUEST) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const body = Buffer.isBuffer(request.body) && request.body.length > 0 ? request.body : undefined;
    let upstream: Response;
    try {
      upstream = await fetch(new URL(`v1/devices/${segments.join('/')}`, base), {
        method: request.method,
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      // a DOMException named TimeoutError (checked by name: it may come from another realm)
      const timedOut = (error as { name?: unknown } | null)?.name === 'TimeoutError';
      request.log.warn({ err: error }, 'the Verity API did not answer');
      return timedOut
        ? problem(
            reply,
            504,
            'upstream-timeout',
            'Verity did not answer',
            'Verity did not answer in time. Try again.',
          )
        : problem(
            reply,
            502,
            'upstream-unreachable',
            'Verity cannot be reached',
            'The authenticator cannot reach Verity. Try again in a moment.',
          );
    }
    const payload = Buffer.from(await upstream.arrayBuffer());
    reply.code(upstream.status).header('cache-control', 'no-store');
    for (const name of FORWARDED_RESPONSE) {
      const value = upstream.headers.get(name);
      if (value !== null) reply.header(name, value);
    }
    return reply.send(payload);
  };

  app.route({
    method: ['GET', 'POST', 'PUT', 'DELETE'],
    url: `${PREFIX}*`,
    exposeHeadRoute: false,
    handler,
  });
}
