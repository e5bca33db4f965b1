import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { COSEALG } from '@simplewebauthn/server/helpers';
import { z } from 'zod';

/** What is stored (encrypted) for a registered security key or passkey. */
export interface SecurityKeyDetails {
  type: 'security_key';
  /** base64url */
  credentialId: string;
  /** base64url of the COSE public key */
  publicKey: string;
  counter: number;
  transports?: string[];
  aaguid?: string;
}

/**
 * - `bad_response`: not shaped like a WebAuthn credential response at all.
 * - `not_verified`: a well-formed response that failed a check (challenge, origin, RP ID, flags, signature).
 * - `credential_mismatch`: from a credential other than the one it was checked against.
 * - `counter_not_increased`: correctly signed, but the signature counter went backwards or stood still:
 *   the authenticator may have been cloned.
 */
export type SecurityKeyErrorCode =
  'bad_response' | 'not_verified' | 'credential_mismatch' | 'counter_not_increased';

export class SecurityKeyError extends Error {
  constructor(
    readonly code: SecurityKeyErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'SecurityKeyError';
  }
}

/** How long the browser may take over either ceremony; a challenge should live no longer. */
export const CEREMONY_TIMEOUT_MS = 120_000;

// Pinned rather than the library default, which adds ML-DSA-44 on runtimes that support it: a key
// registered on such a runtime could not be used after a deploy or rollback to one that does not.
const SUPPORTED_ALGORITHMS = [COSEALG.EdDSA, COSEALG.ES256, COSEALG.RS256];

export interface RegistrationOptionsInput {
  rpId: string;
  rpName: string;
  /** The account's uuid; authenticators return it as the user handle. */
  userId: string;
  userName: string;
  userDisplayName: string;
  excludeCredentialIds: string[];
  attestation: 'none' | 'direct';
}

export function registrationOptions(
  input: RegistrationOptionsInput,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpID: input.rpId,
    rpName: input.rpName,
    userID: new TextEncoder().encode(input.userId),
    userName: input.userName,
    userDisplayName: input.userDisplayName,
    excludeCredentials: input.excludeCredentialIds.map((id) => ({ id })),
    attestationType: input.attestation,
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
    timeout: CEREMONY_TIMEOUT_MS,
  });
}

export interface VerifyRegistrationInput {
  /** The browser's `RegistrationResponseJSON`, as received: it is validated here. */
  response: unknown;
  expectedChallenge: string;
  expectedOrigin: string | string[];
  rpId: string;
  /** Default false, matching the 'preferred' asked for in the options: touch alone is enough. */
  requireUserVerification?: boolean;
}

export async function verifyRegistration(input: VerifyRegistrationInput): Promise<SecurityKeyDetails> {
  const response = parseRegistrationResponse(input.response);
  const result = await refuseOnThrow('registration', () =>
    verifyRegistrationResponse({
      response,
      expectedChallenge: input.expectedChallenge,
      expectedOrigin: input.expectedOrigin,
      expectedRPID: input.rpId,
      requireUserVerification: input.requireUserVerification ?? false,
      supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
    }),
  );
  if (!result.verified) {
    throw new SecurityKeyError(
      'not_verified',
      'The attestation statement of the registration did not verify',
    );
  }
  const { credential, aaguid } = result.registrationInfo;
  return {
    type: 'security_key',
    credentialId: credential.id,
    publicKey: Buffer.from(credential.publicKey).toString('base64url'),
    counter: credential.counter,
    ...(credential.transports ? { transports: credential.transports } : {}),
    aaguid,
  };
}

export interface AuthenticationOptionsInput {
  rpId: string;
  credentials: { credentialId: string; transports?: string[] }[];
}

export function authenticationOptions(
  input: AuthenticationOptionsInput,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: input.rpId,
    allowCredentials: input.credentials.map(({ credentialId, transports }) => ({
      id: credentialId,
      ...(transports ? { transports } : {}),
    })),
    userVerification: 'preferred',
    timeout: CEREMONY_TIMEOUT_MS,
  });
}

export interface VerifyAssertionInput {
  /** The browser's `AuthenticationResponseJSON`, as received: it is validated here. */
  response: unknown;
  expectedChallenge: string;
  expectedOrigin: string | string[];
  rpId: string;
  credential: SecurityKeyDetails;
  /** Default false, matching the 'preferred' asked for in the options: touch alone is enough. */
  requireUserVerification?: boolean;
}

/** On success, store `newCounter` as the credential's counter. */
export async function verifyAssertion(
  input: VerifyAssertionInput,
): Promise<{ verified: true; newCounter: number }> {
  const response = parseAuthenticationResponse(input.response);
  const { credential } = input;
  if (response.id !== credential.credentialId) {
    throw new SecurityKeyError(
      'credential_mismatch',
      `The response is from credential ${response.id}, not the expected ${credential.credentialId}`,
    );
  }
  const result = await refuseOnThrow('authentication', () =>
    verifyAuthenticationResponse({
      response,
      expectedChallenge: input.expectedChallenge,
      expectedOrigin: input.expectedOrigin,
      expectedRPID: input.rpId,
      requireUserVerification: input.requireUserVerification ?? false,
      credential: {
        id: credential.credentialId,
        publicKey: new Uint8Array(Buffer.from(credential.publicKey, 'base64url')),
        // The library checks the counter before the signature; checking it below, after, means a
        // counter_not_increased refusal always comes from the genuine key and can be trusted as a clone.
        counter: 0,
        ...(credential.transports ? { transports: credential.transports } : {}),
      },
    }),
  );
  if (!result.verified) {
    throw new SecurityKeyError('not_verified', 'The signature of the authentication did not verify');
  }
  const { newCounter } = result.authenticationInfo;
  const countsSignatures = newCounter > 0 || credential.counter > 0;
  if (countsSignatures && newCounter <= credential.counter) {
    throw new SecurityKeyError(
      'counter_not_increased',
      `The signature counter ${newCounter} is not above the stored ${credential.counter}: the authenticator may be cloned`,
    );
  }
  return { verified: true, newCounter };
}

// The browser's JSON, no padding (WebAuthn L3 toJSON). Bounds are generous: attestation may carry certificates.
const base64url = (maxLength: number) =>
  z
    .string()
    .min(1)
    .max(maxLength)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be base64url without padding');

// A credential id is at most 1023 bytes (WebAuthn §5.8.3).
const credentialId = base64url(1364);
const clientDataJSON = base64url(8_192);

const registrationResponseSchema = z.object({
  id: credentialId,
  rawId: credentialId,
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON,
    attestationObject: base64url(65_536),
    transports: z.array(z.string().max(32)).max(16).optional(),
  }),
});

const authenticationResponseSchema = z.object({
  id: credentialId,
  rawId: credentialId,
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON,
    authenticatorData: base64url(8_192),
    signature: base64url(2_048),
    userHandle: base64url(128).nullish(),
  }),
});

function parseRegistrationResponse(response: unknown): RegistrationResponseJSON {
  const { id, rawId, type, response: attestation } = parseOrRefuse(registrationResponseSchema, response);
  return { id, rawId, type, response: attestation, clientExtensionResults: {} };
}

function parseAuthenticationResponse(response: unknown): AuthenticationResponseJSON {
  const { id, rawId, type, response: assertion } = parseOrRefuse(authenticationResponseSchema, response);
  const { userHandle, ...signed } = assertion;
  return {
    id,
    rawId,
    type,
    response: { ...signed, ...(userHandle ? { userHandle } : {}) },
    clientExtensionResults: {},
  };
}

function parseOrRefuse<Schema extends z.ZodType>(schema: Schema, response: unknown): z.output<Schema> {
  const parsed = schema.safeParse(response);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`,
    );
    throw new SecurityKeyError('bad_response', `Not a WebAuthn credential response: ${problems.join('; ')}`);
  }
  return parsed.data;
}

async function refuseOnThrow<T>(ceremony: 'registration' | 'authentication', verify: () => Promise<T>) {
  try {
    return await verify();
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new SecurityKeyError('not_verified', `The ${ceremony} was refused: ${reason}`, { cause });
  }
}
