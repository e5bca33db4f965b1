import { allQueues } from '@verity/queues';
import { constantTimeEqual } from '@verity/secrets';
import { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiConfig } from '../config.js';

export const DASHBOARD_PATH = '/admin/queues';

/** The operator key, as a bearer token or (for a browser) as the password of Basic authentication. */
function operatorPresented(request: FastifyRequest, key: string): boolean {
  const header = request.headers.authorization ?? '';
  const bearer = /^Bearer (.+)$/.exec(header)?.[1];
  const basic = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header)?.[1];
  const password = basic
    ? Buffer.from(basic, 'base64').toString('utf8').split(':').slice(1).join(':')
    : undefined;
  const given = bearer ?? password;
  return given !== undefined && constantTimeEqual(given, key);
}

/**
 * Bull Board for the operator: every queue's waiting, active, delayed and failed jobs (ids only; payloads
 * carry no secrets), with retry for failed jobs. Loaded only when enabled: its static files need
 * @fastify/static.
 */
export async function mountQueueDashboard(fastify: FastifyInstance, config: ApiConfig): Promise<void> {
  const [{ createBullBoard }, { BullMQAdapter }, { FastifyAdapter }] = await Promise.all([
    import('@bull-board/api'),
    import('@bull-board/api/bullMQAdapter'),
    import('@bull-board/fastify'),
  ]);
  const queues = allQueues.map(
    (name) => new Queue(name, { connection: { url: config.REDIS_URL }, prefix: config.REDIS_PREFIX }),
  );
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter });
  await fastify.register(
    async (scope) => {
      scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
        if (operatorPresented(request, config.OPERATOR_API_KEY)) return;
        await reply
          .status(401)
          .header('www-authenticate', 'Basic realm="Verity operator"')
          .header('content-type', 'application/problem+json; charset=utf-8')
          .send({
            type: 'urn:verity:problem:unauthorised',
            title: 'Sign-in required',
            status: 401,
            detail: 'The queue dashboard needs the operator key.',
            code: 'unauthorised',
          });
      });
      await scope.register(serverAdapter.registerPlugin());
    },
    { prefix: DASHBOARD_PATH },
  );
  fastify.addHook('onClose', async () => {
    await Promise.allSettled(queues.map((q) => q.close()));
  });
}
