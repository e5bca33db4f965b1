import { randomBytes } from 'node:crypto';
import type { TenantCipher } from '@verity/secrets';
import { hashCode } from '@verity/secrets';

// Kept apart from the sign-in code (nothing here imports it), so the sign-in can re-authenticate a session.

/** A session token as it is issued: 32 random bytes, base64url. Anything else is refused like an unknown one. */
export const SESSION_TOKEN = /^[A-Za-z0-9_-]{43}$/;

export const SESSION_HEADER = 'verity-session';

const TOKEN_CONTEXT = 'session';

/** A new session token (256 bits from the CSPRNG), shown once to the relying application. */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What is stored of a token: `HMAC-SHA256(organisation's code key, "session:" + token)`. */
export async function sessionTokenHash(
  cipher: TenantCipher,
  tenantId: string,
  token: string,
): Promise<Buffer> {
  return hashCode(await cipher.codeKey(tenantId), `${TOKEN_CONTEXT}:${token}`);
}
