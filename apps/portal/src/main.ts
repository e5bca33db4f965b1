import { buildPortal } from './app.js';
import { loadPortalConfig } from './config.js';

const config = loadPortalConfig();
const { app, close } = await buildPortal(config);
const address = await app.listen({ host: config.PORTAL_HOST, port: config.PORTAL_PORT });
console.log(`Verity portal on ${address}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => void close().then(() => process.exit(0)));
