import { Controller, Get, Inject, Query, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Tenancy, deliveries } from '@verity/db';
import { contentContext, recipientContext } from '@verity/delivery';
import { TenantCipher } from '@verity/secrets';
import { z } from 'zod';
import { type AuthedRequest, TenantKeyGuard } from '../auth/guards.js';
import { type ApiConfig, CONFIG } from '../config.js';
import { ZodPipe } from '../problem/zod.pipe.js';
import { problems } from '../problem/problem.js';
import { RequireScope } from '../auth/scopes.js';
import { Operation, Problems, QueryParams, Responds } from '../openapi/operation.js';
import { sandboxMessagesResponse } from './responses.js';

const inboxQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }).strict();

/** The developer inbox: what the sandbox channel would have sent, newest first. */
@ApiTags('sandbox')
@ApiBearerAuth()
@UseGuards(TenantKeyGuard)
@RequireScope('sandbox')
@Controller('v1/sandbox')
export class SandboxController {
  constructor(
    private readonly tenancy: Tenancy,
    private readonly cipher: TenantCipher,
    @Inject(CONFIG) private readonly config: ApiConfig,
  ) {}

  @Get('messages')
  @Operation('listSandboxMessages', 'List the messages the sandbox channel kept')
  @QueryParams(inboxQuery)
  @Responds(200, sandboxMessagesResponse)
  @Problems({ 404: ['not-found'] })
  messages(
    @Req() request: AuthedRequest,
    @Query(new ZodPipe(inboxQuery)) query: z.output<typeof inboxQuery>,
  ) {
    if (!this.config.SANDBOX_INBOX || this.config.NODE_ENV === 'production')
      throw problems.notFound('developer inbox');
    const { tenantId } = request.tenant!;
    return this.tenancy.run(tenantId, async (scope) => {
      const rows = await deliveries.listByProvider(scope, 'sandbox', query.limit);
      const messages = await Promise.all(
        rows.map(async (d) => ({
          id: d.id,
          channel: d.channel,
          status: d.status,
          to: await this.cipher.decryptText(tenantId, recipientContext(d.idempotencyKey), d.recipientEnc),
          content: JSON.parse(
            await this.cipher.decryptText(tenantId, contentContext(d.idempotencyKey), d.contentEnc),
          ),
          createdAt: d.createdAt,
          sentAt: d.sentAt,
        })),
      );
      return { messages };
    });
  }
}
