import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium } from 'playwright-core';
import { checkPage, watchForProblems } from './stack.js';

/*
 * The browser tests fail on what goes wrong in a page, not only on what they look for: a console error (a
 * Content-Security-Policy refusal among them), an uncaught error, a resource of the service's own that fails.
 * Each is shown here in a page of its own, in Debian's Chromium, and a clean page passes.
 */

const PAGES: Record<string, { csp?: string; html: string }> = {
  '/clean': {
    // a resource of another origin this offline machine cannot reach is not the page's fault
    html: '<link rel="stylesheet" href="/ok.css"><img alt="" src="http://unreachable.invalid/x.png"><p>Fine</p>',
  },
  '/console': { html: '<script>console.error("boom")</script><p>Logged</p>' },
  '/throws': { html: '<script>throw new Error("uncaught here")</script><p>Thrown</p>' },
  '/missing': { html: '<link rel="stylesheet" href="/missing.css"><p>Unstyled</p>' },
  '/font-refused': {
    // nhsuk-frontend's font, under a policy that allows fonts only from the page's own origin
    csp: "default-src 'self'; style-src 'unsafe-inline'",
    html: '<style>@font-face{font-family:F;src:url(https://assets.nhs.uk/fonts/FrutigerLTW01-55Roman.woff2)}p{font-family:F}</style><p>Frutiger?</p>',
  },
};

describe('the browser tests’ watch on every page', () => {
  let server: Server;
  let origin: string;
  let browser: Browser;

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/ok.css') {
        response.writeHead(200, { 'content-type': 'text/css' });
        return response.end('p { color: #212b32 }');
      }
      const page = PAGES[request.url ?? ''];
      if (!page) {
        response.writeHead(404);
        return response.end();
      }
      response.writeHead(200, {
        'content-type': 'text/html',
        ...(page.csp ? { 'content-security-policy': page.csp } : {}),
      });
      response.end(`<!doctype html><html lang="en"><title>t</title>${page.html}</html>`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server.close(resolve));
  });

  async function visit(path: string) {
    const context = await browser.newContext();
    watchForProblems(context, [origin]);
    const page = await context.newPage();
    await page.goto(`${origin}${path}`, { waitUntil: 'networkidle' });
    return { context, page };
  }

  it('passes a clean page', async () => {
    const { context, page } = await visit('/clean');
    await expect(checkPage(page, 'watch-clean')).resolves.toBeUndefined();
    await context.close();
  });

  it.each([
    ['a console error', '/console', /console error: boom/],
    ['an uncaught error', '/throws', /uncaught error: Error: uncaught here/],
    ['a resource of its own that is missing', '/missing', /404 for http:\/\/127\.0\.0\.1:\d+\/missing\.css/],
    [
      'a font its Content-Security-Policy refuses',
      '/font-refused',
      /console error: .*Content Security Policy/,
    ],
  ])('fails a page with %s', async (_what, path, problem) => {
    const { context, page } = await visit(path);
    await expect(checkPage(page, `watch${path.replace('/', '-')}`)).rejects.toThrow(problem);
    await context.close();
  });
});
