import { isIP } from 'node:net';
import { z } from 'zod';

/** A proxy's address or CIDR range (as Fastify's trustProxy takes them). */
function isProxyAddress(entry: string): boolean {
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

/** Comma-separated proxy addresses and CIDR ranges; empty for none. */
const proxies = z.string().transform((text, ctx) => {
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const bad = entries.filter((e) => !isProxyAddress(e));
  if (bad.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `must be the proxies' addresses or CIDR ranges, comma-separated; not ${bad.join(', ')}`,
    });
    return z.NEVER;
  }
  return entries;
});

const organisations = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({
        code: 'custom',
        message:
          'must be JSON: {"<organisation slug>": "<its API key>" or {"key": "<its API key>", "logo": "<address>"}}',
      });
      return z.NEVER;
    }
  })
  .pipe(
    z.record(
      z.string().regex(/^[a-z0-9-]{1,63}$/, 'must be organisation slugs'),
      z.union([
        z.string().min(20),
        z.strictObject({
          key: z.string().min(20),
          /** The organisation's logo in the header: an https:// address or a path the portal serves. */
          logo: z
            .string()
            .regex(/^(https:\/\/|\/)/, 'must be an https:// address or a path')
            .optional(),
          /** What the portal calls the authenticator app its pushes reach (default: Verity Authenticator). */
          authenticatorApp: z.string().trim().min(1).max(60).optional(),
        }),
      ]),
    ),
  );

/** The portal's settings, from the environment, checked once at start. */
const portalSettings = z.object({
  PORTAL_HOST: z.string().default('127.0.0.1'),
  PORTAL_PORT: z.coerce.number().int().min(0).max(65535).default(3200),
  /** Where the Verity API is, as the portal reaches it (server to server). */
  VERITY_API_URL: z.url().default('http://127.0.0.1:3000'),
  /** Each organisation the portal serves, with the API key the portal uses for it (a relying app's key). */
  PORTAL_ORGANISATIONS: organisations,
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z.string().default('verity'),
  /**
   * The proxies in front of the portal whose X-Forwarded-For names the visitor's address; from anyone else the
   * header is ignored and the connection's address is the visitor's. None by default.
   */
  TRUSTED_PROXIES: proxies.default([]),
  /** Signs the session cookie; 32 characters or more. */
  PORTAL_COOKIE_SECRET: z.string().min(32, 'must be at least 32 characters'),
  /**
   * Cookies only over HTTPS. Unset: on, except in development on a loopback address (`npm start`), where the
   * browser reaches the portal over plain HTTP.
   */
  PORTAL_SECURE_COOKIES: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true')),
  /** The developer inbox page (only with the API's sandbox channel on). */
  PORTAL_DEV_INBOX: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** Templates are read once and kept in production; re-read on every request in development. */
  NODE_ENV: z.string().default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Development on this machine: plain HTTP is expected (no Secure cookies, no HSTS). */
export const isLocalDevelopment = (settings: { NODE_ENV: string; PORTAL_HOST: string }) =>
  settings.NODE_ENV === 'development' && LOOPBACK.has(settings.PORTAL_HOST);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export const portalConfigSchema = portalSettings.transform((settings) => ({
  ...settings,
  PORTAL_SECURE_COOKIES: settings.PORTAL_SECURE_COOKIES ?? !isLocalDevelopment(settings),
  /** Strict-Transport-Security on every answer, outside development. */
  hsts: settings.NODE_ENV !== 'development',
}));

export type PortalConfig = z.output<typeof portalConfigSchema>;

export function loadPortalConfig(env: NodeJS.ProcessEnv = process.env): PortalConfig {
  const parsed = portalConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`The portal's settings are wrong: ${problems}`);
  }
  return parsed.data;
}
