// The ceiling for our own overhead: node:http and the pg and ioredis drivers doing the same Postgres and Redis
// round trips (the sign-in SQL functions of migration 007), crypto and signing as the API's TOTP verify and SMS
// challenge, with no framework, no ORM, no validation layer. Started by sign-in.mjs with the API's environment.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { loadConfig } from '@verity/config';
import { DataKeyRepository, Tenancy, createDataSource } from '@verity/db';
import { KeyRing, TenantCipher, constantTimeEqual, hashCode, randomDigits } from '@verity/secrets';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { SignJWT, importPKCS8 } from 'jose';
import { verifySync } from 'otplib';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
const redis = new Redis(process.env.REDIS_URL, { keyPrefix: `${process.env.REDIS_PREFIX}:` });
const queue = new Queue('sms', {
  connection: { url: process.env.REDIS_URL },
  prefix: process.env.REDIS_PREFIX,
});
const ds = createDataSource({ url: process.env.DATABASE_URL, poolSize: 2 });
await ds.initialize();
const cipher = new TenantCipher(
  new KeyRing(loadConfig(['secrets']).MASTER_KEYS),
  new DataKeyRepository(new Tenancy(ds)),
);
const signingKey = await importPKCS8(process.env.SIGNING_KEY, 'ES256');
const LIMIT = `local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('PEXPIRE', KEYS[1], 300000) end return n`;

const trusted = new Map();

/** The guard's work: the organisation of the key's prefix, then the key's row, compared by HMAC; trusted 10 s. */
async function tenantOf(header) {
  const key = /^Bearer vty_([0-9a-f]{16})_(.+)$/.exec(header ?? '');
  if (!key) return null;
  const cached = trusted.get(header);
  if (cached && cached.until > Date.now()) return cached.tenantId;
  const tenantId = await lookUp(key);
  if (tenantId) trusted.set(header, { tenantId, until: Date.now() + 10_000 });
  return tenantId;
}

async function lookUp(key) {
  const { rows } = await pool.query('SELECT verity_tenant_for_api_key($1) AS id', [key[1]]);
  const tenantId = rows[0]?.id;
  if (!tenantId) return null;
  const row = await inTenant(tenantId, (c) =>
    c.query('SELECT secret_hash FROM api_keys WHERE tenant_id = $1 AND prefix = $2', [tenantId, key[1]]),
  );
  const codeKey = await cipher.codeKey(tenantId);
  return row.rows[0] && constantTimeEqual(hashCode(codeKey, key[2]), row.rows[0].secret_hash)
    ? tenantId
    : null;
}

async function inTenant(tenantId, work) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
    const out = await work(client);
    await client.query('COMMIT');
    return out;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/** One call of a sign-in SQL function (migration 007), as the API makes it: one round trip, no transaction. */
async function call(fn, ...args) {
  const placeholders = args.map((_, i) => `$${i + 1}`).join(', ');
  const { rows } = await pool.query(`SELECT ${fn}(${placeholders}) AS value`, args);
  return rows[0].value;
}

const hex = (buffer) => `\\x${buffer.toString('hex')}`;

async function totp(tenantId, flowId, challengeId, code) {
  await redis.eval(LIMIT, 1, `limit:answer:${tenantId}:${flowId}`);
  const found = await call('verity_sign_in_context', tenantId, flowId, challengeId, null);
  const { flow, method, account } = found;
  const { secret } = JSON.parse(
    await cipher.decryptText(
      tenantId,
      `method:${method.id}:details`,
      Buffer.from(method.details_enc.slice(2), 'hex'),
    ),
  );
  const result = verifySync({ secret, token: code, epochTolerance: [30, 0] });
  if (!result.valid) return 400;
  const amr = ['pwd', 'otp', 'mfa'];
  const outcome = await call(
    'verity_answer_accepted',
    tenantId,
    flowId,
    flow.step,
    { ...flow.data, amr },
    challengeId,
    method.id,
    result.timeStep,
    null,
    JSON.stringify(audit(tenantId, account.id, 'sign_in.completed')),
  );
  if (outcome !== 'accepted') return 410;
  const signed = await new SignJWT({ amr, acr: 'aal2' })
    .setProtectedHeader({ alg: 'ES256' })
    .setSubject(account.id)
    .setAudience(tenantId)
    .setExpirationTime('5m')
    .sign(signingKey);
  return { status: 200, body: { flowId, state: 'complete', result: signed } };
}

async function sms(tenantId, flowId, methodId) {
  const { flow, method, tenant } = await call('verity_sign_in_context', tenantId, flowId, null, methodId);
  const { phone } = JSON.parse(
    await cipher.decryptText(
      tenantId,
      `method:${method.id}:details`,
      Buffer.from(method.details_enc.slice(2), 'hex'),
    ),
  );
  const code = randomDigits(6);
  const challengeId = randomUUID();
  const deliveryId = randomUUID();
  const codeKey = await cipher.codeKey(tenantId);
  const key = `challenge:${challengeId}`;
  const written = await call(
    'verity_challenge_created',
    tenantId,
    flowId,
    flow.step,
    { ...flow.data, challengeId },
    JSON.stringify({
      id: challengeId,
      tenant_id: tenantId,
      account_id: flow.account_id,
      flow_id: flowId,
      method_id: methodId,
      method_type: 'mobile_text',
      purpose: 'sign_in',
      code_hash: hex(hashCode(codeKey, code)),
      expires_at: new Date(Date.now() + 300_000),
      context: {},
    }),
    JSON.stringify({
      id: deliveryId,
      tenant_id: tenantId,
      challenge_id: challengeId,
      channel: 'sms',
      idempotency_key: key,
      recipient_enc: hex(await cipher.encrypt(tenantId, `delivery:${key}:recipient`, phone)),
      content_enc: hex(
        await cipher.encrypt(
          tenantId,
          `delivery:${key}:content`,
          JSON.stringify({ kind: 'sms', body: `Use verification code ${code} for ${tenant.name} sign-in.` }),
        ),
      ),
      target_id: null,
    }),
    JSON.stringify(audit(tenantId, flow.account_id, 'sign_in.challenge')),
    null,
  );
  if (written.outcome !== 'created') return 404;
  await queue.add('deliver', { tenantId, deliveryId }, { jobId: deliveryId, removeOnComplete: true });
  return { status: 201, body: { challengeId, type: 'mobile_text' } };
}

function audit(tenantId, accountId, action) {
  return {
    tenant_id: tenantId,
    actor_type: 'user',
    actor_id: accountId,
    action,
    target_type: 'account',
    target_id: accountId,
    outcome: 'success',
    details: {},
  };
}

const server = createServer(async (req, res) => {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  try {
    const tenantId = await tenantOf(req.headers.authorization);
    if (!tenantId) return void res.writeHead(401).end();
    if (req.url === '/warm') {
      await pool.query('SELECT 1');
      return void res.writeHead(404).end();
    }
    const body = JSON.parse(raw);
    const [, kind, a, b] = req.url.split('/');
    const out =
      kind === 'totp' ? await totp(tenantId, a, b, body.code) : await sms(tenantId, a, body.methodId);
    const status = typeof out === 'number' ? out : out.status;
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(out.body ?? {}));
  } catch (error) {
    res.writeHead(500).end(String(error));
  }
});
server.listen(Number(process.env.SKELETON_PORT), '127.0.0.1', () => console.log('skeleton listening'));
process.on('SIGTERM', () => {
  server.close();
  void Promise.all([pool.end(), redis.quit(), queue.close(), ds.destroy()]).then(() => process.exit(0));
});
