import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { encodeCBOR, type CBORType } from '@levischuck/tiny-cbor';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';

export interface SoftAuthenticatorOptions {
  /** The page's origin, written into clientDataJSON. */
  origin: string;
  /** The RP ID whose hash goes into authenticatorData; by default the one in the options, else the origin's host. */
  rpId?: string;
}

/** Ways to make one response wrong (or unusual), for tests that it is refused (or accepted). */
export interface SoftAuthenticatorOverrides {
  origin?: string;
  rpId?: string;
  /** The signature counter to report, and keep; by default 0 at registration and one more each use. */
  signCount?: number;
  /** Default true: the user "entered the PIN". */
  userVerified?: boolean;
}

/** A software FIDO2 authenticator: one ES256 (P-256) key per registered credential, attestation "none". */
export interface SoftAuthenticator {
  /** Throws, as a browser would, when the options exclude a credential this authenticator holds. */
  register(
    options: PublicKeyCredentialCreationOptionsJSON,
    overrides?: SoftAuthenticatorOverrides,
  ): RegistrationResponseJSON;
  /** Signs with the first allowed credential it holds (any of its own when none are listed). */
  authenticate(
    options: PublicKeyCredentialRequestOptionsJSON,
    overrides?: SoftAuthenticatorOverrides,
  ): AuthenticationResponseJSON;
}

interface HeldCredential {
  id: Buffer;
  privateKey: KeyObject;
  userHandle: string;
  signCount: number;
}

const USER_PRESENT = 0x01;
const USER_VERIFIED = 0x04;
const ATTESTED_CREDENTIAL_DATA = 0x40;

const COSE_KEY_TYPE = 1;
const COSE_ALGORITHM = 3;
const COSE_EC2_CURVE = -1;
const COSE_EC2_X = -2;
const COSE_EC2_Y = -3;
const COSE_KEY_TYPE_EC2 = 2;
const COSE_ALGORITHM_ES256 = -7;
const COSE_CURVE_P256 = 1;

const NO_AAGUID = Buffer.alloc(16);

export function createSoftAuthenticator(settings: SoftAuthenticatorOptions): SoftAuthenticator {
  const credentials = new Map<string, HeldCredential>();

  const rpIdFor = (fromOptions: string | undefined, overrides: SoftAuthenticatorOverrides) =>
    overrides.rpId ?? settings.rpId ?? fromOptions ?? new URL(settings.origin).hostname;

  return {
    register(options, overrides = {}) {
      const excluded = options.excludeCredentials?.find(({ id }) => credentials.has(id));
      if (excluded) {
        throw new Error(`InvalidStateError: this authenticator already holds credential ${excluded.id}`);
      }
      if (!options.pubKeyCredParams.some(({ alg }) => alg === COSE_ALGORITHM_ES256)) {
        throw new Error('NotSupportedError: the options do not offer ES256');
      }

      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const credential: HeldCredential = {
        id: randomBytes(32),
        privateKey,
        userHandle: options.user.id,
        signCount: overrides.signCount ?? 0,
      };
      credentials.set(credential.id.toString('base64url'), credential);

      const attestedCredentialData = Buffer.concat([
        NO_AAGUID,
        uint16(credential.id.length),
        credential.id,
        coseKeyOf(publicKey),
      ]);
      const authenticatorData = authenticatorDataOf(
        rpIdFor(options.rp.id, overrides),
        flagsOf(overrides) | ATTESTED_CREDENTIAL_DATA,
        credential.signCount,
        attestedCredentialData,
      );
      const attestationObject = encodeCBOR(
        new Map<string, CBORType>([
          ['fmt', 'none'],
          ['attStmt', new Map()],
          ['authData', authenticatorData],
        ]),
      );
      const id = credential.id.toString('base64url');
      return {
        id,
        rawId: id,
        type: 'public-key',
        response: {
          clientDataJSON: clientDataOf(
            'webauthn.create',
            options.challenge,
            overrides.origin ?? settings.origin,
          ).toString('base64url'),
          attestationObject: Buffer.from(attestationObject).toString('base64url'),
          authenticatorData: authenticatorData.toString('base64url'),
          transports: ['usb'],
          publicKeyAlgorithm: COSE_ALGORITHM_ES256,
          publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64url'),
        },
        authenticatorAttachment: 'cross-platform',
        clientExtensionResults: {},
      };
    },

    authenticate(options, overrides = {}) {
      const allowed = options.allowCredentials ?? [];
      const credential =
        allowed.length === 0
          ? credentials.values().next().value
          : allowed.map(({ id }) => credentials.get(id)).find((held) => held !== undefined);
      if (!credential) {
        throw new Error('NotAllowedError: this authenticator holds none of the allowed credentials');
      }

      credential.signCount = overrides.signCount ?? credential.signCount + 1;
      const authenticatorData = authenticatorDataOf(
        rpIdFor(options.rpId, overrides),
        flagsOf(overrides),
        credential.signCount,
      );
      const clientData = clientDataOf('webauthn.get', options.challenge, overrides.origin ?? settings.origin);
      const signature = sign(
        'sha256',
        Buffer.concat([authenticatorData, sha256(clientData)]),
        credential.privateKey,
      );
      const id = credential.id.toString('base64url');
      return {
        id,
        rawId: id,
        type: 'public-key',
        response: {
          clientDataJSON: clientData.toString('base64url'),
          authenticatorData: authenticatorData.toString('base64url'),
          signature: signature.toString('base64url'),
          userHandle: credential.userHandle,
        },
        authenticatorAttachment: 'cross-platform',
        clientExtensionResults: {},
      };
    },
  };
}

function clientDataOf(type: 'webauthn.create' | 'webauthn.get', challenge: string, origin: string): Buffer {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
}

function flagsOf(overrides: SoftAuthenticatorOverrides): number {
  return overrides.userVerified === false ? USER_PRESENT : USER_PRESENT | USER_VERIFIED;
}

function authenticatorDataOf(
  rpId: string,
  flags: number,
  signCount: number,
  attestedCredentialData: Buffer = Buffer.alloc(0),
): Buffer {
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(signCount);
  return Buffer.concat([sha256(Buffer.from(rpId)), Buffer.of(flags), counter, attestedCredentialData]);
}

function coseKeyOf(publicKey: KeyObject): Buffer {
  const { x, y } = publicKey.export({ format: 'jwk' });
  if (!x || !y) throw new Error('P-256 public key without coordinates');
  return Buffer.from(
    encodeCBOR(
      new Map<number, CBORType>([
        [COSE_KEY_TYPE, COSE_KEY_TYPE_EC2],
        [COSE_ALGORITHM, COSE_ALGORITHM_ES256],
        [COSE_EC2_CURVE, COSE_CURVE_P256],
        [COSE_EC2_X, Buffer.from(x, 'base64url')],
        [COSE_EC2_Y, Buffer.from(y, 'base64url')],
      ]),
    ),
  );
}

function uint16(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16BE(value);
  return bytes;
}

function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}
