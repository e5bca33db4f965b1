import { Module } from '@nestjs/common';
import { SessionGuard } from './session.guard.js';
import { AccountSessionsController, SessionsController } from './sessions.controller.js';
import { SessionsService } from './sessions.service.js';

/** Portal sessions (see README.md). Its keys and guards come from the global CredentialsModule and InfraModule. */
@Module({
  controllers: [SessionsController, AccountSessionsController],
  providers: [SessionsService, SessionGuard],
})
export class SessionsModule {}
