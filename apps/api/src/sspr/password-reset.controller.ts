import { Body, Controller, Get, Header, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { uuidParam } from '../admin/schemas.js';
import { type AuthedRequest, TenantKeyGuard } from '../auth/guards.js';
import { ZodPipe, bodyDoc } from '../problem/zod.pipe.js';
import { PasswordResets } from './password-reset.service.js';
import { captchaBody, gateAnswerBody, gateBody, passwordBody, startResetBody } from './schemas.js';
import { ClientAddressIn, RequireScope } from '../auth/scopes.js';
import { Operation, Problems, Responds } from '../openapi/operation.js';
import {
  passwordCheckResponse,
  resetChallengeResponse,
  resetCompleteResponse,
  resetStartedResponse,
  resetStatusResponse,
  resetVerifiedResponse,
} from './responses.js';

/**
 * "Forgot my password" (self-service password reset), called by the portal with the organisation's key: the
 * username, the CAPTCHA, one or two checks, the new password. Every answer is the same whether or not the
 * username can reset.
 */
@ApiTags('password reset')
@ApiBearerAuth()
@UseGuards(TenantKeyGuard)
@RequireScope('password-reset')
@Controller('v1/password-reset')
export class PasswordResetController {
  constructor(private readonly resets: PasswordResets) {}

  @Post()
  @Operation('startPasswordReset', 'Start a self-service password reset')
  @Responds(201, resetStartedResponse, 'Always, whether or not the username can reset')
  @Problems({ 429: ['too-many-attempts'] })
  @ClientAddressIn('client')
  @Header('cache-control', 'no-store')
  @ApiBody(bodyDoc(startResetBody))
  start(
    @Req() request: AuthedRequest,
    @Body(new ZodPipe(startResetBody)) body: z.output<typeof startResetBody>,
  ) {
    return this.resets.start(request.tenant!.tenantId, body, body.client);
  }

  @Get(':flowId')
  @Operation('getPasswordReset', "Get a password reset's state")
  @Responds(200, resetStatusResponse)
  @Problems({ 404: ['reset-not-found'] })
  @Header('cache-control', 'no-store')
  status(@Req() request: AuthedRequest, @Param('flowId', new ZodPipe(uuidParam)) flowId: string) {
    return this.resets.status(request.tenant!.tenantId, flowId);
  }

  @Post(':flowId/captcha')
  @Operation('solvePasswordResetCaptcha', "Answer a password reset's captcha")
  @Responds(200, resetStatusResponse)
  @Problems({
    400: ['captcha-failed'],
    404: ['reset-not-found'],
    409: ['reset-step'],
    429: ['too-many-attempts'],
  })
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @ApiBody(bodyDoc(captchaBody))
  captcha(
    @Req() request: AuthedRequest,
    @Param('flowId', new ZodPipe(uuidParam)) flowId: string,
    @Body(new ZodPipe(captchaBody)) body: z.output<typeof captchaBody>,
  ) {
    return this.resets.solveCaptcha(request.tenant!.tenantId, flowId, body.solution);
  }

  @Post(':flowId/challenges')
  @Operation('createPasswordResetChallenge', 'Issue a challenge for one of the checks offered')
  @Responds(201, resetChallengeResponse)
  @Problems({
    404: ['reset-not-found'],
    409: ['reset-step'],
    422: ['method-not-offered', 'same-device'],
    423: ['factor-locked'],
    429: ['resend-too-soon', 'too-many-attempts'],
  })
  @Header('cache-control', 'no-store')
  @ApiBody(bodyDoc(gateBody))
  challenge(
    @Req() request: AuthedRequest,
    @Param('flowId', new ZodPipe(uuidParam)) flowId: string,
    @Body(new ZodPipe(gateBody)) body: z.output<typeof gateBody>,
  ) {
    return this.resets.challenge(request.tenant!.tenantId, flowId, body);
  }

  @Post(':flowId/challenges/:challengeId/verify')
  @Operation('verifyPasswordResetChallenge', 'Answer a password reset challenge')
  @Responds(200, resetVerifiedResponse)
  @Problems({
    400: ['wrong-code'],
    404: ['reset-not-found'],
    409: ['code-already-used', 'reset-step'],
    410: ['challenge-over'],
    423: ['factor-locked'],
    429: ['too-many-attempts'],
  })
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @ApiBody(bodyDoc(gateAnswerBody))
  verify(
    @Req() request: AuthedRequest,
    @Param('flowId', new ZodPipe(uuidParam)) flowId: string,
    @Param('challengeId', new ZodPipe(uuidParam)) challengeId: string,
    @Body(new ZodPipe(gateAnswerBody)) body: z.output<typeof gateAnswerBody>,
  ) {
    return this.resets.verify(request.tenant!.tenantId, flowId, challengeId, body);
  }

  /** The strength of a password as it is typed, and why it would be refused. */
  @Post(':flowId/password/check')
  @Operation('checkNewPassword', 'Check a new password against the rules without setting it')
  @Responds(200, passwordCheckResponse)
  @Problems({ 404: ['reset-not-found'], 409: ['reset-step'] })
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @ApiBody(bodyDoc(passwordBody))
  check(
    @Req() request: AuthedRequest,
    @Param('flowId', new ZodPipe(uuidParam)) flowId: string,
    @Body(new ZodPipe(passwordBody)) body: z.output<typeof passwordBody>,
  ) {
    return this.resets.checkPassword(request.tenant!.tenantId, flowId, body.password);
  }

  @Post(':flowId/password')
  @Operation('setNewPassword', 'Set the new password (and write it back to the directory)')
  @Responds(200, resetCompleteResponse)
  @Problems({
    404: ['reset-not-found'],
    409: ['directory-account-missing', 'reset-step'],
    422: ['directory-refused', 'password-refused'],
    503: ['directory-misconfigured', 'directory-unavailable'],
  })
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @ApiBody(bodyDoc(passwordBody))
  setPassword(
    @Req() request: AuthedRequest,
    @Param('flowId', new ZodPipe(uuidParam)) flowId: string,
    @Body(new ZodPipe(passwordBody)) body: z.output<typeof passwordBody>,
  ) {
    return this.resets.setPassword(request.tenant!.tenantId, flowId, body.password);
  }
}
