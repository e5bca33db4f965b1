import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Req,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { TouchedSession } from '@verity/db';
import { z } from 'zod';
import { uuidParam } from '../admin/schemas.js';
import { TenantKeyGuard } from '../auth/guards.js';
import { ZodPipe, bodyDoc } from '../problem/zod.pipe.js';
import { sessionHeaderDoc } from '../sessions/schemas.js';
import { SessionGuard, type SessionRequest } from '../sessions/session.guard.js';
import { RecentAuthentication } from '../sessions/step-up.guard.js';
import { AppPasswords } from '../sign-in/app-passwords.js';
import { createAppPasswordBody } from '../sign-in/schemas.js';
import { Enrolments } from './enrolments.js';
import type { Holder } from './holder.js';
import {
  type EnrolmentAnswer,
  type StartEnrolment,
  changePhoneBody,
  defaultMethodBody,
  enrolmentAnswer,
  renameBody,
  startEnrolment,
} from './schemas.js';
import { SecurityInfo } from './security-info.service.js';
import { ClientAddressIn, RequireScope } from '../auth/scopes.js';
import { Operation, Problems, Responds } from '../openapi/operation.js';
import { appPasswordListResponse, createdAppPasswordResponse } from '../sign-in/responses.js';
import {
  defaultMethodResponse,
  enrolmentResponse,
  enrolmentVerifiedResponse,
  methodSummary,
  overviewResponse,
} from './responses.js';

/** The person in this live session, as the holder of the changes they make. */
function holderOf(request: SessionRequest, client?: Holder['client']): Holder {
  const { session }: TouchedSession = request.staffSession!;
  return {
    tenantId: request.tenant!.tenantId,
    accountId: session.accountId,
    client: client ?? {
      ...(session.ip ? { ip: session.ip } : {}),
      ...(session.userAgent ? { userAgent: session.userAgent } : {}),
    },
    by: { session: session.id },
  };
}

/**
 * The Security info page, for the person signed in (Verity-Session). Reading needs the session; every change
 * needs an authentication within the last 10 minutes (else 401 step-up-required: POST /v1/session/step-up).
 */
@ApiTags('security info')
@ApiBearerAuth()
@ApiHeader(sessionHeaderDoc)
@UseGuards(TenantKeyGuard)
@RequireScope('security-info')
@Controller('v1/security-info')
export class SecurityInfoController {
  constructor(
    private readonly securityInfo: SecurityInfo,
    private readonly enrolments: Enrolments,
    private readonly appPasswords: AppPasswords,
  ) {}

  @Get()
  @Operation('getSecurityInfo', "Get a signed-in person's methods")
  @Responds(200, overviewResponse)
  @Problems({ 401: ['session-expired'] })
  @Header('cache-control', 'no-store')
  @UseGuards(SessionGuard)
  overview(@Req() request: SessionRequest) {
    return this.securityInfo.overview(request.tenant!.tenantId, request.staffSession!.session.accountId);
  }

  /** "Add sign-in method". */
  @Post('methods')
  @Operation('addSecurityInfoMethod', 'Start adding a method')
  @Responds(201, enrolmentResponse)
  @Problems({
    401: ['session-expired', 'step-up-required'],
    422: ['method-refused'],
    429: ['resend-too-soon', 'too-many-sends'],
  })
  @ClientAddressIn('client')
  @Header('cache-control', 'no-store')
  @RecentAuthentication()
  @ApiBody(bodyDoc(startEnrolment))
  add(@Req() request: SessionRequest, @Body(new ZodPipe(startEnrolment)) body: StartEnrolment) {
    return this.securityInfo.start(holderOf(request, body.client), body);
  }

  @Get('enrolments/:enrolmentId')
  @Operation('getSecurityInfoEnrolment', "Get a method enrolment's state")
  @Responds(200, enrolmentResponse)
  @Problems({ 401: ['session-expired'], 404: ['not-found'] })
  @Header('cache-control', 'no-store')
  @UseGuards(SessionGuard)
  enrolment(@Req() request: SessionRequest, @Param('enrolmentId', new ZodPipe(uuidParam)) id: string) {
    return this.enrolments.status(holderOf(request), id);
  }

  /** "Resend code", or the authenticator app's test notification. */
  @Post('enrolments/:enrolmentId/resend')
  @Operation('resendSecurityInfoEnrolment', "Send an enrolment's code again")
  @Responds(201, enrolmentResponse)
  @Problems({
    401: ['session-expired', 'step-up-required'],
    404: ['not-found'],
    429: ['resend-too-soon', 'too-many-sends'],
  })
  @Header('cache-control', 'no-store')
  @RecentAuthentication()
  resend(@Req() request: SessionRequest, @Param('enrolmentId', new ZodPipe(uuidParam)) id: string) {
    return this.enrolments.resend(holderOf(request), id);
  }

  /** "Next": the code, the security key's credential or the answers; empty after a call or a notification. */
  @Post('enrolments/:enrolmentId/verify')
  @Operation('verifySecurityInfoEnrolment', 'Prove a new method')
  @Responds(200, enrolmentVerifiedResponse)
  @Problems({
    400: ['wrong-code'],
    401: ['session-expired', 'step-up-required'],
    404: ['not-found'],
    409: ['code-already-used', 'not-verified-yet'],
    422: ['method-refused'],
  })
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @RecentAuthentication()
  @ApiBody(bodyDoc(enrolmentAnswer))
  async verify(
    @Req() request: SessionRequest,
    @Param('enrolmentId', new ZodPipe(uuidParam)) id: string,
    @Body(new ZodPipe(enrolmentAnswer)) body: EnrolmentAnswer,
  ) {
    const enrolled = await this.enrolments.verify(holderOf(request), id, body);
    return { methods: await Promise.all(enrolled.methods.map((m) => this.securityInfo.summary(m))) };
  }

  /** "Change" a phone number: an enrolment for the new number, which replaces the old once proved. */
  @Put('methods/:methodId/phone')
  @Operation('changeSecurityInfoPhone', "Change a phone method's number")
  @Responds(200, enrolmentResponse)
  @Problems({
    401: ['session-expired', 'step-up-required'],
    404: ['not-found'],
    422: ['method-refused'],
    429: ['resend-too-soon', 'too-many-sends'],
  })
  @ClientAddressIn('client')
  @Header('cache-control', 'no-store')
  @RecentAuthentication()
  @ApiBody(bodyDoc(changePhoneBody))
  changePhone(
    @Req() request: SessionRequest,
    @Param('methodId', new ZodPipe(uuidParam)) methodId: string,
    @Body(new ZodPipe(changePhoneBody)) body: z.output<typeof changePhoneBody>,
  ) {
    return this.securityInfo.changePhone(holderOf(request, body.client), methodId, body.phone);
  }

  @Patch('methods/:methodId')
  @Operation('renameSecurityInfoMethod', 'Rename a method')
  @Responds(200, methodSummary)
  @Problems({ 401: ['session-expired', 'step-up-required'], 404: ['not-found'] })
  @RecentAuthentication()
  @ApiBody(bodyDoc(renameBody))
  rename(
    @Req() request: SessionRequest,
    @Param('methodId', new ZodPipe(uuidParam)) methodId: string,
    @Body(new ZodPipe(renameBody)) body: z.output<typeof renameBody>,
  ) {
    return this.securityInfo.rename(holderOf(request), methodId, body.label);
  }

  @Delete('methods/:methodId')
  @Operation('removeSecurityInfoMethod', 'Remove a method')
  @Responds(204)
  @Problems({ 401: ['session-expired', 'step-up-required'], 404: ['not-found'], 422: ['method-refused'] })
  @HttpCode(204)
  @RecentAuthentication()
  async remove(@Req() request: SessionRequest, @Param('methodId', new ZodPipe(uuidParam)) methodId: string) {
    await this.securityInfo.remove(holderOf(request), methodId);
  }

  /** "Change default sign-in method". */
  @Put('default-method')
  @Operation('setDefaultMethod', 'Choose the default sign-in method')
  @Responds(200, defaultMethodResponse)
  @Problems({ 401: ['session-expired', 'step-up-required'], 404: ['not-found'], 422: ['method-refused'] })
  @RecentAuthentication()
  @ApiBody(bodyDoc(defaultMethodBody))
  setDefault(
    @Req() request: SessionRequest,
    @Body(new ZodPipe(defaultMethodBody)) body: z.output<typeof defaultMethodBody>,
  ) {
    return this.securityInfo.setDefault(holderOf(request), body.methodId);
  }

  /** A new app password, shown this once. */
  @Post('app-passwords')
  @Operation('createOwnAppPassword', 'Create an app password for oneself')
  @Responds(201, createdAppPasswordResponse)
  @Problems({ 401: ['session-expired', 'step-up-required'], 404: ['not-found'], 422: ['method-refused'] })
  @Header('cache-control', 'no-store')
  @RecentAuthentication()
  @ApiBody(bodyDoc(createAppPasswordBody))
  createAppPassword(
    @Req() request: SessionRequest,
    @Body(new ZodPipe(createAppPasswordBody)) body: z.output<typeof createAppPasswordBody>,
  ) {
    const holder = holderOf(request);
    return this.appPasswords.create(holder.tenantId, holder.accountId, body);
  }

  @Get('app-passwords')
  @Operation('listOwnAppPasswords', "List one's own app passwords")
  @Responds(200, appPasswordListResponse)
  @Problems({ 401: ['session-expired'], 404: ['not-found'] })
  @UseGuards(SessionGuard)
  listAppPasswords(@Req() request: SessionRequest) {
    return this.appPasswords.list(request.tenant!.tenantId, request.staffSession!.session.accountId);
  }

  @Delete('app-passwords/:id')
  @Operation('revokeOwnAppPassword', "Revoke one's own app password")
  @Responds(204)
  @Problems({ 401: ['session-expired', 'step-up-required'], 404: ['not-found'] })
  @HttpCode(204)
  @RecentAuthentication()
  async revokeAppPassword(@Req() request: SessionRequest, @Param('id', new ZodPipe(uuidParam)) id: string) {
    const holder = holderOf(request);
    await this.appPasswords.revoke(holder.tenantId, holder.accountId, id);
  }
}
