/**
 * What an organisation's API key may do. Each area of /v1 has one scope; a key is issued with the scopes it
 * needs and is refused (403 `insufficient-scope`) everywhere else. `forwarded-address` is not an area: it lets
 * the key tell the API the end user's address (`client.ip`), which without it is the connection's address.
 */
export const API_SCOPES = [
  'sign-in',
  'security-info',
  'password-reset',
  'devices',
  'people',
  'policy',
  'channels',
  'directory',
  'audit',
  'sandbox',
  'forwarded-address',
] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** The scopes that open a part of /v1 (every scope but `forwarded-address`). */
export const AREA_SCOPES = API_SCOPES.filter((s) => s !== 'forwarded-address');

/**
 * What the portal uses (apps/portal through @verity/sdk): sign-in with its wizard and sessions, Security info,
 * password reset, and the end users' addresses. Its developer inbox also needs `sandbox`.
 */
export const PORTAL_SCOPES: readonly ApiScope[] = [
  'sign-in',
  'security-info',
  'password-reset',
  'forwarded-address',
];

/** Parses `--scopes a,b` or a list of names; throws naming what is unknown. */
export function parseScopes(list: string): ApiScope[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(API_SCOPES as readonly string[]).includes(n));
  if (unknown.length > 0 || names.length === 0)
    throw new Error(
      `${unknown.length > 0 ? `unknown scope ${unknown.join(', ')}` : 'no scope given'}: name one or more of ${API_SCOPES.join(', ')}`,
    );
  return [...new Set(names)] as ApiScope[];
}
