import { Controller, Get, Query, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Tenancy, deliveries } from '@verity/db';
import { z } from 'zod';
import { type AuthedRequest, TenantKeyGuard } from '../auth/guards.js';
import { ZodPipe } from '../problem/zod.pipe.js';
import { RequireScope } from '../auth/scopes.js';
import { Operation, QueryParams, Responds } from '../openapi/operation.js';
import { deliveriesResponse } from './responses.js';

const deliveriesQuery = z
  .object({
    status: z.enum(['queued', 'sending', 'sent', 'delivered', 'failed']).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

/** What left, or failed to leave, through which channel: for the organisation's service desk. Never the content. */
@ApiTags('organisation')
@ApiBearerAuth()
@UseGuards(TenantKeyGuard)
@RequireScope('channels')
@Controller('v1/deliveries')
export class DeliveriesController {
  constructor(private readonly tenancy: Tenancy) {}

  @Get()
  @Operation('listDeliveries', 'List deliveries (never their content)')
  @QueryParams(deliveriesQuery)
  @Responds(200, deliveriesResponse)
  list(
    @Req() request: AuthedRequest,
    @Query(new ZodPipe(deliveriesQuery)) query: z.output<typeof deliveriesQuery>,
  ) {
    return this.tenancy.run(request.tenant!.tenantId, async (scope) => ({
      deliveries: (await deliveries.list(scope, query)).map((d) => ({
        id: d.id,
        channel: d.channel,
        provider: d.provider,
        status: d.status,
        attempts: d.attempts,
        errorCode: d.errorCode,
        providerMessageId: d.providerMessageId,
        challengeId: d.challengeId,
        createdAt: d.createdAt,
        sentAt: d.sentAt,
      })),
    }));
  }
}
