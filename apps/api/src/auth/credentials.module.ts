import { type DynamicModule, Global, Module } from '@nestjs/common';
import { ApiKeyRepository, Tenancy } from '@verity/db';
import { TenantCipher } from '@verity/secrets';
import type { ApiConfig } from '../config.js';
import { ResultSigner } from '../sign-in/result-signer.js';
import { OperatorGuard, TenantKeyGuard } from './guards.js';

/**
 * What proves who is calling, shared by every module: the organisations' API keys (and the guards that check
 * them), and the one key set that signs and verifies sign-in results (one instance: outside production its
 * key is made at start-up).
 */
@Global()
@Module({})
export class CredentialsModule {
  static forRoot(config: ApiConfig): DynamicModule {
    return {
      module: CredentialsModule,
      providers: [
        {
          provide: ResultSigner,
          useFactory: () =>
            ResultSigner.create({
              pem: config.SIGNING_KEY,
              previous: config.SIGNING_KEY_PREVIOUS,
              production: config.NODE_ENV === 'production',
              issuer: config.PUBLIC_URL ?? 'verity',
            }),
        },
        {
          provide: ApiKeyRepository,
          inject: [Tenancy, TenantCipher],
          useFactory: (tenancy: Tenancy, cipher: TenantCipher) =>
            new ApiKeyRepository(tenancy, (tenantId) => cipher.codeKey(tenantId)),
        },
        OperatorGuard,
        TenantKeyGuard,
      ],
      exports: [ResultSigner, ApiKeyRepository, OperatorGuard, TenantKeyGuard],
    };
  }
}
