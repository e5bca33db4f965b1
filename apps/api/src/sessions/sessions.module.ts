import { Module } from '@nestjs/common';
import { SessionReauthentication } from './reauthentication.js';
import { SessionGuard } from './session.guard.js';
import { AccountSessionsController, SessionsController } from './sessions.controller.js';
import { SessionsService } from './sessions.service.js';
import { StepUpGuard } from './step-up.guard.js';
import { StepUpService } from './step-up.service.js';

/**
 * Portal sessions (see README.md). Its keys and guards come from the global CredentialsModule and InfraModule.
 * It lends the sign-in SessionReauthentication (a finished step-up), and other modules the session and step-up
 * guards (`@RecentAuthentication()`).
 */
@Module({
  controllers: [SessionsController, AccountSessionsController],
  providers: [SessionsService, SessionGuard, StepUpGuard, StepUpService, SessionReauthentication],
  exports: [SessionsService, SessionGuard, StepUpGuard, SessionReauthentication],
})
export class SessionsModule {}
