import { randomBytes } from 'node:crypto';
import { type TenantScope, type TouchedSession, sessions } from '@verity/db';
import type { TenantCipher } from '@verity/secrets';
import { hashCode } from '@verity/secrets';
import { sessionExpired } from './problems.js';

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

/**
 * The live session a token names, used now (its idle limit starts again); 401 `session-expired` for a missing,
 * malformed, unknown, ended or idle one, or one of a disabled account.
 */
export async function useSession(
  scope: TenantScope,
  cipher: TenantCipher,
  token: string | undefined,
): Promise<TouchedSession> {
  if (!token || !SESSION_TOKEN.test(token)) throw sessionExpired();
  const touched = await sessions.touch(scope, await sessionTokenHash(cipher, scope.tenantId, token));
  if (!touched) throw sessionExpired();
  return touched;
}
