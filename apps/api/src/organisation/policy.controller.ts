import { Body, Controller, Get, HttpCode, Post, Put, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import {
  type Account as AccountRow,
  type Method,
  Tenancy,
  type TenantScope,
  accounts,
  audit,
  methods,
  tenants,
} from '@verity/db';
import {
  type Account,
  type Policy,
  compareReadiness,
  policyFrom,
  validatePolicyForSave,
} from '@verity/policy';
import { z } from 'zod';
import { type AuthedRequest, TenantKeyGuard } from '../auth/guards.js';
import { policyAccount } from '../methods/policy-account.js';
import { ZodPipe, bodyDoc } from '../problem/zod.pipe.js';
import { problems } from '../problem/problem.js';
import { RequireScope } from '../auth/scopes.js';
import { Operation, Problems, Responds } from '../openapi/operation.js';
import { dryRunResponse, policyResponse } from './responses.js';

const savePolicyBody = z
  .object({
    /** The version the administrator edited, so two administrators cannot overwrite each other. */
    expectedVersion: z.number().int().min(1),
    policy: z.record(z.string(), z.unknown()),
  })
  .strict();

const dryRunBody = z.object({ policy: z.record(z.string(), z.unknown()) }).strict();

/** The organisation's policy as the policy package sees each account: verified methods and their devices. */
function policyAccounts(rows: AccountRow[], registered: Method[]): Account[] {
  const byAccount = new Map<string, Method[]>();
  for (const m of registered) byAccount.set(m.accountId, [...(byAccount.get(m.accountId) ?? []), m]);
  return rows.map((a) => policyAccount(a, byAccount.get(a.id) ?? []));
}

async function allAccounts(scope: TenantScope): Promise<AccountRow[]> {
  const out: AccountRow[] = [];
  for (let offset = 0; ; offset += 1000) {
    const [page] = await accounts.list(scope, { limit: 1000, offset });
    out.push(...page);
    if (page.length < 1000) return out;
  }
}

function check(input: unknown): Policy {
  const result = validatePolicyForSave(input);
  if (result.ok) return result.policy;
  if (result.errors.length > 0)
    throw problems.policyInvalid(result.errors.map((e) => ({ field: e.path, message: e.message })));
  throw problems.policyUnsafe(result.unsafe.map((r) => ({ code: r.code, message: r.message })));
}

/** The organisation's policy: read it, dry-run a change against its staff, save it. */
@ApiTags('organisation')
@ApiBearerAuth()
@UseGuards(TenantKeyGuard)
@RequireScope('policy')
@Controller('v1/organisation/policy')
export class PolicyController {
  constructor(private readonly tenancy: Tenancy) {}

  @Get()
  @Operation('getPolicy', "Get the organisation's policy")
  @Responds(200, policyResponse)
  get(@Req() request: AuthedRequest) {
    return this.tenancy.run(request.tenant!.tenantId, async (scope) => {
      const tenant = await tenants.own(scope);
      return { version: tenant.policyVersion, policy: policyFrom(tenant.policy) };
    });
  }

  @Put()
  @Operation('savePolicy', "Replace the organisation's policy")
  @ApiBody(bodyDoc(savePolicyBody))
  @Responds(200, policyResponse)
  @Problems({ 409: ['stale'], 422: ['policy-invalid', 'policy-unsafe'] })
  save(
    @Req() request: AuthedRequest,
    @Body(new ZodPipe(savePolicyBody)) body: z.output<typeof savePolicyBody>,
  ) {
    const policy = check(body.policy);
    const { tenantId, keyId } = request.tenant!;
    return this.tenancy.run(tenantId, async (scope) => {
      const saved = await tenants.savePolicy(
        scope,
        policy as unknown as Record<string, unknown>,
        body.expectedVersion,
      );
      if (!saved) {
        throw problems.stale(
          `The policy has changed since version ${body.expectedVersion}. Reload it and make your change again.`,
        );
      }
      await audit.record(scope, {
        actorType: 'admin',
        actorId: `api-key:${keyId}`,
        action: 'policy.changed',
        targetType: 'tenant',
        targetId: tenantId,
        outcome: 'success',
        details: { fromVersion: body.expectedVersion, toVersion: body.expectedVersion + 1 },
      });
      return { version: body.expectedVersion + 1, policy };
    });
  }

  /** What the change would do: how many staff would be blocked, nudged or fine, per rule, before and after. */
  @Post('dry-run')
  @Operation('dryRunPolicy', 'Check a policy without saving it')
  @ApiBody(bodyDoc(dryRunBody))
  @Responds(200, dryRunResponse)
  @Problems({ 422: ['policy-invalid', 'policy-unsafe'] })
  @HttpCode(200)
  dryRun(@Req() request: AuthedRequest, @Body(new ZodPipe(dryRunBody)) body: z.output<typeof dryRunBody>) {
    const proposed = check(body.policy);
    return this.tenancy.run(request.tenant!.tenantId, async (scope) => {
      const current = policyFrom((await tenants.own(scope)).policy);
      const population = policyAccounts(await allAccounts(scope), await methods.allVerified(scope));
      return compareReadiness(population, current, proposed, { now: new Date() });
    });
  }
}
