import { Body, Controller, Get, Header, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { uuidParam } from '../admin/schemas.js';
import { type AuthedRequest, TenantKeyGuard } from '../auth/guards.js';
import { ZodPipe, bodyDoc } from '../problem/zod.pipe.js';
import { type EnrolmentAnswer, type StartEnrolment, enrolmentAnswer, startEnrolment } from './schemas.js';
import { RegistrationWizard } from './wizard.service.js';
import { RequireScope } from '../auth/scopes.js';
import { Operation, Problems, Responds } from '../openapi/operation.js';
import {
  enrolmentResponse,
  wizardCompleteResponse,
  wizardVerifiedResponse,
  wizardView,
} from './responses.js';

/**
 * "Keep your account secure": the registration wizard of a sign-in at `registration_required`, called by the
 * relying application with the organisation's key and the sign-in's flow id, as the rest of the sign-in.
 */
@ApiTags('sign-in')
@ApiBearerAuth()
@UseGuards(TenantKeyGuard)
@RequireScope('sign-in')
@Controller('v1/sign-in/:flowId/registration')
export class RegistrationWizardController {
  constructor(private readonly wizard: RegistrationWizard) {}

  @Get()
  @Operation('getRegistration', "Get the registration wizard's state")
  @Responds(200, wizardView)
  @Problems({ 404: ['flow-not-found'], 409: ['flow-step'] })
  @Header('cache-control', 'no-store')
  view(@Req() request: AuthedRequest, @Param('flowId', new ZodPipe(uuidParam)) flowId: string) {
    return this.wizard.view(request.tenant!.tenantId, flowId);
  }

  @Post('methods')
  @Operation('addRegistrationMethod', 'Start adding a method in the registration wizard')
  @Responds(201, enrolmentResponse)
  @Problems({
    404: ['flow-not-found'],
    409: ['flow-step'],
    422: ['method-refused'],
    429: ['resend-too-soon', 'too-many-sends'],
  })
  @Header('cache-control', 'no-store')
  @ApiBody(bodyDoc(startEnrolment))
  add(
    @Req() request: AuthedRequest,
    @Param('flowId', new ZodPipe(uuidParam)) flowId: string,
    @Body(new ZodPipe(startEnrolment)) body: StartEnrolment,
  ) {
    return this.wizard.start(request.tenant!.tenantId, flowId, body);
  }

  @Get('enrolments/:enrolmentId')
  @Operation('getRegistrationEnrolment', "Get a registration enrolment's state")
  @Responds(200, enrolmentResponse)
  @Problems({ 404: ['flow-not-found', 'not-found'], 409: ['flow-step'] })
  @Header('cache-control', 'no-store')
  enrolment(
    @Req() request: AuthedRequest,
    @Param('flowId', new ZodPipe(uuidParam)) flowId: string,
    @Param('enrolmentId', new ZodPipe(uuidParam)) enrolmentId: string,
  ) {
    return this.wizard.enrolment(request.tenant!.tenantId, flowId, enrolmentId);
  }

  @Post('enrolments/:enrolmentId/resend')
  @Operation('resendRegistrationEnrolment', "Send a registration enrolment's code again")
  @Responds(201, enrolmentResponse)
  @Problems({
    404: ['flow-not-found', 'not-found'],
    409: ['flow-step'],
    429: ['resend-too-soon', 'too-many-sends'],
  })
  @Header('cache-control', 'no-store')
  resend(
    @Req() request: AuthedRequest,
    @Param('flowId', new ZodPipe(uuidParam)) flowId: string,
    @Param('enrolmentId', new ZodPipe(uuidParam)) enrolmentId: string,
  ) {
    return this.wizard.resend(request.tenant!.tenantId, flowId, enrolmentId);
  }

  @Post('enrolments/:enrolmentId/verify')
  @Operation('verifyRegistrationEnrolment', 'Prove a method added in the registration wizard')
  @Responds(200, wizardVerifiedResponse)
  @Problems({
    400: ['wrong-code'],
    404: ['flow-not-found', 'not-found'],
    409: ['code-already-used', 'flow-step', 'not-verified-yet'],
    422: ['method-refused'],
  })
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @ApiBody(bodyDoc(enrolmentAnswer))
  verify(
    @Req() request: AuthedRequest,
    @Param('flowId', new ZodPipe(uuidParam)) flowId: string,
    @Param('enrolmentId', new ZodPipe(uuidParam)) enrolmentId: string,
    @Body(new ZodPipe(enrolmentAnswer)) body: EnrolmentAnswer,
  ) {
    return this.wizard.verify(request.tenant!.tenantId, flowId, enrolmentId, body);
  }

  /** "Skip for now". */
  @Post('snooze')
  @Operation('snoozeRegistration', 'Put registration off for now')
  @Responds(200, wizardCompleteResponse)
  @Problems({ 404: ['flow-not-found'], 409: ['flow-step', 'snooze-refused'] })
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  snooze(@Req() request: AuthedRequest, @Param('flowId', new ZodPipe(uuidParam)) flowId: string) {
    return this.wizard.snooze(request.tenant!.tenantId, flowId);
  }

  /** "Done". */
  @Post('done')
  @Operation('finishRegistration', 'Finish registration and go on with the sign-in')
  @Responds(200, wizardCompleteResponse)
  @Problems({ 404: ['flow-not-found'], 409: ['flow-step', 'registration-incomplete'] })
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  done(@Req() request: AuthedRequest, @Param('flowId', new ZodPipe(uuidParam)) flowId: string) {
    return this.wizard.finish(request.tenant!.tenantId, flowId);
  }
}
