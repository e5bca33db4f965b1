import { type KeyObject, createPrivateKey, createPublicKey } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
/** An address or CIDR range of a proxy, or one of proxy-addr's names for the private ranges. */
export function isProxyAddress(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

/**
 * Whose X-Forwarded-For is believed: `false` (nobody: the connection's address is the client's), a list of proxy
 * addresses and CIDR ranges, or `true` (every hop: only where nothing but the proxy can reach the process).
 */
const trustedProxies = z.string().transform((value, ctx): boolean | string[] => {
  const text = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(text)) return true;
  if (['false', '0', 'no', ''].includes(text)) return false;
  const entries = text.split(',').map((e) => e.trim());
  const bad = entries.filter((e) => !isProxyAddress(e));
  if (bad.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `must be addresses or CIDR ranges of the proxies, comma-separated (or true/false); not ${bad.join(', ')}`,
    });
    return z.NEVER;
  }
  return entries;
});

const port = z.coerce.number().int().min(0).max(65535);
const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\/.+/, 'must be a postgres:// connection URL')
  .refine((v) => URL.canParse(v), 'must be a valid URL');
const redisUrl = z
  .string()
  .regex(/^rediss?:\/\/.+/, 'must be a redis:// or rediss:// URL')
  .refine((v) => URL.canParse(v), 'must be a valid URL');

/** Each concern of the environment, validated once at boot. Names marked secret are never printed. */
export const runtimeSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export const databaseSchema = z.object({
  /** The application's connection: a role that cannot bypass row-level security. */
  DATABASE_URL: postgresUrl.default('postgres://verity_app:verity_app@127.0.0.1:5432/verity'),
  /** The owner's connection, used only to migrate (and to create the application role when allowed). */
  DATABASE_MIGRATION_URL: postgresUrl.default('postgres://postgres@127.0.0.1:5432/verity'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
  /** How long a request waits to connect, or for a free connection, before it is answered 503. */
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
});

export const redisSchema = z.object({
  REDIS_URL: redisUrl.default('redis://127.0.0.1:6379'),
  /** Every Redis key and BullMQ queue starts with this, so several deployments (or test runs) can share one server. */
  REDIS_PREFIX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,40}$/, 'lower-case letters, digits, - and _ only')
    .default('verity'),
});

const masterKeyList = z
  .string()
  .min(1, 'is required: a comma-separated list of id:base64 keys, each 32 bytes')
  .transform((value, ctx) => {
    const keys: { id: string; key: Buffer }[] = [];
    for (const part of value.split(',').map((p) => p.trim())) {
      const match = /^([A-Za-z0-9_-]{1,32}):([A-Za-z0-9+/=_-]+)$/.exec(part);
      const key = match ? Buffer.from(match[2] ?? '', 'base64') : undefined;
      if (!match || !key || key.length !== 32) {
        ctx.addIssue({ code: 'custom', message: 'each entry must be id:base64 of exactly 32 random bytes' });
        return z.NEVER;
      }
      keys.push({ id: match[1] ?? '', key });
    }
    if (new Set(keys.map((k) => k.id)).size !== keys.length) {
      ctx.addIssue({ code: 'custom', message: 'key ids must be unique' });
      return z.NEVER;
    }
    return keys;
  });

export const secretsSchema = z.object({
  /** Master keys that wrap each organisation's data keys. The first is used to wrap; all can unwrap. */
  MASTER_KEYS: masterKeyList,
  PASSWORD_HASH_MEMORY_KIB: z.coerce.number().int().min(7168).max(1048576).default(19456),
  PASSWORD_HASH_ITERATIONS: z.coerce.number().int().min(1).max(20).default(2),
  PASSWORD_HASH_PARALLELISM: z.coerce.number().int().min(1).max(16).default(1),
});

const PEM_BLOCK = /-----BEGIN (PRIVATE|PUBLIC) KEY-----[A-Za-z0-9+/=\s]+?-----END \1 KEY-----/g;

const previousSigningKeys = z.string().transform((value, ctx) => {
  const blocks = value.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0 || value.replace(PEM_BLOCK, '').trim() !== '') {
    ctx.addIssue({
      code: 'custom',
      message:
        'must be PEM keys one after another (-----BEGIN PRIVATE KEY----- or -----BEGIN PUBLIC KEY-----), with nothing else between them',
    });
    return z.NEVER;
  }
  for (const [i, pem] of blocks.entries()) {
    let key: KeyObject | undefined;
    try {
      key = pem.includes('PRIVATE') ? createPrivateKey(pem) : createPublicKey(pem);
    } catch {
      // reported below
    }
    if (key?.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      ctx.addIssue({ code: 'custom', message: `key ${i + 1} is not a readable EC P-256 key` });
      return z.NEVER;
    }
  }
  return blocks;
});

export const apiSchema = z.object({
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(3000),
  /** The URL people and providers use to reach the API (behind a proxy it differs from host:port). */
  PUBLIC_URL: z
    .string()
    .refine((v) => URL.canParse(v), 'must be an absolute URL such as https://verity.example.nhs.uk')
    .optional(),
  /** The proxies whose X-Forwarded-For gives the caller's address (see trustedProxies). */
  TRUST_PROXY: trustedProxies.default(false),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(10_485_760).default(65_536),
  /** PKCS#8 PEM of the EC P-256 key that signs sign-in results (ES256). Required in production; elsewhere an ephemeral key is made at start-up. */
  SIGNING_KEY: z
    .string()
    .regex(/-----BEGIN PRIVATE KEY-----[\s\S]+-----END PRIVATE KEY-----/, 'must be a PKCS#8 PEM private key')
    .optional(),
  /**
   * Keys that signed results before SIGNING_KEY replaced them: still published at /.well-known/jwks.json and
   * still accepted, never used to sign. PEM blocks one after another (a blank line between them is fine),
   * each a PKCS#8 private key (the old SIGNING_KEY as it was) or an SPKI public key, EC P-256.
   */
  SIGNING_KEY_PREVIOUS: previousSigningKeys.optional(),
  /** WebAuthn relying party: the domain security keys and passkeys are bound to (the portal's). */
  WEBAUTHN_RP_ID: z.string().min(1).max(253).default('localhost'),
  /** Comma-separated origins the portal serves WebAuthn ceremonies from. */
  WEBAUTHN_ORIGINS: z
    .string()
    .default('http://localhost:3000')
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .refine(
      (list) => list.length > 0 && list.every((o) => URL.canParse(o)),
      'must be absolute origins such as https://portal.example.nhs.uk',
    ),
  /**
   * Password reset's proof-of-work CAPTCHA (ALTCHA): the largest number a browser may have to try. About a
   * second of a phone's time at the default; lower only for tests.
   */
  CAPTCHA_MAX_NUMBER: z.coerce.number().int().min(10).max(10_000_000).default(100_000),
  /** Bearer key for the operator's admin API. */
  OPERATOR_API_KEY: z.string().min(32, 'must be at least 32 characters (use 32 random bytes, base64)'),
  /** ui: document and Swagger UI at /docs; json: the document only (/docs/openapi.json); off: neither. */
  OPENAPI: z.enum(['ui', 'json', 'off']).default('ui'),
  /** The developer inbox of messages the sandbox channel "sent" (/v1/sandbox/messages). Never on in production. */
  SANDBOX_INBOX: bool.default(true),
  /** The operator's queue dashboard (Bull Board) at /admin/queues, behind the operator key. */
  QUEUE_DASHBOARD: bool.default(true),
});

const DURATION_MS = { ms: 1, s: 1000, m: 60_000 } as const;

export interface RateLimit {
  max: number;
  /** Milliseconds. */
  duration: number;
}

const rateLimitList = z
  .string()
  .default('')
  .transform((value, ctx) => {
    const limits: Record<string, RateLimit> = {};
    for (const part of value
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const match = /^([a-z][a-z0-9_-]*)=(\d+)\/(\d*)(ms|s|m)$/.exec(part);
      const [, queue = '', max = '0', count = '', unit = 's'] = match ?? [];
      const duration = Number(count || 1) * DURATION_MS[unit as keyof typeof DURATION_MS];
      if (!match || Number(max) < 1 || duration < 1 || queue in limits) {
        ctx.addIssue({
          code: 'custom',
          message: `"${part}" is not valid: each entry is queue=max/duration, such as sms=10/1s or email=100/1m (max and duration at least 1, units ms, s or m, each queue once)`,
        });
        return z.NEVER;
      }
      limits[queue] = { max: Number(max), duration };
    }
    return limits;
  });

export const workerSchema = z.object({
  /** Which queues this process serves, e.g. "sms,voice"; empty means all. */
  WORKER_QUEUES: z.string().default(''),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(20),
  /**
   * Deliveries of one queue that one organisation may have in flight across all workers, so a flood from one
   * organisation cannot starve the rest; 0 turns it off. Jobs stepped aside still count against WORKER_RATE_LIMITS.
   */
  WORKER_TENANT_SHARE: z.coerce.number().int().min(0).max(1000).default(0),
  /** How long a job stays locked to its worker without a renewal; a dead worker's jobs run again after it. */
  WORKER_LOCK_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  /** Jobs started per queue and time window across all workers, e.g. "sms=10/1s,voice=1/1s"; unnamed queues are unlimited. */
  WORKER_RATE_LIMITS: rateLimitList,
  WORKER_METRICS_PORT: port.default(0),
  /**
   * A delivery left queued or sending this long with no job that will run it is dispatched again (or failed
   * once out of attempts); the housekeeping queue looks for such deliveries this often.
   */
  WORKER_STUCK_AFTER_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  /** The API's public address (as the API's own PUBLIC_URL): where providers send delivery receipts. */
  PUBLIC_URL: apiSchema.shape.PUBLIC_URL,
});

export const channelsSchema = z.object({
  /** JSON: which provider carries each kind and its settings, e.g. {"sms":{"provider":"twilio-sms","config":{…}}}; kinds not named use the sandbox. */
  CHANNELS: z
    .string()
    .default('{}')
    .refine((v) => {
      try {
        return typeof JSON.parse(v) === 'object';
      } catch {
        return false;
      }
    }, 'must be a JSON object'),
});

export const secretNames = new Set([
  'MASTER_KEYS',
  'OPERATOR_API_KEY',
  'SIGNING_KEY',
  'SIGNING_KEY_PREVIOUS',
  'DATABASE_URL',
  'DATABASE_MIGRATION_URL',
  'REDIS_URL',
]);

export const schemas = {
  runtime: runtimeSchema,
  database: databaseSchema,
  redis: redisSchema,
  secrets: secretsSchema,
  api: apiSchema,
  worker: workerSchema,
  channels: channelsSchema,
} as const;

export type Concern = keyof typeof schemas;
