import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  type AuthenticatorDevice,
  type Delivery,
  Tenancy,
  type TenantScope,
  accounts,
  audit,
  challenges,
  devices,
  methods,
  tenants,
} from '@verity/db';
import { TenantCipher, constantTimeEqual, hashCode } from '@verity/secrets';
import { type JWK, compactVerify, importJWK } from 'jose';
import { generateSecret } from 'otplib';
import { deviceKeyOf, saveMethod } from '../methods/method-details.js';
import { DomainError, problems } from '../problem/problem.js';
import { numberContext, pushTokenContext } from './contexts.js';
import { Notices } from './notices.js';

const ACTIVATION_LIFETIME_MS = 15 * 60_000;
/** How far a device's clock and its proof's age may be from ours. */
const PROOF_WINDOW_SECONDS = 120;
export const DEVICE_AUDIENCE = 'verity-device';

export type DeviceAction = 'list' | 'answer' | 'push-token' | 'deactivate';

export interface DeviceProof {
  sub: string;
  aud: string;
  act: DeviceAction;
  iat: number;
  challengeId?: string;
  decision?: 'approve' | 'deny' | 'fraud';
  number?: string;
  pushToken?: string;
}

const badProof = () =>
  new DomainError(
    401,
    'device-proof',
    'Device not recognised',
    'The request is not signed by this device’s key.',
  );

const activationFailed = () =>
  new DomainError(
    400,
    'activation-failed',
    'Activation failed',
    'This activation code is wrong, used or expired. Scan the QR code again from Security info.',
  );

/**
 * The server side of the authenticator app. Activation takes the one-time code from the registration QR link
 * and the device's P-256 public key; every later request carries a proof (a compact JWS) signed with the
 * device's private key, which never leaves the device.
 */
@Injectable()
export class DeviceService {
  constructor(
    private readonly tenancy: Tenancy,
    private readonly cipher: TenantCipher,
    private readonly notices: Notices,
  ) {}

  /** A pending device and its activation link, for the QR code the registration wizard shows. */
  async startActivation(scope: TenantScope, accountId: string, apiUrl: string, enrolmentId?: string) {
    const code = randomBytes(18).toString('base64url');
    const device = await devices.create(scope, {
      accountId,
      name: 'Authenticator',
      activationHash: await this.activationHash(scope.tenantId, code),
      activationExpiresAt: new Date(Date.now() + ACTIVATION_LIFETIME_MS),
      enrolmentId: enrolmentId ?? null,
    });
    const slug = (await tenants.own(scope)).slug;
    const link = new URL('verity://activate');
    link.searchParams.set('api', apiUrl);
    link.searchParams.set('organisation', slug);
    link.searchParams.set('device', device.id);
    link.searchParams.set('code', code);
    return {
      deviceId: device.id,
      activationCode: code,
      link: link.href,
      expiresAt: device.activationExpiresAt,
    };
  }

  /** The app proves it holds the code and registers its key: push and code methods are added for it. */
  async activate(
    slug: string,
    deviceId: string,
    body: {
      activationCode: string;
      publicKey: JWK;
      pushToken?: string | undefined;
      platform: 'android' | 'ios' | 'web';
    },
  ) {
    const tenantId = await this.tenantOf(slug);
    if (!tenantId) throw activationFailed();
    await importJWK(body.publicKey, 'ES256').catch(() => {
      throw problems.validation([{ field: 'publicKey', message: 'must be an EC P-256 public key (JWK)' }]);
    });
    const publicKey = {
      kty: body.publicKey.kty,
      crv: body.publicKey.crv,
      x: body.publicKey.x,
      y: body.publicKey.y,
    };
    return this.tenancy.run(tenantId, async (scope) => {
      const hash = await this.activationHash(tenantId, body.activationCode);
      const pushTokenEnc = body.pushToken
        ? await this.cipher.encrypt(tenantId, pushTokenContext(deviceId), body.pushToken)
        : null;
      if (
        !(await devices.activate(scope, deviceId, hash, { publicKey, pushTokenEnc, platform: body.platform }))
      )
        throw activationFailed();
      const device = (await devices.findById(scope, deviceId))!;
      const totpSecret = generateSecret();
      // set up by the person (Security info, the wizard): the methods count once a test notification is approved
      const enrolled = device.enrolmentId !== null;
      const registered = (await methods.verifiedOf(scope, device.accountId)).length > 0;
      await saveMethod(scope, this.cipher, {
        accountId: device.accountId,
        details: { type: 'authenticator_push', deviceId },
        label: 'Authenticator app',
        isDefault: !registered && !enrolled,
        verified: !enrolled,
      });
      await saveMethod(scope, this.cipher, {
        accountId: device.accountId,
        details: { type: 'authenticator_code', secret: totpSecret, deviceId },
        label: 'Authenticator app',
        verified: !enrolled,
      });
      await audit.record(scope, {
        actorType: 'user',
        actorId: device.accountId,
        action: 'device.activated',
        targetType: 'device',
        targetId: deviceId,
        outcome: 'success',
        details: { platform: body.platform },
      });
      const tenant = await tenants.own(scope);
      const account = await accounts.findById(scope, device.accountId);
      return {
        deviceId,
        organisation: { slug: tenant.slug, name: tenant.name },
        account: account?.username,
        totp: { secret: totpSecret, digits: 6, period: 30, algorithm: 'SHA1' },
      };
    });
  }

  /** "Check for notifications": the device's pending requests, without the number to type. */
  async pending(slug: string, deviceId: string, proof: string) {
    const { tenantId, device } = await this.authenticate(slug, deviceId, proof, 'list');
    return this.tenancy.run(tenantId, async (scope) => {
      await devices.seen(scope, deviceId);
      const pending = await challenges.pendingPushes(scope, device.accountId);
      return {
        challenges: pending
          .filter((c) => c.context.deviceId === deviceId)
          .map((c) => ({
            challengeId: c.id,
            organisation: c.context.organisation,
            app: c.context.app ?? null,
            location: c.context.location ?? null,
            requestedAt: c.context.requestedAt,
            numberDigits: c.context.numberDigits,
            expiresAt: c.expiresAt,
          })),
      };
    });
  }

  /**
   * The person's answer, signed by the device: approve with the number shown at sign-in, deny, or deny and
   * report fraud. A wrong number voids the request.
   */
  async answer(slug: string, deviceId: string, challengeId: string, proof: string) {
    const { tenantId, device, claims } = await this.authenticate(slug, deviceId, proof, 'answer');
    if (claims.challengeId !== challengeId || !claims.decision) throw badProof();
    const alerts: (Delivery | null)[] = [];
    const outcome = await this.tenancy.run(tenantId, async (scope) => {
      const challenge = await challenges.findById(scope, challengeId);
      if (
        !challenge ||
        challenge.accountId !== device.accountId ||
        challenge.methodType !== 'authenticator_push' ||
        challenge.context.deviceId !== deviceId
      )
        throw problems.notFound('request');
      let result: 'approved' | 'denied' | 'wrong_number' | 'fraud';
      if (claims.decision === 'approve') {
        const expected = challenge.codeHash;
        const given = hashCode(
          await this.cipher.codeKey(tenantId),
          `${numberContext(challenge.id)}:${claims.number ?? ''}`,
        );
        result = expected && constantTimeEqual(expected, given) ? 'approved' : 'wrong_number';
      } else result = claims.decision === 'fraud' ? 'fraud' : 'denied';
      if (!(await challenges.settle(scope, challenge.id, result === 'approved' ? 'approved' : 'denied')))
        return 'over' as const;
      await audit.record(scope, {
        actorType: 'user',
        actorId: device.accountId,
        action:
          result === 'fraud'
            ? 'fraud.reported'
            : `challenge.${result === 'approved' ? 'approved' : 'denied'}`,
        targetType: 'challenge',
        targetId: challenge.id,
        outcome: result === 'approved' ? 'success' : 'denied',
        details: {
          method: 'authenticator_push',
          deviceId,
          ...(result === 'wrong_number' ? { wrongNumber: true } : {}),
        },
      });
      if (result === 'fraud')
        alerts.push(...(await this.reportFraud(scope, device.accountId, 'authenticator_push')));
      return result;
    });
    await this.notices.dispatch(alerts, challengeId);
    if (outcome === 'over')
      throw new DomainError(
        410,
        'challenge-over',
        'Request expired',
        'This request has expired or was already answered.',
      );
    return { challengeId, outcome };
  }

  async updatePushToken(slug: string, deviceId: string, proof: string) {
    const { tenantId, claims } = await this.authenticate(slug, deviceId, proof, 'push-token');
    if (!claims.pushToken)
      throw problems.validation([{ field: 'pushToken', message: 'is required in the proof' }]);
    await this.tenancy.run(tenantId, async (scope) =>
      devices.updatePushToken(
        scope,
        deviceId,
        await this.cipher.encrypt(tenantId, pushTokenContext(deviceId), claims.pushToken!),
      ),
    );
    return { deviceId, updated: true };
  }

  async deactivate(slug: string, deviceId: string, proof: string) {
    const { tenantId, device } = await this.authenticate(slug, deviceId, proof, 'deactivate');
    await this.tenancy.run(tenantId, async (scope) => {
      await devices.deactivate(scope, deviceId);
      // the app is gone: its notifications can never be answered nor its codes shown, so its methods go too
      const ref = hashCode(
        await this.cipher.codeKey(tenantId),
        deviceKeyOf({ type: 'authenticator_push', deviceId }),
      );
      const gone = await methods.onDevice(scope, device.accountId, ref);
      for (const method of gone) await methods.remove(scope, device.accountId, method.id);
      await audit.record(scope, {
        actorType: 'user',
        actorId: device.accountId,
        action: 'device.deactivated',
        targetType: 'device',
        targetId: deviceId,
        outcome: 'success',
        details: { methodsRemoved: gone.length },
      });
    });
    return { deviceId, status: 'inactive' };
  }

  /** Marks the account at risk; administrators are alerted the first time only. */
  async reportFraud(scope: TenantScope, accountId: string, method: string): Promise<Delivery[]> {
    if (!(await accounts.markAtRisk(scope, accountId))) return [];
    return this.notices.fraudReported(scope, accountId, method);
  }

  private async authenticate(slug: string, deviceId: string, proof: string, act: DeviceAction) {
    const tenantId = await this.tenantOf(slug);
    if (!tenantId) throw badProof();
    const device: AuthenticatorDevice | null = await this.tenancy.run(tenantId, (scope) =>
      devices.findById(scope, deviceId),
    );
    if (!device || device.status !== 'active' || !device.publicKey) throw badProof();
    let claims: DeviceProof;
    try {
      const key = await importJWK(device.publicKey as JWK, 'ES256');
      const { payload, protectedHeader } = await compactVerify(proof, key);
      if (protectedHeader.alg !== 'ES256') throw badProof();
      claims = JSON.parse(new TextDecoder().decode(payload)) as DeviceProof;
    } catch {
      throw badProof();
    }
    const age = Math.abs(Date.now() / 1000 - Number(claims.iat));
    if (
      claims.sub !== deviceId ||
      claims.aud !== DEVICE_AUDIENCE ||
      claims.act !== act ||
      !(age <= PROOF_WINDOW_SECONDS)
    )
      throw badProof();
    return { tenantId, device, claims };
  }

  private tenantOf(slug: string): Promise<string | null> {
    return /^[a-z0-9-]{1,63}$/.test(slug) ? this.tenancy.tenantForSlug(slug) : Promise.resolve(null);
  }

  private async activationHash(tenantId: string, code: string): Promise<Buffer> {
    return hashCode(await this.cipher.codeKey(tenantId), `activation:${code}`);
  }
}
