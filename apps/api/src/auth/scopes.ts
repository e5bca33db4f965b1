import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { ApiScope } from './scope-names.js';

export { API_SCOPES, AREA_SCOPES, type ApiScope } from './scope-names.js';

/** Route metadata read by TenantKeyGuard: the scopes of which a key needs one. */
export const REQUIRED_SCOPES = 'verity:required-scopes';
/** The OpenAPI extension naming them on each operation (app.factory turns it into the operation's security). */
export const SCOPES_EXTENSION = 'x-required-scopes';

/**
 * The scope a route needs, on a controller (every route of it) or a route (which overrides its controller's);
 * with several, any one of them is enough. TenantKeyGuard refuses a route that names none.
 */
export const RequireScope = (...anyOf: readonly ApiScope[]) =>
  applyDecorators(SetMetadata(REQUIRED_SCOPES, anyOf), ApiExtension(SCOPES_EXTENSION, anyOf));

/** Where a route's body carries the end user's address: `client` (its `client.ip`) or `ip`. */
export const CLIENT_ADDRESS_FIELD = 'verity:client-address-field';

/**
 * The route takes the end user's address in its body: believed only from a key with `forwarded-address`; from any
 * other key TenantKeyGuard puts the connection's address there.
 */
export const ClientAddressIn = (field: 'client' | 'ip') => SetMetadata(CLIENT_ADDRESS_FIELD, field);
