import { type DynamicModule, Module } from '@nestjs/common';
import { ApiKeyRepository, Tenancy } from '@verity/db';
import { ChannelRegistry } from '@verity/channel-sdk';
import { ConfiguredChannels, OrganisationChannels, channelRegistry, channelsFrom } from '@verity/delivery';
import { TenantCipher } from '@verity/secrets';
import { Onboarding } from './admin/onboarding.service.js';
import { TenantsController } from './admin/tenants.controller.js';
import { OperatorGuard, TenantKeyGuard } from './auth/guards.js';
import type { ApiConfig } from './config.js';
import { HealthController } from './health/health.controller.js';
import { InfraModule } from './infra/infra.module.js';
import { MetricsModule } from './metrics/metrics.js';
import { OrganisationController } from './organisation/organisation.controller.js';
import { PolicyController } from './organisation/policy.controller.js';
import { ChannelsController } from './organisation/channels.controller.js';
import { DeliveriesController } from './organisation/deliveries.controller.js';
import { SandboxController } from './organisation/sandbox.controller.js';
import { WebhooksController } from './webhooks/webhooks.controller.js';

@Module({})
export class AppModule {
  static forRoot(config: ApiConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [InfraModule.forRoot(config), MetricsModule],
      controllers: [
        HealthController,
        TenantsController,
        OrganisationController,
        PolicyController,
        SandboxController,
        DeliveriesController,
        ChannelsController,
        WebhooksController,
      ],
      providers: [
        Onboarding,
        { provide: ConfiguredChannels, useFactory: () => channelsFrom(config.CHANNELS) },
        { provide: ChannelRegistry, useValue: channelRegistry },
        {
          provide: OrganisationChannels,
          inject: [Tenancy, TenantCipher, ChannelRegistry, ConfiguredChannels],
          useFactory: (
            tenancy: Tenancy,
            cipher: TenantCipher,
            registry: ChannelRegistry,
            defaults: ConfiguredChannels,
          ) => new OrganisationChannels(tenancy, cipher, registry, defaults),
        },
        OperatorGuard,
        TenantKeyGuard,
        {
          provide: ApiKeyRepository,
          inject: [Tenancy, TenantCipher],
          useFactory: (tenancy: Tenancy, cipher: TenantCipher) =>
            new ApiKeyRepository(tenancy, (tenantId) => cipher.codeKey(tenantId)),
        },
      ],
    };
  }
}
