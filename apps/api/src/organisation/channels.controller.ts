import { Body, Controller, Delete, Get, HttpCode, Logger, Param, Put, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { ChannelConfigError, ChannelRegistry, channelKinds } from '@verity/channel-sdk';
import { Tenancy, audit, channelSettings } from '@verity/db';
import { ChannelChanges, settingsContext } from '@verity/delivery';
import { TenantCipher } from '@verity/secrets';
import { z } from 'zod';
import { type AuthedRequest, TenantKeyGuard } from '../auth/guards.js';
import { ZodPipe, bodyDoc } from '../problem/zod.pipe.js';
import { DomainError, problems } from '../problem/problem.js';
import { RequireScope } from '../auth/scopes.js';
import { Operation, PathParam, Problems, Responds } from '../openapi/operation.js';
import { channelsResponse, savedChannelResponse } from './responses.js';

const kind = z.enum(
  channelKinds,
  `must be ${channelKinds.slice(0, -1).join(', ')} or ${channelKinds.at(-1)}`,
);
const settingBody = z
  .object({ provider: z.string().min(1).max(32), config: z.record(z.string(), z.unknown()) })
  .strict();

/**
 * The organisation's own senders: which provider carries each kind of message, with its credentials.
 * Settings are validated by the channel's own schema, stored encrypted, and never read back.
 */
@ApiTags('organisation')
@ApiBearerAuth()
@UseGuards(TenantKeyGuard)
@RequireScope('channels')
@Controller('v1/channels')
export class ChannelsController {
  private readonly logger = new Logger('channels');

  constructor(
    private readonly tenancy: Tenancy,
    private readonly cipher: TenantCipher,
    private readonly registry: ChannelRegistry,
    private readonly changes: ChannelChanges,
  ) {}

  @Get()
  @Operation('listChannels', "List the organisation's channels")
  @Responds(200, channelsResponse)
  list(@Req() request: AuthedRequest) {
    return this.tenancy.run(request.tenant!.tenantId, async (scope) => ({
      channels: (await channelSettings.all(scope)).map((s) => ({
        kind: s.kind,
        provider: s.provider,
        updatedAt: s.updatedAt,
      })),
    }));
  }

  @Put(':kind')
  @Operation('saveChannel', "Configure one of the organisation's channels")
  @Responds(200, savedChannelResponse)
  @Problems({ 422: ['channel-invalid', 'wrong-channel-kind'] })
  @PathParam('kind', kind)
  @ApiBody(bodyDoc(settingBody))
  async save(
    @Req() request: AuthedRequest,
    @Param('kind', new ZodPipe(kind)) which: z.output<typeof kind>,
    @Body(new ZodPipe(settingBody)) body: z.output<typeof settingBody>,
  ) {
    const { tenantId, keyId } = request.tenant!;
    try {
      const channel = this.registry.create(body.provider, body.config);
      await channel.close?.();
      if (channel.kind !== which) {
        throw new DomainError(
          422,
          'wrong-channel-kind',
          'Wrong kind of channel',
          `${body.provider} does not carry ${which} messages.`,
        );
      }
    } catch (error) {
      if (error instanceof ChannelConfigError) {
        throw new DomainError(
          422,
          'channel-invalid',
          'The channel settings have errors',
          error.problems.join('; '),
          error.problems.map((p) => ({ field: `config.${p.split(':')[0]}`, message: p })),
        );
      }
      throw error;
    }
    const configEnc = await this.cipher.encrypt(
      tenantId,
      settingsContext(which),
      JSON.stringify(body.config),
    );
    const saved = await this.tenancy.run(tenantId, async (scope) => {
      await channelSettings.save(scope, which, body.provider, configEnc);
      await audit.record(scope, {
        actorType: 'admin',
        actorId: `api-key:${keyId}`,
        action: 'channel.configured',
        targetType: 'channel',
        targetId: which,
        outcome: 'success',
        details: { provider: body.provider },
      });
      return { kind: which, provider: body.provider };
    });
    await this.announce(tenantId, which);
    return saved;
  }

  /** Back to the service's default channel for this kind. */
  @Delete(':kind')
  @Operation('removeChannel', "Remove the organisation's configuration of a channel")
  @Responds(204)
  @Problems({ 404: ['not-found'] })
  @PathParam('kind', kind)
  @HttpCode(204)
  async remove(
    @Req() request: AuthedRequest,
    @Param('kind', new ZodPipe(kind)) which: z.output<typeof kind>,
  ): Promise<void> {
    const { tenantId, keyId } = request.tenant!;
    await this.tenancy.run(tenantId, async (scope) => {
      if (!(await channelSettings.remove(scope, which))) throw problems.notFound('channel setting');
      await audit.record(scope, {
        actorType: 'admin',
        actorId: `api-key:${keyId}`,
        action: 'channel.removed',
        targetType: 'channel',
        targetId: which,
        outcome: 'success',
      });
    });
    await this.announce(tenantId, which);
  }

  /** Every process drops the settings replaced; if Redis cannot say so, they re-read them within 30 s. */
  private async announce(tenantId: string, which: string): Promise<void> {
    await this.changes.announce(tenantId, which).catch((error: unknown) => {
      this.logger.warn(`could not announce the ${which} settings change of ${tenantId}: ${String(error)}`);
    });
  }
}
