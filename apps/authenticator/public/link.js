import { base32Decode } from './base32.js';
import { isAlgorithm } from './totp.js';

/**
 * @typedef {object} VerityLink the registration QR code's link
 * @property {'verity'} kind
 * @property {string} api the Verity API the link names (shown for information; requests go to this app's proxy)
 * @property {string} organisation the organisation's slug
 * @property {string} device the pending device's id
 * @property {string} code the one-time activation code
 *
 * @typedef {object} OtpauthLink a code-only account from any TOTP QR code
 * @property {'totp'} kind
 * @property {string} issuer
 * @property {string} username
 * @property {{secret: string, digits: number, period: number, algorithm: import('./totp.js').TotpAlgorithm}} totp
 */

/** Why a link was refused; each is a key of strings.js (`link_…`). */
export class LinkError extends Error {
  /** @param {'empty' | 'unsupported' | 'incomplete' | 'secret' | 'settings'} reason */
  constructor(reason) {
    super(`activation link: ${reason}`);
    this.name = 'LinkError';
    this.reason = reason;
  }
}

/** Characters that may go into a path segment of the device API unchanged. */
const SEGMENT = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Reads a pasted or scanned link: Verity's `verity://activate?api=…&organisation=…&device=…&code=…`, or an
 * `otpauth://totp/Issuer:username?secret=…` link for an account that only shows codes.
 * @param {string} text
 * @returns {VerityLink | OtpauthLink}
 */
export function parseLink(text) {
  const link = text.trim();
  if (!link) throw new LinkError('empty');
  const verity = /^verity:\/\/activate\/?\?([^#]*)/i.exec(link);
  if (verity) {
    const params = new URLSearchParams(verity[1]);
    const organisation = params.get('organisation') ?? '';
    const device = params.get('device') ?? '';
    const code = params.get('code') ?? '';
    if (!SEGMENT.test(organisation) || !SEGMENT.test(device) || !code) throw new LinkError('incomplete');
    return { kind: 'verity', api: params.get('api') ?? '', organisation, device, code };
  }
  const otpauth = /^otpauth:\/\/totp\/([^?#]*)\?([^#]*)/i.exec(link);
  if (otpauth) return parseOtpauth(otpauth[1] ?? '', new URLSearchParams(otpauth[2]));
  throw new LinkError('unsupported');
}

/**
 * @param {string} rawLabel
 * @param {URLSearchParams} params
 * @returns {OtpauthLink}
 */
function parseOtpauth(rawLabel, params) {
  let label;
  try {
    label = decodeURIComponent(rawLabel);
  } catch {
    throw new LinkError('incomplete');
  }
  const colon = label.indexOf(':');
  const labelIssuer = colon >= 0 ? label.slice(0, colon).trim() : '';
  const username = (colon >= 0 ? label.slice(colon + 1) : label).trim();
  const secret = (params.get('secret') ?? '').replace(/[\s=]/g, '').toUpperCase();
  try {
    if (base32Decode(secret).length < 10) throw new LinkError('secret');
  } catch {
    throw new LinkError('secret');
  }
  const digits = Number(params.get('digits') ?? 6);
  const period = Number(params.get('period') ?? 30);
  const algorithm = (params.get('algorithm') ?? 'SHA1').toUpperCase();
  if (
    ![6, 7, 8].includes(digits) ||
    !Number.isInteger(period) ||
    period < 1 ||
    period > 300 ||
    !isAlgorithm(algorithm)
  )
    throw new LinkError('settings');
  return {
    kind: 'totp',
    issuer: params.get('issuer') ?? labelIssuer,
    username,
    totp: { secret, digits, period, algorithm },
  };
}
