import { Body, Controller, Get, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { type Account, Tenancy, accounts, audit, tenants } from '@verity/db';
import { TenantCipher } from '@verity/secrets';
import { z } from 'zod';
import { CONTACT_EMAIL_CONTEXT, Onboarding } from '../admin/onboarding.service.js';
import { type CreateAccountBody, createAccountBody, page, uuidParam } from '../admin/schemas.js';
import { type AuthedRequest, TenantKeyGuard } from '../auth/guards.js';
import { ZodPipe, bodyDoc } from '../problem/zod.pipe.js';
import { problems } from '../problem/problem.js';
import { AREA_SCOPES, RequireScope } from '../auth/scopes.js';
import { Operation, Problems, QueryParams, Responds } from '../openapi/operation.js';
import {
  accountDetailResponse,
  accountListResponse,
  accountResponse,
  auditEventsResponse,
  organisationResponse,
} from './responses.js';

function accountView(a: Account) {
  return {
    id: a.id,
    username: a.username,
    displayName: a.displayName,
    roles: a.roles,
    elevated: a.elevated,
    hybrid: a.hybrid,
    status: a.status,
    registrationState: a.registrationState,
    createdAt: a.createdAt,
  };
}

const auditQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }).strict();

/** The organisation's own API, for its console and its relying applications (per-organisation keys). */
@ApiTags('organisation')
@ApiBearerAuth()
@UseGuards(TenantKeyGuard)
@RequireScope('people')
@Controller('v1')
export class OrganisationController {
  constructor(
    private readonly tenancy: Tenancy,
    private readonly onboarding: Onboarding,
    private readonly cipher: TenantCipher,
  ) {}

  @Get('organisation')
  @Operation('getOrganisation', "Get the organisation's name and policy")
  @Responds(200, organisationResponse)
  @RequireScope(...AREA_SCOPES)
  organisation(@Req() request: AuthedRequest) {
    return this.tenancy.run(request.tenant!.tenantId, async (scope) => {
      const t = await tenants.own(scope);
      return {
        id: t.id,
        slug: t.slug,
        name: t.name,
        emailDomains: t.emailDomains,
        policyVersion: t.policyVersion,
        policy: t.policy,
      };
    });
  }

  @Get('accounts')
  @Operation('listAccounts', 'List accounts')
  @QueryParams(page)
  @Responds(200, accountListResponse)
  list(@Req() request: AuthedRequest, @Query(new ZodPipe(page)) query: z.output<typeof page>) {
    return this.tenancy.run(request.tenant!.tenantId, async (scope) => {
      const [rows, total] = await accounts.list(scope, query);
      return { accounts: rows.map(accountView), total, limit: query.limit, offset: query.offset };
    });
  }

  @Post('accounts')
  @Operation('createAccount', 'Create an account')
  @Responds(201, accountResponse)
  @Problems({ 409: ['conflict'] })
  @ApiBody(bodyDoc(createAccountBody))
  create(@Req() request: AuthedRequest, @Body(new ZodPipe(createAccountBody)) body: CreateAccountBody) {
    const { tenantId, keyId } = request.tenant!;
    return this.tenancy.run(tenantId, async (scope) =>
      accountView(
        await this.onboarding.createAccount(scope, body, { actorType: 'admin', actorId: `api-key:${keyId}` }),
      ),
    );
  }

  @Get('accounts/:accountId')
  @Operation('getAccount', 'Get an account')
  @Responds(200, accountDetailResponse)
  @Problems({ 404: ['not-found'] })
  get(@Req() request: AuthedRequest, @Param('accountId', new ZodPipe(uuidParam)) accountId: string) {
    const { tenantId } = request.tenant!;
    return this.tenancy.run(tenantId, async (scope) => {
      const account = await accounts.findById(scope, accountId);
      if (!account) throw problems.notFound('account');
      const contactEmail = account.contactEmailEnc
        ? await this.cipher.decryptText(tenantId, CONTACT_EMAIL_CONTEXT, account.contactEmailEnc)
        : null;
      return { ...accountView(account), contactEmail };
    });
  }

  @Get('audit-events')
  @Operation('listAuditEvents', 'List the latest audit events')
  @QueryParams(auditQuery)
  @Responds(200, auditEventsResponse)
  @RequireScope('audit')
  events(@Req() request: AuthedRequest, @Query(new ZodPipe(auditQuery)) query: z.output<typeof auditQuery>) {
    return this.tenancy.run(request.tenant!.tenantId, async (scope) => ({
      events: await audit.list(scope, query.limit),
    }));
  }
}
