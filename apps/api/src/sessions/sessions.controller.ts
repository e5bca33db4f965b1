import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiTags } from '@nestjs/swagger';
import { uuidParam } from '../admin/schemas.js';
import { type AuthedRequest, TenantKeyGuard } from '../auth/guards.js';
import { ZodPipe, bodyDoc } from '../problem/zod.pipe.js';
import { type ExchangeBody, type StepUpBody, exchangeBody, sessionHeaderDoc, stepUpBody } from './schemas.js';
import { SessionGuard, type SessionRequest } from './session.guard.js';
import { SessionsService } from './sessions.service.js';
import { requireRecentAuthentication } from './step-up.guard.js';
import { StepUpService } from './step-up.service.js';
import { ClientAddressIn, RequireScope } from '../auth/scopes.js';
import { Operation, Problems, Responds } from '../openapi/operation.js';
import { mfaRequired } from '../sign-in/responses.js';
import { createdSessionResponse, sessionListResponse, sessionResponse } from './responses.js';

/**
 * A signed-in member of staff's session at a relying application (the portal), called server-side with the
 * organisation's API key; the person's session token travels in the Verity-Session header.
 */
@ApiTags('sessions')
@ApiBearerAuth()
@UseGuards(TenantKeyGuard)
@RequireScope('sign-in')
@Controller('v1')
export class SessionsController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly stepUps: StepUpService,
  ) {}

  /** Exchanges a finished sign-in's result for a session, once. */
  @Post('sessions')
  @Operation('createSession', 'Open a portal session from a completed sign-in')
  @Responds(201, createdSessionResponse)
  @Problems({ 401: ['result-invalid'], 409: ['result-used'] })
  @ClientAddressIn('client')
  @Header('cache-control', 'no-store')
  @ApiBody(bodyDoc(exchangeBody))
  create(@Req() request: AuthedRequest, @Body(new ZodPipe(exchangeBody)) body: ExchangeBody) {
    return this.sessions.exchange(request.tenant!.tenantId, body);
  }

  /** Who is signed in, how, and until when. */
  @Get('session')
  @Operation('getCurrentSession', 'Get the current session')
  @Responds(200, sessionResponse)
  @Problems({ 401: ['session-expired'] })
  @Header('cache-control', 'no-store')
  @UseGuards(SessionGuard)
  @ApiHeader(sessionHeaderDoc)
  current(@Req() request: SessionRequest) {
    return this.sessions.view(request.staffSession!);
  }

  /** Sign out. */
  @Delete('session')
  @Operation('signOut', 'Sign out of the current session')
  @Responds(204)
  @Problems({ 401: ['session-expired'] })
  @HttpCode(204)
  @UseGuards(SessionGuard)
  @ApiHeader(sessionHeaderDoc)
  async signOut(@Req() request: SessionRequest) {
    await this.sessions.signOut(request.tenant!.tenantId, request.staffSession!.session);
  }

  /** The person's own live sessions. */
  @Get('session/sessions')
  @Operation('listOwnSessions', "List the signed-in person's sessions")
  @Responds(200, sessionListResponse)
  @Problems({ 401: ['session-expired'] })
  @Header('cache-control', 'no-store')
  @UseGuards(SessionGuard)
  @ApiHeader(sessionHeaderDoc)
  list(@Req() request: SessionRequest) {
    return this.sessions.list(request.tenant!.tenantId, request.staffSession!.session);
  }

  /**
   * Ends one of the person's own sessions. Ending another device's session is a security change: it needs an
   * authentication within the last 10 minutes (else 401 step-up-required); signing this one out does not.
   */
  @Delete('session/sessions/:sessionId')
  @Operation('revokeOwnSession', "End one of the signed-in person's other sessions")
  @Responds(204)
  @Problems({ 401: ['session-expired', 'step-up-required'], 404: ['not-found'] })
  @HttpCode(204)
  @UseGuards(SessionGuard)
  @ApiHeader(sessionHeaderDoc)
  async revoke(
    @Req() request: SessionRequest,
    @Param('sessionId', new ZodPipe(uuidParam)) sessionId: string,
  ) {
    const current = request.staffSession!.session;
    if (sessionId !== current.id) requireRecentAuthentication(current);
    await this.sessions.revokeOwn(request.tenant!.tenantId, current, sessionId);
  }

  /**
   * Step-up: a second factor for the signed-in person, through the sign-in's challenge, verify and status
   * endpoints (with this session's token); when it finishes the session is re-authenticated with a new token.
   */
  @Post('session/step-up')
  @Operation('startStepUp', 'Start a step-up sign-in for the current session')
  @Responds(201, mfaRequired, 'A flow at mfa_required, used with the sign-in endpoints and this token')
  @Problems({ 401: ['session-expired'], 409: ['step-up-unavailable'] })
  @ClientAddressIn('client')
  @Header('cache-control', 'no-store')
  @UseGuards(SessionGuard)
  @ApiHeader(sessionHeaderDoc)
  @ApiBody(bodyDoc(stepUpBody))
  stepUp(@Req() request: SessionRequest, @Body(new ZodPipe(stepUpBody)) body: StepUpBody) {
    return this.stepUps.start(request.tenant!.tenantId, request.staffSession!, body);
  }
}

/** An administrator's session actions on an account (the organisation's console key), each audited. */
@ApiTags('sessions')
@ApiBearerAuth()
@UseGuards(TenantKeyGuard)
@RequireScope('people')
@Controller('v1/accounts/:accountId')
export class AccountSessionsController {
  constructor(private readonly sessions: SessionsService) {}

  /** Every session of the account ends. */
  @Delete('sessions')
  @Operation('revokeAccountSessions', 'End every session of an account')
  @Responds(204)
  @Problems({ 404: ['not-found'] })
  @HttpCode(204)
  async revokeAll(
    @Req() request: AuthedRequest,
    @Param('accountId', new ZodPipe(uuidParam)) accountId: string,
  ) {
    await this.sessions.revokeAll(request.tenant!, accountId);
  }

  /** The account can no longer sign in, and every session of it ends. */
  @Post('disable')
  @Operation('disableAccount', 'Disable an account')
  @Responds(204)
  @Problems({ 404: ['not-found'] })
  @HttpCode(204)
  async disable(
    @Req() request: AuthedRequest,
    @Param('accountId', new ZodPipe(uuidParam)) accountId: string,
  ) {
    await this.sessions.disable(request.tenant!, accountId);
  }

  /** The account can sign in again. */
  @Post('enable')
  @Operation('enableAccount', 'Enable a disabled account')
  @Responds(204)
  @Problems({ 404: ['not-found'] })
  @HttpCode(204)
  async enable(@Req() request: AuthedRequest, @Param('accountId', new ZodPipe(uuidParam)) accountId: string) {
    await this.sessions.enable(request.tenant!, accountId);
  }
}
