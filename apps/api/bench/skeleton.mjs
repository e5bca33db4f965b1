// The ceiling for our own overhead: node:http and the pg and ioredis drivers doing the same Postgres and Redis
// round trips, crypto and signing as the API's TOTP verify and SMS challenge, with no framework, no ORM, no
// validation layer. Started by sign-in.mjs with the API's environment.
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

async function totp(tenantId, flowId, challengeId, code) {
  await redis.eval(LIMIT, 1, `limit:answer:${tenantId}:${flowId}`);
  return inTenant(tenantId, async (c) => {
    const flow = (await c.query('SELECT * FROM flows WHERE tenant_id = $1 AND id = $2', [tenantId, flowId]))
      .rows[0];
    const challenge = (
      await c.query('SELECT * FROM challenges WHERE tenant_id = $1 AND id = $2', [tenantId, challengeId])
    ).rows[0];
    const method = (
      await c.query('SELECT * FROM methods WHERE tenant_id = $1 AND id = $2', [tenantId, challenge.method_id])
    ).rows[0];
    await c.query('SELECT policy FROM tenants WHERE id = $1', [tenantId]);
    const { secret } = JSON.parse(
      await cipher.decryptText(tenantId, `method:${method.id}:details`, method.details_enc),
    );
    const result = verifySync({ secret, token: code, epochTolerance: [30, 0] });
    if (!result.valid) return 400;
    const accepted = await c.query(
      'UPDATE methods SET last_time_step = $3 WHERE tenant_id = $1 AND id = $2 AND (last_time_step IS NULL OR last_time_step < $3)',
      [tenantId, method.id, result.timeStep],
    );
    if (accepted.rowCount !== 1) return 410;
    await c.query(
      `UPDATE challenges SET status = 'approved', resolved_at = now() WHERE tenant_id = $1 AND id = $2 AND status = 'pending'`,
      [tenantId, challengeId],
    );
    const account = (
      await c.query('SELECT * FROM accounts WHERE tenant_id = $1 AND id = $2', [tenantId, flow.account_id])
    ).rows[0];
    await c.query(
      `UPDATE flows SET state = 'complete', step = step + 1, completed_at = now() WHERE tenant_id = $1 AND id = $2 AND step = $3`,
      [tenantId, flowId, flow.step],
    );
    await c.query(
      'UPDATE methods SET failed_attempts = 0, locked_until = NULL, last_used_at = now() WHERE tenant_id = $1 AND id = $2',
      [tenantId, method.id],
    );
    const result2 = await new SignJWT({ amr: ['pwd', 'otp', 'mfa'], acr: 'aal2' })
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject(account.id)
      .setAudience(tenantId)
      .setExpirationTime('5m')
      .sign(signingKey);
    await audit(c, tenantId, account.id, 'sign_in.completed');
    return { status: 200, body: { flowId, state: 'complete', result: result2 } };
  });
}

async function sms(tenantId, flowId, methodId) {
  const out = await inTenant(tenantId, async (c) => {
    const flow = (await c.query('SELECT * FROM flows WHERE tenant_id = $1 AND id = $2', [tenantId, flowId]))
      .rows[0];
    const method = (
      await c.query('SELECT * FROM methods WHERE tenant_id = $1 AND id = $2', [tenantId, methodId])
    ).rows[0];
    const tenant = (await c.query('SELECT * FROM tenants WHERE id = $1', [tenantId])).rows[0];
    const { phone } = JSON.parse(
      await cipher.decryptText(tenantId, `method:${method.id}:details`, method.details_enc),
    );
    const code = randomDigits(6);
    const challengeId = randomUUID();
    const codeKey = await cipher.codeKey(tenantId);
    await c.query(
      `INSERT INTO challenges (id, tenant_id, account_id, flow_id, method_id, method_type, purpose, code_hash, expires_at)
       VALUES ($1, $2, $3, $4, $5, 'mobile_text', 'sign_in', $6, now() + interval '5 minutes')`,
      [challengeId, tenantId, flow.account_id, flowId, methodId, hashCode(codeKey, code)],
    );
    const key = `challenge:${challengeId}`;
    const delivery = (
      await c.query(
        `INSERT INTO deliveries (tenant_id, channel, idempotency_key, recipient_enc, content_enc, challenge_id)
         VALUES ($1, 'sms', $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id`,
        [
          tenantId,
          key,
          await cipher.encrypt(tenantId, `delivery:${key}:recipient`, phone),
          await cipher.encrypt(
            tenantId,
            `delivery:${key}:content`,
            JSON.stringify({
              kind: 'sms',
              body: `Use verification code ${code} for ${tenant.name} sign-in.`,
            }),
          ),
          challengeId,
        ],
      )
    ).rows[0];
    await c.query('SELECT * FROM deliveries WHERE tenant_id = $1 AND idempotency_key = $2', [tenantId, key]);
    await c.query(
      `UPDATE flows SET state = 'challenged', step = step + 1 WHERE tenant_id = $1 AND id = $2 AND step = $3`,
      [tenantId, flowId, flow.step],
    );
    await audit(c, tenantId, flow.account_id, 'sign_in.challenge');
    return { challengeId, deliveryId: delivery.id };
  });
  await queue.add(
    'deliver',
    { tenantId, deliveryId: out.deliveryId },
    { jobId: out.deliveryId, removeOnComplete: true },
  );
  return { status: 201, body: { challengeId: out.challengeId, type: 'mobile_text' } };
}

function audit(c, tenantId, accountId, action) {
  return c.query(
    `INSERT INTO audit_events (tenant_id, actor_type, actor_id, action, target_type, target_id, outcome, details)
     VALUES ($1, 'user', $2, $3, 'account', $2, 'success', '{}') RETURNING id`,
    [tenantId, accountId, action],
  );
}

const server = createServer(async (req, res) => {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  try {
    const tenantId = await tenantOf(req.headers.authorization);
    if (!tenantId) return void res.writeHead(401).end();
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
