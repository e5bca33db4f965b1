/** The audience of a device proof, as the Verity API checks it. */
export const DEVICE_AUDIENCE = 'verity-device';

const encoder = new TextEncoder();

/**
 * Base64url without padding (RFC 7515).
 * @param {Uint8Array} bytes
 */
export function base64url(bytes) {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * A compact JWS signed with ES256. WebCrypto's ECDSA signature is already the raw r||s JWS wants.
 * @param {CryptoKey} privateKey a P-256 ECDSA private key
 * @param {Record<string, unknown>} payload
 * @returns {Promise<string>}
 */
export async function signJws(privateKey, payload) {
  const header = base64url(encoder.encode(JSON.stringify({ alg: 'ES256' })));
  const body = base64url(encoder.encode(JSON.stringify(payload)));
  const input = `${header}.${body}`;
  const signature = await crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    privateKey,
    encoder.encode(input),
  );
  return `${input}.${base64url(new Uint8Array(signature))}`;
}

/**
 * @typedef {'list' | 'answer' | 'push-token' | 'deactivate'} DeviceAction
 */

/**
 * The `Device-Proof` header of a request to Verity's device API: `{sub, aud, iat, act, …extra}`.
 * @param {CryptoKey} privateKey
 * @param {string} deviceId
 * @param {DeviceAction} act
 * @param {Record<string, unknown>} [extra] an answer's `challengeId`, `decision` and `number`; a `pushToken`
 * @param {number} [now] milliseconds since the epoch
 */
export function deviceProof(privateKey, deviceId, act, extra = {}, now = Date.now()) {
  return signJws(privateKey, {
    sub: deviceId,
    aud: DEVICE_AUDIENCE,
    iat: Math.floor(now / 1000),
    act,
    ...extra,
  });
}

/**
 * @typedef {object} PublicJwk
 * @property {string} kty
 * @property {string} crv
 * @property {string} x
 * @property {string} y
 */

/**
 * A new device key: P-256 ECDSA whose private half cannot be exported (only the public JWK leaves WebCrypto).
 * @returns {Promise<{ keys: CryptoKeyPair, publicKey: PublicJwk }>}
 */
export async function newDeviceKey() {
  const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ]);
  const jwk = await crypto.subtle.exportKey('jwk', keys.publicKey);
  return {
    keys,
    publicKey: { kty: String(jwk.kty), crv: String(jwk.crv), x: String(jwk.x), y: String(jwk.y) },
  };
}
