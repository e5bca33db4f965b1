import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type Account, type Tenant, Tenancy, type TenantScope, accounts, audit, tenants } from '@verity/db';
import { DEFAULT_POLICY } from '@verity/policy';
import { PasswordHasher, TenantCipher } from '@verity/secrets';
import { problems } from '../problem/problem.js';
import type { CreateAccountBody, CreateTenantBody } from './schemas.js';

export interface Onboarded {
  tenant: Tenant;
  administrator: Account;
  /** Shown once, to hand to the administrator; only its argon2id hash is stored. */
  temporaryPassword: string;
}

const UNIQUE_VIOLATION = '23505';

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string; driverError?: { code?: string } }).driverError?.code === UNIQUE_VIOLATION;
}

/** Creates organisations and accounts; used by the operator's API, the CLI and the demo seed alike. */
/** The encryption context of an account's contact address. */
export const CONTACT_EMAIL_CONTEXT = 'account:contact-email';

@Injectable()
export class Onboarding {
  constructor(
    private readonly tenancy: Tenancy,
    private readonly cipher: TenantCipher,
    private readonly hasher: PasswordHasher,
  ) {}

  async createTenant(body: CreateTenantBody): Promise<Onboarded> {
    // every organisation starts from the defaults the seeds describe, and tightens them later
    const policy = DEFAULT_POLICY as unknown as Record<string, unknown>;
    const tenant = await this.tenancy
      .asOperator((scope) =>
        tenants.create(scope, { slug: body.slug, name: body.name, emailDomains: body.emailDomains, policy }),
      )
      .catch((error: unknown) => {
        throw isUniqueViolation(error)
          ? problems.conflict(`An organisation with slug "${body.slug}" already exists.`)
          : error;
      });
    await this.cipher.provision(tenant.id);
    const temporaryPassword = randomBytes(18).toString('base64url');
    const administrator = await this.tenancy.run(tenant.id, async (scope) => {
      await audit.record(scope, {
        actorType: 'operator',
        action: 'tenant.created',
        targetType: 'tenant',
        targetId: tenant.id,
        outcome: 'success',
        details: { slug: tenant.slug },
      });
      return this.createAccount(
        scope,
        { ...body.administrator, elevated: true, roles: ['staff', 'tenant_admin'] },
        { actorType: 'operator', password: temporaryPassword },
      );
    });
    return { tenant, administrator, temporaryPassword };
  }

  async createAccount(
    scope: TenantScope,
    body: Omit<CreateAccountBody, 'hybrid'> & { hybrid?: boolean },
    by: { actorType: 'operator' | 'admin' | 'system'; actorId?: string; password?: string },
  ): Promise<Account> {
    const contactEmailEnc = body.contactEmail
      ? await this.cipher.encrypt(scope.tenantId, CONTACT_EMAIL_CONTEXT, body.contactEmail)
      : null;
    const passwordHash = by.password ? await this.hasher.hash(by.password) : null;
    const account = await accounts
      .create(scope, { ...body, contactEmailEnc, passwordHash })
      .catch((error: unknown) => {
        throw isUniqueViolation(error)
          ? problems.conflict(`An account named ${body.username} already exists.`)
          : error;
      });
    await audit.record(scope, {
      actorType: by.actorType,
      actorId: by.actorId ?? null,
      action: 'account.created',
      targetType: 'account',
      targetId: account.id,
      outcome: 'success',
      details: { roles: account.roles, elevated: account.elevated },
    });
    return account;
  }
}
