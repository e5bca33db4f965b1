import { Body, Controller, Delete, Get, HttpCode, Post, Put, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { Tenancy, audit, directorySettings } from '@verity/db';
import { ldapDirectorySettings } from '@verity/directory';
import { TenantCipher } from '@verity/secrets';
import { z } from 'zod';
import { type AuthedRequest, TenantKeyGuard } from '../auth/guards.js';
import { problems } from '../problem/problem.js';
import { ZodPipe, bodyDoc } from '../problem/zod.pipe.js';
import { DIRECTORY_CONTEXT, Writeback, directoryProblem } from '../sspr/writeback.js';
import { RequireScope } from '../auth/scopes.js';
import { Operation, Problems, Responds } from '../openapi/operation.js';
import { directoryResponse, savedDirectoryResponse } from './responses.js';

const directoryBody = z.strictObject({ kind: z.literal('ldap'), settings: ldapDirectorySettings });

/**
 * The organisation's own directory, where reset passwords are written back (Active Directory or OpenLDAP over
 * LDAP). The service account's password is stored encrypted and never shown again.
 */
@ApiTags('organisation')
@ApiBearerAuth()
@UseGuards(TenantKeyGuard)
@RequireScope('directory')
@Controller('v1/organisation/directory')
export class DirectoryController {
  constructor(
    private readonly tenancy: Tenancy,
    private readonly cipher: TenantCipher,
    private readonly writeback: Writeback,
  ) {}

  @Get()
  @Operation('getDirectory', "Get the organisation's directory connection (password writeback)")
  @Responds(200, directoryResponse)
  @Problems({ 404: ['not-found'] })
  get(@Req() request: AuthedRequest) {
    return this.tenancy.run(request.tenant!.tenantId, async (scope) => {
      const saved = await directorySettings.find(scope);
      if (!saved) throw problems.notFound('directory');
      const { bindPassword: _secret, ...settings } = JSON.parse(
        await this.cipher.decryptText(scope.tenantId, DIRECTORY_CONTEXT, saved.settingsEnc),
      ) as Record<string, unknown>;
      return { kind: saved.kind, settings, updatedAt: saved.updatedAt };
    });
  }

  @Put()
  @Operation('saveDirectory', "Configure the organisation's directory connection")
  @Responds(200, savedDirectoryResponse)
  @ApiBody(bodyDoc(directoryBody))
  async save(
    @Req() request: AuthedRequest,
    @Body(new ZodPipe(directoryBody)) body: z.output<typeof directoryBody>,
  ) {
    const { tenantId, keyId } = request.tenant!;
    const settingsEnc = await this.cipher.encrypt(tenantId, DIRECTORY_CONTEXT, JSON.stringify(body.settings));
    return this.tenancy.run(tenantId, async (scope) => {
      await directorySettings.save(scope, body.kind, settingsEnc);
      await audit.record(scope, {
        actorType: 'admin',
        actorId: `api-key:${keyId}`,
        action: 'directory.configured',
        targetType: 'tenant',
        targetId: tenantId,
        outcome: 'success',
        details: { kind: body.kind, url: body.settings.url, flavour: body.settings.flavour },
      });
      return { kind: body.kind };
    });
  }

  /** Binds with the saved settings: 204 when the directory answers, otherwise what is wrong. */
  @Post('check')
  @Operation('checkDirectory', 'Check the directory connection')
  @Responds(204, undefined, 'The directory answers')
  @Problems({
    404: ['not-found'],
    409: ['directory-account-missing'],
    422: ['directory-refused'],
    503: ['directory-misconfigured', 'directory-unavailable'],
  })
  @HttpCode(204)
  async check(@Req() request: AuthedRequest) {
    const connector = await this.tenancy.run(request.tenant!.tenantId, (scope) =>
      this.writeback.connector(scope),
    );
    if (!connector) throw problems.notFound('directory');
    try {
      await connector.check();
    } catch (error) {
      throw directoryProblem(error);
    } finally {
      await connector.close();
    }
  }

  /** No more writeback: Verity's password is the only one. */
  @Delete()
  @Operation('removeDirectory', "Remove the organisation's directory connection")
  @Responds(204)
  @Problems({ 404: ['not-found'] })
  @HttpCode(204)
  async remove(@Req() request: AuthedRequest) {
    const { tenantId, keyId } = request.tenant!;
    await this.tenancy.run(tenantId, async (scope) => {
      if (!(await directorySettings.remove(scope))) throw problems.notFound('directory');
      await audit.record(scope, {
        actorType: 'admin',
        actorId: `api-key:${keyId}`,
        action: 'directory.removed',
        targetType: 'tenant',
        targetId: tenantId,
        outcome: 'success',
      });
    });
  }
}
