import { type DynamicModule, Module } from '@nestjs/common';
import { Tenancy } from '@verity/db';
import { ChannelRegistry } from '@verity/channel-sdk';
import {
  ChannelChanges,
  ConfiguredChannels,
  OrganisationChannels,
  channelRegistry,
  channelsFrom,
} from '@verity/delivery';
import { TenantCipher } from '@verity/secrets';
import { Onboarding } from './admin/onboarding.service.js';
import { TenantsController } from './admin/tenants.controller.js';
import { CredentialsModule } from './auth/credentials.module.js';
import type { ApiConfig } from './config.js';
import { HealthController } from './health/health.controller.js';
import { InfraModule } from './infra/infra.module.js';
import { MetricsModule } from './metrics/metrics.js';
import { OrganisationController } from './organisation/organisation.controller.js';
import { PolicyController } from './organisation/policy.controller.js';
import { ChannelsController } from './organisation/channels.controller.js';
import { DeliveriesController } from './organisation/deliveries.controller.js';
import { SandboxController } from './organisation/sandbox.controller.js';
import { AccountMethodsController } from './organisation/account-methods.controller.js';
import { WebhooksController } from './webhooks/webhooks.controller.js';
import { ChallengeService } from './sign-in/challenge.service.js';
import { DeviceService } from './sign-in/device.service.js';
import { AttemptLimits } from './sign-in/limits.js';
import { Notices } from './sign-in/notices.js';
import { AppPasswords } from './sign-in/app-passwords.js';
import {
  AccountSecurityController,
  AppPasswordsController,
  DevicesController,
  KeysController,
  SignInController,
} from './sign-in/sign-in.controller.js';
import { SignInService } from './sign-in/sign-in.service.js';
import { SessionsModule } from './sessions/sessions.module.js';
import { DirectoryController } from './organisation/directory.controller.js';
import { PasswordResetController } from './sspr/password-reset.controller.js';
import { PasswordResets } from './sspr/password-reset.service.js';
import { ResetGates } from './sspr/reset-gates.js';
import { ResetLimits } from './sspr/reset-limits.js';
import { Writeback } from './sspr/writeback.js';
import { EnrolmentProofs } from './security-info/enrolment-proofs.js';
import { Enrolments } from './security-info/enrolments.js';
import { SecurityInfoController } from './security-info/security-info.controller.js';
import { SecurityInfo } from './security-info/security-info.service.js';
import { RegistrationWizardController } from './security-info/wizard.controller.js';
import { RegistrationWizard } from './security-info/wizard.service.js';
import { REDIS } from './infra/infra.module.js';
import { Redis } from 'ioredis';

@Module({})
export class AppModule {
  static forRoot(config: ApiConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        InfraModule.forRoot(config),
        CredentialsModule.forRoot(config),
        MetricsModule,
        SessionsModule,
      ],
      controllers: [
        HealthController,
        TenantsController,
        OrganisationController,
        PolicyController,
        SandboxController,
        DeliveriesController,
        ChannelsController,
        WebhooksController,
        SignInController,
        DevicesController,
        KeysController,
        AppPasswordsController,
        AccountSecurityController,
        AccountMethodsController,
        SecurityInfoController,
        RegistrationWizardController,
        PasswordResetController,
        DirectoryController,
      ],
      providers: [
        Onboarding,
        { provide: ConfiguredChannels, useFactory: () => channelsFrom(config.CHANNELS) },
        { provide: ChannelRegistry, useValue: channelRegistry },
        {
          provide: ChannelChanges,
          inject: [REDIS],
          useFactory: (redis: Redis) => {
            const changes = new ChannelChanges(
              redis,
              new Redis(config.REDIS_URL, { maxRetriesPerRequest: null }),
              config.REDIS_PREFIX,
            );
            // not awaited: the process starts (and answers 503 where it needs Redis) while Redis is down
            changes.start().catch(() => undefined);
            return changes;
          },
        },
        {
          provide: OrganisationChannels,
          inject: [Tenancy, TenantCipher, ChannelRegistry, ConfiguredChannels, ChannelChanges],
          useFactory: (
            tenancy: Tenancy,
            cipher: TenantCipher,
            registry: ChannelRegistry,
            defaults: ConfiguredChannels,
            changes: ChannelChanges,
          ) => new OrganisationChannels(tenancy, cipher, registry, defaults, changes),
        },
        SignInService,
        ChallengeService,
        DeviceService,
        Notices,
        AppPasswords,
        Enrolments,
        EnrolmentProofs,
        SecurityInfo,
        RegistrationWizard,
        PasswordResets,
        ResetGates,
        Writeback,
        { provide: ResetLimits, inject: [REDIS], useFactory: (redis: Redis) => new ResetLimits(redis) },
        { provide: AttemptLimits, inject: [REDIS], useFactory: (redis: Redis) => new AttemptLimits(redis) },
      ],
    };
  }
}
