import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiKeyRepository } from '@verity/db';
import { addToLogContext } from '@verity/logging';
import { constantTimeEqual } from '@verity/secrets';
import type { FastifyRequest } from 'fastify';
import { type ApiConfig, CONFIG } from '../config.js';
import { problems } from '../problem/problem.js';
import type { ApiScope } from './scope-names.js';
import { CLIENT_ADDRESS_FIELD, REQUIRED_SCOPES } from './scopes.js';

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

/**
 * A relying application or the organisation's console: a per-organisation API key, holding one of the scopes
 * the route names (RequireScope). A route that names none is refused to every key.
 */
@Injectable()
export class TenantKeyGuard implements CanActivate {
  constructor(
    private readonly apiKeys: ApiKeyRepository,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const token = bearer(request);
    const principal = token ? await this.apiKeys.authenticate(token) : null;
    if (!principal) throw problems.unauthorised();
    addToLogContext({ tenantId: principal.tenantId });
    const targets = [context.getHandler(), context.getClass()];
    const needed = this.reflector.getAllAndOverride<ApiScope[] | undefined>(REQUIRED_SCOPES, targets) ?? [];
    if (!needed.some((scope) => principal.scopes.includes(scope))) throw problems.insufficientScope(needed);
    request.tenant = principal;
    const field = this.reflector.get<'client' | 'ip' | undefined>(CLIENT_ADDRESS_FIELD, context.getHandler());
    if (field && !principal.scopes.includes('forwarded-address')) useConnectionAddress(request, field);
    return true;
  }
}

/** The end user's address in the body becomes the connection's, whatever the caller put there. */
function useConnectionAddress(request: FastifyRequest, field: 'client' | 'ip'): void {
  const body = request.body ?? {};
  // a body or a client that is not an object is left as it is, for validation to refuse
  if (!isRecord(body)) return;
  if (field === 'ip') body.ip = request.ip;
  else if (body.client === undefined || isRecord(body.client))
    body.client = { ...body.client, ip: request.ip };
  request.body = body;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
