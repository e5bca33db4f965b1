import type { FastifyReply } from 'fastify';
import nunjucks from 'nunjucks';
import { loadPortalConfig } from '../config.js';
import { Portal, type Visit } from '../portal.js';
import type { Sessions } from '../session.js';
import { viewDirectories, viewOptions } from '../views.js';

const options = viewOptions(false);
const env = nunjucks.configure(viewDirectories, options);
options.onConfigure(env);

/** The portal of the page tests: one organisation, the developer inbox on, sessions never stored. */
export const testPortal = new Portal(
  loadPortalConfig({
    PORTAL_COOKIE_SECRET: 'x'.repeat(32),
    PORTAL_ORGANISATIONS: JSON.stringify({ northshire: 'vty_0123456789abcdef_secret' }),
    PORTAL_DEV_INBOX: 'true',
  }),
  { save: async () => 'session-id' } as unknown as Sessions,
);

/** A page as `Portal.render` makes it, with the portal's own templates and filters. */
export async function renderPage(
  visit: Visit,
  view: string,
  context: Record<string, unknown> & { title: string },
): Promise<string> {
  let html = '';
  const reply = {
    header: () => reply,
    generateCsrf: () => 'csrf-token',
    view: (name: string, data: object) => {
      html = env.render(name, data);
      return reply;
    },
  };
  await testPortal.render(reply as unknown as FastifyReply, visit, view, context);
  return html;
}
