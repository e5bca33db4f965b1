import { randomBytes } from 'node:crypto';
import { type Delivery, Tenancy } from '@verity/db';
import { contentContext } from '@verity/delivery';
import { TenantCipher } from '@verity/secrets';
import { signedTwilioCallback } from '@verity/testing';
import { type JWK, CompactSign, exportJWK, generateKeyPair } from 'jose';
import { Onboarding } from '../admin/onboarding.service.js';
import { type MethodDetails, saveMethod } from '../methods/method-details.js';
import type { TestApi } from './api.js';

export const PASSWORD = 'correct horse battery staple 2026';

/**
 * A member of staff with a password and the given verified methods (the registration wizard's result). With
 * methods and unless `registrationDue`, the wizard is postponed for a day, so a sign-in ends in its result even
 * where the policy would ask for more methods than the test gives.
 */
export async function staffMember(
  api: TestApi,
  tenantId: string,
  options: {
    methods?: MethodDetails[];
    elevated?: boolean;
    hybrid?: boolean;
    contactEmail?: string;
    username?: string;
    registrationDue?: boolean;
  } = {},
) {
  const tenancy = api.app.get(Tenancy);
  const cipher = api.app.get(TenantCipher);
  const domain = await tenancy.run(tenantId, async (scope) => {
    const rows: { email_domains: string[] }[] = await scope.manager.query(
      'SELECT email_domains FROM tenants WHERE id = $1',
      [tenantId],
    );
    return rows[0]!.email_domains[0]!;
  });
  const username = options.username ?? `staff.${randomBytes(4).toString('hex')}@${domain}`;
  return tenancy.run(tenantId, async (scope) => {
    const account = await api.app.get(Onboarding).createAccount(
      scope,
      {
        username,
        displayName: 'Sam Staff',
        elevated: options.elevated ?? false,
        hybrid: options.hybrid ?? false,
        roles: ['staff'],
        ...(options.contactEmail ? { contactEmail: options.contactEmail } : {}),
      },
      { actorType: 'system', password: PASSWORD },
    );
    const methods = [];
    for (const [i, details] of (options.methods ?? []).entries())
      methods.push(await saveMethod(scope, cipher, { accountId: account.id, details, isDefault: i === 0 }));
    if (!(options.registrationDue ?? (options.methods ?? []).length === 0))
      await scope.manager.query(
        `UPDATE accounts SET registration_state = 'snoozed', snoozed_until = now() + interval '1 day' WHERE id = $1`,
        [account.id],
      );
    return { account, username, methods };
  });
}

/** The message the outbox holds for a challenge, decrypted as the worker would. */
export async function messageOf(api: TestApi, tenantId: string, challengeId: string) {
  const tenancy = api.app.get(Tenancy);
  const cipher = api.app.get(TenantCipher);
  const delivery = (await tenancy.run(tenantId, (scope) =>
    scope.manager.getRepository('Delivery').findOneByOrFail({ challengeId }),
  )) as Delivery;
  const content = JSON.parse(
    await cipher.decryptText(tenantId, contentContext(delivery.idempotencyKey), delivery.contentEnc),
  );
  return { delivery, content };
}

export const codeIn = (text: string) => /\b(\d{6})\b/.exec(text)?.[1] ?? '';

/** An authenticator app: a P-256 key pair, signing the proofs the device API asks for. */
export async function testDevice() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk: JWK = await exportJWK(publicKey);
  return {
    publicKey: jwk,
    async proof(deviceId: string, claims: Record<string, unknown>, key = privateKey) {
      return new CompactSign(
        new TextEncoder().encode(
          JSON.stringify({
            sub: deviceId,
            aud: 'verity-device',
            iat: Math.floor(Date.now() / 1000),
            ...claims,
          }),
        ),
      )
        .setProtectedHeader({ alg: 'ES256' })
        .sign(key);
    },
  };
}

/** A callback posted as Twilio posts it to a public URL of the API: form-encoded and signed with the auth token. */
export function twilioPosts(api: TestApi, authToken: string, url: string, params: Record<string, string>) {
  const signed = signedTwilioCallback(authToken, url, params);
  return api.request({
    method: 'POST',
    url: new URL(url).pathname,
    payload: signed.rawBody,
    headers: signed.headers,
  });
}

/**
 * The authenticator app set up from an activation link (the registration QR code's text), as a phone would:
 * a new device key, the activation, and the device API's base path for its signed requests.
 */
export async function activateApp(api: TestApi, linkText: string) {
  const device = await testDevice();
  const link = new URL(linkText);
  const base = `/v1/devices/${link.searchParams.get('organisation')}/${link.searchParams.get('device')}`;
  const activated = await api.request({
    method: 'POST',
    url: `${base}/activate`,
    body: { activationCode: link.searchParams.get('code'), publicKey: device.publicKey, platform: 'web' },
  });
  if (activated.status !== 200) throw new Error(`activation failed: ${activated.status} ${activated.text}`);
  return { device, base, deviceId: activated.body.deviceId as string, activated: activated.body };
}

/** An administrator's activation link for the account's authenticator app, activated. */
export async function appOf(api: TestApi, key: string, accountId: string) {
  const activation = await api.request({
    method: 'POST',
    url: `/v1/accounts/${accountId}/authenticator-activations`,
    key,
  });
  if (activation.status !== 201) throw new Error(`no activation link: ${activation.status}`);
  return activateApp(api, activation.body.link as string);
}

/** A query in an organisation's scope (its row-level security on), as a test arranges or reads rows. */
export function tenantQuery(
  api: TestApi,
  tenantId: string,
  query: string,
  params: unknown[] = [],
): Promise<Record<string, unknown>[]> {
  return api.app.get(Tenancy).run(tenantId, (scope) => scope.manager.query(query, params));
}
