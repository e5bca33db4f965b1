import type { FastifyInstance } from 'fastify';
import type { Portal } from '../portal.js';

/** The developer inbox: what the sandbox channel "sent" (only where the portal is told the sandbox is on). */
export function inboxRoutes(app: FastifyInstance, portal: Portal) {
  app.get<{ Params: { org: string } }>('/:org/dev/inbox', async (request, reply) => {
    const visit = await portal.visitOr404(request, reply);
    if (!visit) return reply;
    const inbox = await visit.org.client.sandbox.messages();
    return portal.render(reply, visit, 'inbox.njk', {
      title: visit.t('inbox.title'),
      messages: inbox.messages,
    });
  });
}
