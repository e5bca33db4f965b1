import { randomInt } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type Delivery, Tenancy, accounts, methods } from '@verity/db';
import { decideAddMethod, deviceKeyFor } from '@verity/policy';
import { TenantCipher, constantTimeEqual, hashCode } from '@verity/secrets';
import { type AppPasswordDetails, openDetails, saveMethod } from '../methods/method-details.js';
import { policyAccount, policyOf } from '../methods/policy-account.js';
import { problems } from '../problem/problem.js';
import { AttemptLimits } from './limits.js';
import { Notices } from './notices.js';
import { invalidCredentials } from './sign-in.service.js';
import { recordUserEvent } from './user-events.js';

export const LEGACY_PROTOCOLS = ['imap', 'pop', 'smtp', 'ews', 'activesync', 'caldav', 'carddav'] as const;
export type LegacyProtocol = (typeof LEGACY_PROTOCOLS)[number];

/** 28 letters a–z: about 131 bits, typed into an old mail client, shown in groups of four. */
function newAppPassword(): string {
  const letters = Array.from({ length: 28 }, () => String.fromCharCode(97 + randomInt(26))).join('');
  return letters.match(/.{4}/g)!.join(' ');
}

const normalised = (typed: string) => typed.replace(/\s+/g, '').toLowerCase();

/**
 * App passwords for programs that cannot do MFA (old mail clients): generated here, shown once, stored as an
 * HMAC, limited to the protocols chosen, revocable, usable only on the legacy verify endpoint — never for
 * interactive sign-in, password reset or administration — and never for accounts with elevated rights.
 */
@Injectable()
export class AppPasswords {
  constructor(
    private readonly tenancy: Tenancy,
    private readonly cipher: TenantCipher,
    private readonly limits: AttemptLimits,
    private readonly notices: Notices,
  ) {}

  async create(tenantId: string, accountId: string, body: { name: string; scopes: LegacyProtocol[] }) {
    const told: (Delivery | null)[] = [];
    const created = await this.tenancy.run(tenantId, async (scope) => {
      const account = await accounts.findById(scope, accountId);
      if (!account) throw problems.notFound('account');
      const policy = await policyOf(scope);
      const password = newAppPassword();
      const hash = await this.hash(tenantId, normalised(password));
      const decision = decideAddMethod(
        policyAccount(account, await methods.verifiedOf(scope, accountId)),
        { type: 'app_password', deviceKey: deviceKeyFor('app_password', hash) },
        policy,
        { now: new Date() },
      );
      if (decision.outcome === 'refused') throw problems.methodRefused(decision.reasons);
      const details: AppPasswordDetails = {
        type: 'app_password',
        name: body.name,
        scopes: body.scopes,
        hash,
      };
      const method = await saveMethod(scope, this.cipher, { accountId, details, label: body.name });
      await recordUserEvent(
        scope,
        account.id,
        'app_password.created',
        'success',
        {},
        { methodId: method.id },
      );
      told.push(
        await this.notices.securityInfoChanged(
          scope,
          account.id,
          `An app password named "${body.name}" was created for your account.`,
          [],
        ),
      );
      return {
        id: method.id,
        name: body.name,
        scopes: body.scopes,
        appPassword: password,
        createdAt: method.createdAt,
      };
    });
    await this.notices.dispatch(told, created.id);
    return created;
  }

  list(tenantId: string, accountId: string) {
    return this.tenancy.run(tenantId, async (scope) => {
      if (!(await accounts.findById(scope, accountId))) throw problems.notFound('account');
      const rows = await methods.ofType(scope, accountId, 'app_password');
      return {
        appPasswords: await Promise.all(
          rows.map(async (m) => {
            const { name, scopes } = await openDetails<AppPasswordDetails>(this.cipher, m);
            return { id: m.id, name, scopes, createdAt: m.createdAt, lastUsedAt: m.lastUsedAt };
          }),
        ),
      };
    });
  }

  async revoke(tenantId: string, accountId: string, id: string) {
    const told = await this.tenancy.run(tenantId, async (scope) => {
      const account = await accounts.findById(scope, accountId);
      const method = account ? await methods.findOfAccount(scope, accountId, id) : null;
      if (!account || method?.type !== 'app_password') throw problems.notFound('app password');
      await methods.remove(scope, accountId, id);
      await recordUserEvent(scope, account.id, 'app_password.revoked', 'success', {}, { methodId: id });
      return this.notices.securityInfoChanged(
        scope,
        account.id,
        `The app password named "${method.label ?? ''}" was revoked.`,
        [],
      );
    });
    await this.notices.dispatch([told], id);
  }

  /** The legacy endpoint: an app password for one protocol. Every refusal is the same 401. */
  async verify(
    tenantId: string,
    body: { username: string; appPassword: string; protocol: LegacyProtocol; ip?: string | undefined },
  ) {
    const username = body.username.trim().toLowerCase();
    await this.limits.password(tenantId, username, body.ip);
    const hash = await this.hash(tenantId, normalised(body.appPassword));
    const client = body.ip ? { ip: body.ip } : {};
    const accepted = await this.tenancy.run(tenantId, async (scope) => {
      const account = await accounts.findByUsername(scope, username);
      const policy = await policyOf(scope);
      let match: string | null = null;
      for (const method of account ? await methods.ofType(scope, account.id, 'app_password') : []) {
        const details = await openDetails<AppPasswordDetails>(this.cipher, method);
        if (constantTimeEqual(details.hash, hash) && details.scopes.includes(body.protocol))
          match = method.id;
      }
      const usable =
        account !== null &&
        account.status === 'active' &&
        !account.elevated &&
        policy.allowedMethods.includes('app_password');
      if (!account) return false;
      if (!usable || !match) {
        await recordUserEvent(scope, account.id, 'app_password.used', 'failure', client, {
          protocol: body.protocol,
        });
        return false;
      }
      await methods.recordSuccess(scope, match);
      await recordUserEvent(scope, account.id, 'app_password.used', 'success', client, {
        protocol: body.protocol,
        methodId: match,
      });
      return { accountId: account.id, username: account.username };
    });
    if (!accepted) throw invalidCredentials();
    return accepted;
  }

  private async hash(tenantId: string, password: string): Promise<string> {
    return hashCode(await this.cipher.codeKey(tenantId), `app-password:${password}`).toString('base64');
  }
}
