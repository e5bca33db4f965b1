import {
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Param,
  type PipeTransform,
  Post,
  Req,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  type Account,
  type TenantScope,
  Tenancy,
  accounts,
  audit,
  devices,
  isUuid,
  methods,
  rememberedDevices,
  sessions,
} from '@verity/db';
import { TenantCipher } from '@verity/secrets';
import { type AuthedRequest, TenantKeyGuard } from '../auth/guards.js';
import { type DomainError, problems } from '../problem/problem.js';
import { adminMethodView, countByType, deleteMethod, strongestFirst } from './account-methods.service.js';
import { RequireScope } from '../auth/scopes.js';
import { Operation, Problems, Responds } from '../openapi/operation.js';
import { adminMethodListResponse } from '../sign-in/responses.js';

const NO_ACCOUNT = 'account';
const NO_METHOD = 'account or method';

/** An id that is not a UUID is answered like one that does not exist: the same 404. */
class KnownId implements PipeTransform<unknown, string> {
  constructor(private readonly missing: () => DomainError) {}

  transform(value: unknown): string {
    if (!isUuid(value)) throw this.missing();
    return value;
  }
}
const knownId = (what: string) => new KnownId(() => problems.notFound(what));

/**
 * An administrator's actions on a person's security info (the organisation's console key), each in one
 * transaction with the account's row locked, and each audited with the key that did it. No secret of a method
 * is ever answered or audited: phone numbers and addresses are masked, other details are not opened.
 */
@ApiTags('security info (administrators)')
@ApiBearerAuth()
@UseGuards(TenantKeyGuard)
@RequireScope('people')
@Controller('v1/accounts/:accountId')
export class AccountMethodsController {
  constructor(
    private readonly tenancy: Tenancy,
    private readonly cipher: TenantCipher,
  ) {}

  /** The account's verified methods (app passwords too), strongest first, and where its registration stands. */
  @Get('methods')
  @Operation('listAccountMethods', "List an account's methods")
  @Responds(200, adminMethodListResponse)
  @Problems({ 404: ['not-found'] })
  @Header('cache-control', 'no-store')
  list(@Req() request: AuthedRequest, @Param('accountId', knownId(NO_ACCOUNT)) id: string) {
    return this.tenancy.run(request.tenant!.tenantId, async (scope) => {
      const account = await accounts.findById(scope, id);
      if (!account) throw problems.notFound(NO_ACCOUNT);
      const now = Date.now();
      const rows = strongestFirst(await methods.verifiedOf(scope, id));
      return {
        methods: await Promise.all(rows.map((m) => adminMethodView(this.cipher, m, now))),
        registrationState: account.registrationState,
        snoozedUntil: account.snoozedUntil,
      };
    });
  }

  /**
   * Deletes any one method, whatever the policy's minimum (the person is asked to register again at the next
   * sign-in). An authenticator app's push method takes its device (deactivated) and that device's code method
   * with it. When the default went, the strongest remaining method that may be a default becomes the default.
   */
  @Delete('methods/:methodId')
  @Operation('removeAccountMethod', "Remove one of an account's methods")
  @Responds(204)
  @Problems({ 404: ['not-found'] })
  @HttpCode(204)
  async remove(
    @Req() request: AuthedRequest,
    @Param('accountId', knownId(NO_METHOD)) id: string,
    @Param('methodId', knownId(NO_METHOD)) methodId: string,
  ) {
    await this.asAdministrator(request, id, NO_METHOD, 'method.deleted_by_admin', async (scope, account) => {
      const method = await methods.findOfAccount(scope, id, methodId);
      if (!method) throw problems.notFound(NO_METHOD);
      const deleted = await deleteMethod(scope, this.cipher, account, method);
      return { methodId, type: method.type, ...deleted };
    });
  }

  /**
   * The person must register again: every MFA method (all but app passwords) is deleted, the account's
   * authenticator devices deactivated, its remembered devices revoked and its sessions ended, and the
   * registration starts over with no snoozes used; the next sign-in, after the password, goes to the wizard.
   */
  @Post('require-registration')
  @Operation('requireRegistration', 'Require an account to register its methods again')
  @Responds(204)
  @Problems({ 404: ['not-found'] })
  @HttpCode(204)
  async requireRegistration(
    @Req() request: AuthedRequest,
    @Param('accountId', knownId(NO_ACCOUNT)) id: string,
  ) {
    await this.asAdministrator(request, id, NO_ACCOUNT, 'registration.required_by_admin', async (scope) => {
      const deleted = await methods.removeAllOfAccountExcept(scope, id, ['app_password']);
      const devicesDeactivated = await devices.deactivateAllOf(scope, id);
      const rememberedDevicesRevoked = await rememberedDevices.revokeAll(scope, id);
      // what the administrator's revoke-all of sessions does (SessionsService.revokeAll), in this transaction
      const sessionsRevoked = await sessions.revokeAllOf(scope, id, 'revoked_by_admin');
      await accounts.requireRegistration(scope, id);
      return {
        methodsDeleted: deleted.length,
        methodsDeletedByType: countByType(deleted),
        devicesDeactivated,
        rememberedDevicesRevoked,
        sessionsRevoked,
      };
    });
  }

  /** Every app password of the account stops working. */
  @Delete('app-passwords')
  @Operation('revokeAllAppPasswords', 'Revoke every app password of an account')
  @Responds(204)
  @Problems({ 404: ['not-found'] })
  @HttpCode(204)
  async revokeAppPasswords(
    @Req() request: AuthedRequest,
    @Param('accountId', knownId(NO_ACCOUNT)) id: string,
  ) {
    await this.asAdministrator(request, id, NO_ACCOUNT, 'app_passwords.revoked_by_admin', async (scope) => {
      let appPasswordsRevoked = 0;
      for (const m of await methods.ofType(scope, id, 'app_password'))
        if (await methods.remove(scope, id, m.id)) appPasswordsRevoked += 1;
      return { appPasswordsRevoked };
    });
  }

  /**
   * The change, in one transaction with the account's row locked (so an administrator's changes to one account
   * happen one at a time), and its audit row with the key as the actor; 404 when the account is not this
   * organisation's.
   */
  private asAdministrator(
    request: AuthedRequest,
    id: string,
    missing: string,
    action: string,
    change: (scope: TenantScope, account: Account) => Promise<Record<string, unknown>>,
  ): Promise<void> {
    const { tenantId, keyId } = request.tenant!;
    return this.tenancy.run(tenantId, async (scope) => {
      const account = await accounts.findForUpdate(scope, id);
      if (!account) throw problems.notFound(missing);
      const details = await change(scope, account);
      await audit.record(scope, {
        actorType: 'admin',
        actorId: `api-key:${keyId}`,
        action,
        targetType: 'account',
        targetId: id,
        outcome: 'success',
        details,
      });
    });
  }
}
