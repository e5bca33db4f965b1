import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { ApiKeyRepository, Tenancy, type TenantSummary, audit, tenants } from '@verity/db';
import { TenantCipher } from '@verity/secrets';
import { z } from 'zod';
import { OperatorGuard } from '../auth/guards.js';
import { ZodPipe, bodyDoc } from '../problem/zod.pipe.js';
import { problems } from '../problem/problem.js';
import { Onboarding } from './onboarding.service.js';
import { type CreateTenantBody, createTenantBody, issueApiKeyBody, uuidParam } from './schemas.js';
import { Operation, Problems, Responds } from '../openapi/operation.js';
import {
  createdTenantResponse,
  issuedKeyResponse,
  rewrapResponse,
  tenantListResponse,
  tenantResponse,
} from './responses.js';

export function tenantView(t: TenantSummary) {
  return {
    id: t.id,
    slug: t.slug,
    name: t.name,
    emailDomains: t.emailDomains,
    status: t.status,
    policyVersion: t.policyVersion,
    createdAt: t.createdAt,
  };
}

/** The operator's API: onboard organisations, issue their keys, rotate master keys. */
@ApiTags('operator')
@ApiBearerAuth()
@UseGuards(OperatorGuard)
@Controller('admin')
export class TenantsController {
  constructor(
    private readonly onboarding: Onboarding,
    private readonly tenancy: Tenancy,
    private readonly apiKeys: ApiKeyRepository,
    private readonly cipher: TenantCipher,
  ) {}

  @Post('tenants')
  @Operation('createTenant', 'Onboard an organisation with its first administrator')
  @Responds(201, createdTenantResponse)
  @Problems({ 409: ['conflict'] })
  @ApiBody(bodyDoc(createTenantBody))
  async create(@Body(new ZodPipe(createTenantBody)) body: CreateTenantBody) {
    const { tenant, administrator, temporaryPassword } = await this.onboarding.createTenant(body);
    return {
      tenant: tenantView(tenant),
      administrator: { id: administrator.id, username: administrator.username, temporaryPassword },
    };
  }

  @Get('tenants')
  @Operation('listTenants', 'List the organisations')
  @Responds(200, tenantListResponse)
  async list() {
    return { tenants: (await this.tenancy.asOperator((scope) => tenants.list(scope))).map(tenantView) };
  }

  @Get('tenants/:tenantId')
  @Operation('getTenant', 'Get an organisation')
  @Responds(200, tenantResponse)
  @Problems({ 404: ['not-found'] })
  async get(@Param('tenantId', new ZodPipe(uuidParam)) tenantId: string) {
    const tenant = await this.tenancy.asOperator((scope) => tenants.findById(scope, tenantId));
    if (!tenant) throw problems.notFound('organisation');
    return tenantView(tenant);
  }

  @Post('tenants/:tenantId/api-keys')
  @Operation('issueApiKey', 'Issue an organisation API key with its scopes')
  @Responds(201, issuedKeyResponse)
  @Problems({ 404: ['not-found'] })
  @ApiBody(bodyDoc(issueApiKeyBody))
  async issueKey(
    @Param('tenantId', new ZodPipe(uuidParam)) tenantId: string,
    @Body(new ZodPipe(issueApiKeyBody)) body: z.output<typeof issueApiKeyBody>,
  ) {
    const tenant = await this.tenancy.asOperator((scope) => tenants.findById(scope, tenantId));
    if (!tenant) throw problems.notFound('organisation');
    return this.tenancy.run(tenantId, async (scope) => {
      const issued = await this.apiKeys.issue(scope, body.name, body.scopes);
      await audit.record(scope, {
        actorType: 'operator',
        action: 'api-key.issued',
        targetType: 'api-key',
        targetId: issued.id,
        outcome: 'success',
        details: { name: body.name, scopes: body.scopes },
      });
      return { ...issued, scopes: body.scopes };
    });
  }

  /** After a new master key is put first in MASTER_KEYS: re-wrap every organisation's data keys with it. */
  @Post('master-keys/rewrap')
  @Operation('rewrapMasterKeys', "Re-wrap every organisation's data keys with the first master key")
  @Responds(200, rewrapResponse)
  @HttpCode(200)
  async rewrap() {
    const all = await this.tenancy.asOperator((scope) => tenants.list(scope));
    let rewrapped = 0;
    for (const tenant of all) rewrapped += await this.cipher.rewrap(tenant.id);
    return { organisations: all.length, rewrappedKeys: rewrapped };
  }
}
