import type { OpenAPIObject } from '@nestjs/swagger';
import { API_SCOPES } from './scope-names.js';
import { SCOPES_EXTENSION } from './scopes.js';

/** The security scheme of organisation keys in the OpenAPI document; its "scopes" are the key's scopes. */
export const ORGANISATION_KEY_SCHEME = 'organisationKey';

/**
 * Shows on each operation the scope RequireScope gave it: its security names the organisation key with that
 * scope (several requirements when any of several will do), and its description says it in words.
 */
export function showRequiredScopes(document: OpenAPIObject): void {
  document.components ??= {};
  document.components.securitySchemes = {
    ...document.components.securitySchemes,
    [ORGANISATION_KEY_SCHEME]: {
      type: 'http',
      scheme: 'bearer',
      description: `An organisation's API key (vty_…). Each route needs one of the scopes it names; a key without them gets 403 \`insufficient-scope\`. Scopes: ${API_SCOPES.join(', ')}.`,
    },
  };
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item)) {
      const scopes = (operation as Record<string, unknown> | undefined)?.[SCOPES_EXTENSION];
      if (!Array.isArray(scopes)) continue;
      const op = operation as { security?: unknown; description?: string };
      op.security = scopes.map((scope: string) => ({ [ORGANISATION_KEY_SCHEME]: [scope] }));
      const words = `Needs an organisation API key with the ${scopes.map((s: string) => `\`${s}\``).join(' or ')} scope.`;
      op.description = op.description ? `${op.description}\n\n${words}` : words;
    }
  }
}
