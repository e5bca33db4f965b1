import {
  Body,
  Controller,
  Get,
  Header,
  Headers,
  HttpCode,
  Param,
  Post,
  Put,
  Delete,
  Query,
  Req,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiTags } from '@nestjs/swagger';
import { Tenancy, type TenantScope, accounts, audit, methods, rememberedDevices } from '@verity/db';
import { z } from 'zod';
import { uuidParam } from '../admin/schemas.js';
import { type AuthedRequest, TenantKeyGuard } from '../auth/guards.js';
import { problems } from '../problem/problem.js';
import { ZodPipe, bodyDoc } from '../problem/zod.pipe.js';
import { SESSION_HEADER } from '../sessions/session-token.js';
import { ChallengeService } from './challenge.service.js';
import { DeviceService } from './device.service.js';
import { ResultSigner } from './result-signer.js';
import { AppPasswords } from './app-passwords.js';
import {
  type StartBody,
  activateBody,
  createAppPasswordBody,
  legacyVerifyBody,
  challengeBody,
  proofHeader,
  startBody,
  statusQuery,
  verifyBody,
} from './schemas.js';
import { SignInService } from './sign-in.service.js';
import { ClientAddressIn, RequireScope } from '../auth/scopes.js';
import { Operation, Problems, Responds } from '../openapi/operation.js';
import {
  appPasswordListResponse,
  createdAppPasswordResponse,
  activationResponse,
  deactivatedResponse,
  deviceActivatedResponse,
  deviceAnswerResponse,
  deviceChallengesResponse,
  jwksResponse,
  legacyVerifyResponse,
  pushTokenResponse,
  signInChallengeResponse,
  signInStartResponse,
  signInStatusResponse,
  signInVerifiedResponse,
} from './responses.js';

/** A step-up flow (POST /v1/session/step-up) is used with the token of the session it re-authenticates. */
const stepUpSession = {
  name: 'Verity-Session',
  required: false,
  description: 'For a step-up flow only: the token of the session it re-authenticates',
};

/**
 * Sign-in for relying applications (the portal is one): password, then the second factor the organisation's
 * policy asks for, then a signed result. Called with the organisation's API key.
 */
@ApiTags('sign-in')
@ApiBearerAuth()
@UseGuards(TenantKeyGuard)
@RequireScope('sign-in')
@Controller('v1')
export class SignInController {
  constructor(
    private readonly signIn: SignInService,
    private readonly challenges: ChallengeService,
    private readonly devices: DeviceService,
    private readonly tenancy: Tenancy,
  ) {}

  @Post('sign-in')
  @Operation('startSignIn', 'Start a sign-in with a username and password')
  @Responds(200, signInStartResponse)
  @Problems({ 401: ['invalid-credentials'], 429: ['too-many-attempts'] })
  @ClientAddressIn('client')
  @HttpCode(200)
  @ApiBody(bodyDoc(startBody))
  start(@Req() request: AuthedRequest, @Body(new ZodPipe(startBody)) body: StartBody) {
    return this.signIn.start(request.tenant!.tenantId, body, body.client);
  }

  @Get('sign-in/:flowId')
  @Operation('getSignIn', "Get a sign-in's state")
  @Responds(200, signInStatusResponse)
  @Problems({
    401: ['session-expired'],
    404: ['flow-not-found'],
    409: ['flow-step'],
    423: ['factor-locked'],
  })
  @Header('cache-control', 'no-store')
  @ApiHeader(stepUpSession)
  status(
    @Req() request: AuthedRequest,
    @Param('flowId', new ZodPipe(uuidParam)) flowId: string,
    @Query(new ZodPipe(statusQuery)) query: z.output<typeof statusQuery>,
    @Headers(SESSION_HEADER) sessionToken: string | undefined,
  ) {
    return this.signIn.status(request.tenant!.tenantId, flowId, {
      rememberDevice: query.rememberDevice,
      sessionToken,
    });
  }

  @Post('sign-in/:flowId/challenges')
  @Operation('createSignInChallenge', 'Issue a challenge for one of the methods offered')
  @Responds(201, signInChallengeResponse)
  @Problems({
    401: ['session-expired'],
    403: ['push-stopped'],
    404: ['flow-not-found'],
    409: ['flow-step'],
    422: ['method-not-offered'],
    423: ['factor-locked'],
    429: ['push-limited', 'resend-too-soon', 'too-many-attempts'],
  })
  @ApiBody(bodyDoc(challengeBody))
  @ApiHeader(stepUpSession)
  challenge(
    @Req() request: AuthedRequest,
    @Param('flowId', new ZodPipe(uuidParam)) flowId: string,
    @Body(new ZodPipe(challengeBody)) body: z.output<typeof challengeBody>,
    @Headers(SESSION_HEADER) sessionToken: string | undefined,
  ) {
    return this.challenges.create(request.tenant!.tenantId, flowId, body.methodId, sessionToken);
  }

  @Post('sign-in/:flowId/challenges/:challengeId/verify')
  @Operation('verifySignInChallenge', 'Answer a challenge')
  @Responds(200, signInVerifiedResponse)
  @Problems({
    400: ['wrong-code'],
    401: ['session-expired'],
    404: ['flow-not-found'],
    409: ['code-already-used', 'flow-step'],
    410: ['challenge-over'],
    422: ['method-not-offered'],
    423: ['factor-locked'],
    429: ['too-many-attempts'],
  })
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @ApiBody(bodyDoc(verifyBody))
  @ApiHeader(stepUpSession)
  verify(
    @Req() request: AuthedRequest,
    @Param('flowId', new ZodPipe(uuidParam)) flowId: string,
    @Param('challengeId', new ZodPipe(uuidParam)) challengeId: string,
    @Body(new ZodPipe(verifyBody)) body: z.output<typeof verifyBody>,
    @Headers(SESSION_HEADER) sessionToken: string | undefined,
  ) {
    return this.challenges.verify(request.tenant!.tenantId, flowId, challengeId, body, sessionToken);
  }

  /** The activation link for the registration QR code of an authenticator app. */
  @Post('accounts/:accountId/authenticator-activations')
  @Operation('createAuthenticatorActivation', "Start an authenticator app's activation (the QR code's link)")
  @Responds(201, activationResponse)
  @Problems({ 404: ['not-found'] })
  @RequireScope('devices')
  activation(@Req() request: AuthedRequest, @Param('accountId', new ZodPipe(uuidParam)) accountId: string) {
    return this.tenancy.run(request.tenant!.tenantId, async (scope) => {
      if (!(await accounts.findById(scope, accountId))) throw problems.notFound('account');
      return this.devices.startActivation(scope, accountId, this.signIn.publicUrl);
    });
  }
}

/** The authenticator app signs each request with its device key. */
const deviceProof = {
  name: 'Device-Proof',
  required: true,
  description: "A JWT signed with the device's own key (ES256), naming the request",
};

const proofOf = (header: string | undefined): string => new ZodPipe(proofHeader).transform(header);

/** An administrator's actions after a lockout or a fraud report (the organisation's console key). */
@ApiTags('sign-in')
@ApiBearerAuth()
@UseGuards(TenantKeyGuard)
@RequireScope('people')
@Controller('v1/accounts/:accountId')
export class AccountSecurityController {
  constructor(private readonly tenancy: Tenancy) {}

  /** Lifts a factor's lock before its back-off runs out. */
  @Post('methods/:methodId/unlock')
  @Operation('unlockMethod', "Lift a method's lock before its back-off runs out")
  @Responds(204)
  @Problems({ 404: ['not-found'] })
  @HttpCode(204)
  async unlock(
    @Req() request: AuthedRequest,
    @Param('accountId', new ZodPipe(uuidParam)) accountId: string,
    @Param('methodId', new ZodPipe(uuidParam)) methodId: string,
  ) {
    await this.act(
      request,
      accountId,
      'factor.unlocked',
      async (scope) =>
        (await methods.findOfAccount(scope, accountId, methodId)) !== null && methods.unlock(scope, methodId),
    );
  }

  /** After review of a fraud report: the account may sign in and receive pushes again. */
  @Post('risk/clear')
  @Operation('clearAccountRisk', "Clear an account's risk after a fraud report")
  @Responds(204)
  @Problems({ 404: ['not-found'] })
  @HttpCode(204)
  async clearRisk(
    @Req() request: AuthedRequest,
    @Param('accountId', new ZodPipe(uuidParam)) accountId: string,
  ) {
    await this.act(request, accountId, 'account.risk_cleared', (scope) =>
      accounts.clearRisk(scope, accountId),
    );
  }

  /** Every "don't ask again" of the account stops working. */
  @Delete('remembered-devices')
  @Operation('forgetRememberedDevices', "Forget an account's remembered devices")
  @Responds(204)
  @Problems({ 404: ['not-found'] })
  @RequireScope('devices')
  @HttpCode(204)
  async forget(@Req() request: AuthedRequest, @Param('accountId', new ZodPipe(uuidParam)) accountId: string) {
    await this.act(request, accountId, 'remembered_devices.revoked', async (scope) => {
      await rememberedDevices.revokeAll(scope, accountId);
      return true;
    });
  }

  private act(
    request: AuthedRequest,
    accountId: string,
    action: string,
    change: (scope: TenantScope) => Promise<boolean>,
  ) {
    const { tenantId, keyId } = request.tenant!;
    return this.tenancy.run(tenantId, async (scope) => {
      if (!(await accounts.findById(scope, accountId)) || !(await change(scope)))
        throw problems.notFound('account or method in that state');
      await audit.record(scope, {
        actorType: 'admin',
        actorId: `api-key:${keyId}`,
        action,
        targetType: 'account',
        targetId: accountId,
        outcome: 'success',
      });
    });
  }
}

/** App passwords of an account, and the one endpoint where they work (old mail clients' servers). */
@ApiTags('app passwords')
@ApiBearerAuth()
@UseGuards(TenantKeyGuard)
@RequireScope('people')
@Controller('v1')
export class AppPasswordsController {
  constructor(private readonly appPasswords: AppPasswords) {}

  @Post('accounts/:accountId/app-passwords')
  @Operation('createAppPassword', 'Create an app password for an account')
  @Responds(201, createdAppPasswordResponse)
  @Problems({ 404: ['not-found'], 422: ['method-refused'] })
  @ApiBody(bodyDoc(createAppPasswordBody))
  create(
    @Req() request: AuthedRequest,
    @Param('accountId', new ZodPipe(uuidParam)) accountId: string,
    @Body(new ZodPipe(createAppPasswordBody)) body: z.output<typeof createAppPasswordBody>,
  ) {
    return this.appPasswords.create(request.tenant!.tenantId, accountId, body);
  }

  @Get('accounts/:accountId/app-passwords')
  @Operation('listAppPasswords', "List an account's app passwords")
  @Responds(200, appPasswordListResponse)
  @Problems({ 404: ['not-found'] })
  list(@Req() request: AuthedRequest, @Param('accountId', new ZodPipe(uuidParam)) accountId: string) {
    return this.appPasswords.list(request.tenant!.tenantId, accountId);
  }

  @Delete('accounts/:accountId/app-passwords/:id')
  @Operation('revokeAppPassword', 'Revoke an app password')
  @Responds(204)
  @Problems({ 404: ['not-found'] })
  @HttpCode(204)
  async revoke(
    @Req() request: AuthedRequest,
    @Param('accountId', new ZodPipe(uuidParam)) accountId: string,
    @Param('id', new ZodPipe(uuidParam)) id: string,
  ) {
    await this.appPasswords.revoke(request.tenant!.tenantId, accountId, id);
  }

  @Post('legacy/verify')
  @Operation('verifyLegacyPassword', 'Verify a username and app password (legacy clients)')
  @Responds(200, legacyVerifyResponse)
  @Problems({ 401: ['invalid-credentials'], 429: ['too-many-attempts'] })
  @RequireScope('sign-in')
  @ClientAddressIn('ip')
  @HttpCode(200)
  @ApiBody(bodyDoc(legacyVerifyBody))
  verify(
    @Req() request: AuthedRequest,
    @Body(new ZodPipe(legacyVerifyBody)) body: z.output<typeof legacyVerifyBody>,
  ) {
    return this.appPasswords.verify(request.tenant!.tenantId, body);
  }
}

/** The authenticator app's API: activation, then requests signed with the device's own key (Device-Proof). */
@ApiTags('authenticator devices')
@Controller('v1/devices/:organisation/:deviceId')
export class DevicesController {
  constructor(private readonly devices: DeviceService) {}

  @Post('activate')
  @Operation('activateDevice', 'Activate an authenticator device')
  @Responds(200, deviceActivatedResponse)
  @Problems({ 400: ['activation-failed'] })
  @HttpCode(200)
  @ApiBody(bodyDoc(activateBody))
  activate(
    @Param('organisation') organisation: string,
    @Param('deviceId', new ZodPipe(uuidParam)) deviceId: string,
    @Body(new ZodPipe(activateBody)) body: z.output<typeof activateBody>,
  ) {
    return this.devices.activate(organisation, deviceId, body);
  }

  @Get('challenges')
  @Operation('listDeviceChallenges', 'List the push challenges waiting for a device')
  @ApiHeader(deviceProof)
  @Responds(200, deviceChallengesResponse)
  @Problems({ 401: ['device-proof'] })
  pending(
    @Param('organisation') organisation: string,
    @Param('deviceId', new ZodPipe(uuidParam)) deviceId: string,
    @Headers('device-proof') proof: string | undefined,
  ) {
    return this.devices.pending(organisation, deviceId, proofOf(proof));
  }

  @Post('challenges/:challengeId/answer')
  @Operation('answerDeviceChallenge', 'Approve or deny a push challenge')
  @ApiHeader(deviceProof)
  @Responds(200, deviceAnswerResponse)
  @Problems({ 401: ['device-proof'], 404: ['not-found'], 410: ['challenge-over'] })
  @HttpCode(200)
  answer(
    @Param('organisation') organisation: string,
    @Param('deviceId', new ZodPipe(uuidParam)) deviceId: string,
    @Param('challengeId', new ZodPipe(uuidParam)) challengeId: string,
    @Headers('device-proof') proof: string | undefined,
  ) {
    return this.devices.answer(organisation, deviceId, challengeId, proofOf(proof));
  }

  @Put('push-token')
  @Operation('setDevicePushToken', "Set a device's push token")
  @ApiHeader(deviceProof)
  @Responds(200, pushTokenResponse)
  @Problems({ 401: ['device-proof'] })
  pushToken(
    @Param('organisation') organisation: string,
    @Param('deviceId', new ZodPipe(uuidParam)) deviceId: string,
    @Headers('device-proof') proof: string | undefined,
  ) {
    return this.devices.updatePushToken(organisation, deviceId, proofOf(proof));
  }

  @Delete()
  @Operation('deactivateDevice', 'Deactivate a device')
  @ApiHeader(deviceProof)
  @Responds(200, deactivatedResponse)
  @Problems({ 401: ['device-proof'] })
  deactivate(
    @Param('organisation') organisation: string,
    @Param('deviceId', new ZodPipe(uuidParam)) deviceId: string,
    @Headers('device-proof') proof: string | undefined,
  ) {
    return this.devices.deactivate(organisation, deviceId, proofOf(proof));
  }
}

/** The keys that verify sign-in results. */
@ApiTags('sign-in')
@Controller('.well-known')
export class KeysController {
  constructor(private readonly signer: ResultSigner) {}

  @Get('jwks.json')
  @Operation('getSigningKeys', 'Get the public keys that verify sign-in results (JWKS)')
  @Responds(200, jwksResponse)
  jwks() {
    return this.signer.jwks();
  }
}
