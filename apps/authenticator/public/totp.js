import { base32Decode } from './base32.js';

/** WebCrypto's names for the otpauth:// algorithms. */
const HASHES = { SHA1: 'SHA-1', SHA256: 'SHA-256', SHA512: 'SHA-512' };

/** @typedef {keyof typeof HASHES} TotpAlgorithm */

/**
 * @typedef {object} TotpSettings
 * @property {string} secret base32
 * @property {number} [digits] 6 unless said
 * @property {number} [period] seconds, 30 unless said
 * @property {TotpAlgorithm} [algorithm] SHA1 unless said
 */

/**
 * @param {unknown} name
 * @returns {name is TotpAlgorithm}
 */
export function isAlgorithm(name) {
  return typeof name === 'string' && Object.hasOwn(HASHES, name);
}

/**
 * An HOTP value (RFC 4226) computed with WebCrypto's HMAC.
 * @param {Uint8Array} key the shared secret's bytes
 * @param {number} counter a non-negative integer below 2^53
 * @param {number} [digits]
 * @param {TotpAlgorithm} [algorithm]
 * @returns {Promise<string>} the code, zero-padded to `digits`
 */
export async function hotp(key, counter, digits = 6, algorithm = 'SHA1') {
  const message = new Uint8Array(8);
  let rest = counter;
  for (let i = 7; i >= 0; i--) {
    message[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  const hmacKey = await crypto.subtle.importKey(
    'raw',
    /** @type {Uint8Array<ArrayBuffer>} */ (key),
    { name: 'HMAC', hash: HASHES[algorithm] },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', hmacKey, message));
  /** @param {number} i */
  const at = (i) => mac[i] ?? 0;
  const offset = at(mac.length - 1) & 0x0f;
  const binary =
    ((at(offset) & 0x7f) << 24) | (at(offset + 1) << 16) | (at(offset + 2) << 8) | at(offset + 3);
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/**
 * The TOTP code (RFC 6238) for a moment.
 * @param {TotpSettings} settings
 * @param {number} [now] milliseconds since the epoch
 * @returns {Promise<string>}
 */
export function totp(settings, now = Date.now()) {
  const { secret, digits = 6, period = 30, algorithm = 'SHA1' } = settings;
  return hotp(base32Decode(secret), timeStep(period, now), digits, algorithm);
}

/**
 * The time step a moment falls in.
 * @param {number} period seconds
 * @param {number} now milliseconds since the epoch
 */
export function timeStep(period, now) {
  return Math.floor(Math.floor(now / 1000) / period);
}

/**
 * Whole seconds until the code changes: from `period` down to 1.
 * @param {number} [period] seconds
 * @param {number} [now] milliseconds since the epoch
 */
export function secondsLeft(period = 30, now = Date.now()) {
  return period - (Math.floor(now / 1000) % period);
}
