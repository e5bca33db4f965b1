import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ApiKeyRepository } from '@verity/db';
import { constantTimeEqual } from '@verity/secrets';
import type { FastifyRequest } from 'fastify';
import { type ApiConfig, CONFIG } from '../config.js';
import { problems } from '../problem/problem.js';

export interface TenantPrincipal {
  tenantId: string;
  keyId: string;
  scopes: string[];
}

export type AuthedRequest = FastifyRequest & { tenant?: TenantPrincipal };

function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header);
  return match?.[1] ?? null;
}

/** The operator of the shared service: one key from configuration. */
@Injectable()
export class OperatorGuard implements CanActivate {
  constructor(@Inject(CONFIG) private readonly config: ApiConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const token = bearer(context.switchToHttp().getRequest<FastifyRequest>());
    if (!token || !constantTimeEqual(token, this.config.OPERATOR_API_KEY)) throw problems.unauthorised();
    return true;
  }
}

/** A relying application or the organisation's console: a per-organisation API key. */
@Injectable()
export class TenantKeyGuard implements CanActivate {
  constructor(private readonly apiKeys: ApiKeyRepository) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const token = bearer(request);
    const principal = token ? await this.apiKeys.authenticate(token) : null;
    if (!principal) throw problems.unauthorised();
    request.tenant = principal;
    return true;
  }
}
