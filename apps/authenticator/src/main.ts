import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig } from './config.js';
import { buildServer } from './server.js';

try {
  const config = loadConfig();
  const app = await buildServer({
    apiUrl: config.apiUrl,
    firebase: config.firebase,
    hsts: config.hsts,
    logger: { level: 'warn' },
  });
  await app.listen({ port: config.port, host: config.host });
  const { address, port } = app.server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  console.log(`Verity authenticator on http://${host}:${port}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      void app.close().then(() => process.exit(0));
    });
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
