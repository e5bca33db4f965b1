import { AuthenticatorDevice } from '../entities/index.js';
import type { TenantScope } from '../tenancy.js';
import { isUuid } from '../tenancy.js';

export const devices = {
  /** A device waiting to be activated with the one-time code from the registration QR link. */
  create(
    scope: TenantScope,
    data: {
      accountId: string;
      name: string;
      activationHash: Buffer;
      activationExpiresAt: Date;
      enrolmentId?: string | null;
    },
  ): Promise<AuthenticatorDevice> {
    const repo = scope.manager.getRepository(AuthenticatorDevice);
    return repo.save(
      repo.create({
        ...data,
        enrolmentId: data.enrolmentId ?? null,
        tenantId: scope.tenantId,
        status: 'pending',
      }),
    );
  },

  async findById(scope: TenantScope, id: string): Promise<AuthenticatorDevice | null> {
    if (!isUuid(id)) return null;
    return scope.manager
      .getRepository(AuthenticatorDevice)
      .findOne({ where: { tenantId: scope.tenantId, id } });
  },

  /** Activates a pending device once, with its key and push token; false when the code was used or expired. */
  async activate(
    scope: TenantScope,
    id: string,
    activationHash: Buffer,
    data: {
      publicKey: Record<string, unknown>;
      pushTokenEnc: Buffer | null;
      platform: 'android' | 'ios' | 'web';
    },
  ): Promise<boolean> {
    const [, affected]: [unknown, number] = await scope.manager.query(
      `UPDATE authenticator_devices
          SET status = 'active', public_key = $4, push_token_enc = $5, platform = $6, activated_at = now(),
              last_seen_at = now(), activation_hash = NULL, activation_expires_at = NULL
        WHERE tenant_id = $1 AND id = $2 AND status = 'pending' AND activation_hash = $3
          AND activation_expires_at > now()`,
      [scope.tenantId, id, activationHash, JSON.stringify(data.publicKey), data.pushTokenEnc, data.platform],
    );
    return affected === 1;
  },

  async updatePushToken(scope: TenantScope, id: string, pushTokenEnc: Buffer): Promise<void> {
    await scope.manager
      .getRepository(AuthenticatorDevice)
      .update({ tenantId: scope.tenantId, id, status: 'active' }, { pushTokenEnc, lastSeenAt: new Date() });
  },

  async seen(scope: TenantScope, id: string): Promise<void> {
    await scope.manager
      .getRepository(AuthenticatorDevice)
      .update({ tenantId: scope.tenantId, id }, { lastSeenAt: new Date() });
  },

  /** Every authenticator device of the account that is not already inactive (pending ones too); how many. */
  async deactivateAllOf(scope: TenantScope, accountId: string): Promise<number> {
    const [, affected]: [unknown, number] = await scope.manager.query(
      `UPDATE authenticator_devices SET status = 'inactive'
        WHERE tenant_id = $1 AND account_id = $2 AND status <> 'inactive'`,
      [scope.tenantId, accountId],
    );
    return affected;
  },

  /** The push service no longer knows this device (app removed, token expired), or the person removed it. */
  async deactivate(scope: TenantScope, id: string): Promise<void> {
    await scope.manager
      .getRepository(AuthenticatorDevice)
      .update({ tenantId: scope.tenantId, id }, { status: 'inactive' });
  },
};
