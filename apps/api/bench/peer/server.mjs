// Better Auth peer server: the configuration described in performance.md B6.
//   PEER_DATABASE_URL=postgres://... BETTER_AUTH_SECRET=... PORT=0 NODE_ENV=production node server.mjs
// Prints `listening <port>` on stdout once it accepts connections.
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { betterAuth } from 'better-auth';
import { twoFactor } from 'better-auth/plugins/two-factor';
import { toNodeHandler } from 'better-auth/node';

export const ISSUER = 'Verity peer bench';

/** The auth instance; run.mjs builds the same one to migrate and seed. */
export function createAuth({ databaseUrl, secret, baseURL }) {
  return betterAuth({
    database: new pg.Pool({ connectionString: databaseUrl, max: 10 }),
    secret,
    baseURL,
    emailAndPassword: { enabled: true },
    rateLimit: { enabled: false }, // on by default in production; it would turn this into a rate-limiter test
    telemetry: { enabled: false },
    plugins: [twoFactor({ issuer: ISSUER })],
  });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const databaseUrl = process.env.PEER_DATABASE_URL;
  if (!databaseUrl) throw new Error('PEER_DATABASE_URL is required');
  const server = http.createServer();
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    const { port } = server.address();
    const auth = createAuth({
      databaseUrl,
      secret: process.env.BETTER_AUTH_SECRET,
      baseURL: `http://127.0.0.1:${port}`,
    });
    server.on('request', toNodeHandler(auth));
    process.stdout.write(`listening ${port}\n`);
  });
  const stop = () => process.exit(0);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (process.send) process.on('disconnect', stop); // started by run.mjs: never outlive it
}
