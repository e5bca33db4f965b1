import { deviceProof } from './jws.js';

/**
 * Verity's device API, always through this app's own server (same origin: `/v1/devices/…` is proxied to the
 * Verity API), never to the `api` an activation link names.
 */

/**
 * @typedef {object} Problem an RFC 9457 problem document, as Verity answers errors
 * @property {string} [type]
 * @property {string} [title]
 * @property {number} [status]
 * @property {string} [detail]
 * @property {string} [code]
 */

/** Verity answered with an error. */
export class ApiProblem extends Error {
  /**
   * @param {number} status
   * @param {Problem | null} problem
   */
  constructor(status, problem) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.name = 'ApiProblem';
    this.status = status;
    this.problem = problem;
  }
}

/** Verity could not be reached: offline, or this app's server could not reach it. */
export class Unreachable extends Error {
  constructor() {
    super('Verity cannot be reached');
    this.name = 'Unreachable';
  }
}

/**
 * @param {'GET' | 'POST' | 'PUT' | 'DELETE'} method
 * @param {string} path
 * @param {{ body?: unknown, proof?: string }} [options]
 * @returns {Promise<any>}
 */
async function call(method, path, { body, proof } = {}) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (proof) headers['device-proof'] = proof;
  /** @type {Response} */
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      cache: 'no-store',
      credentials: 'omit',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    throw new Unreachable();
  }
  const text = await response.text().catch(() => '');
  const data = parseJson(text);
  if (response.ok) return data;
  // this app's server answers 502/504 when it cannot reach Verity
  if (data?.code === 'upstream-unreachable' || data?.code === 'upstream-timeout') throw new Unreachable();
  throw new ApiProblem(response.status, data && typeof data === 'object' ? data : null);
}

/**
 * @param {string} text
 * @returns {any} null when empty or not JSON
 */
function parseJson(text) {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/**
 * @param {string} organisation
 * @param {string} deviceId
 */
const base = (organisation, deviceId) =>
  `/v1/devices/${encodeURIComponent(organisation)}/${encodeURIComponent(deviceId)}`;

/**
 * @typedef {object} Activated
 * @property {string} deviceId
 * @property {{slug: string, name: string}} organisation
 * @property {string} [account] the username
 * @property {{secret: string, digits: number, period: number, algorithm: import('./totp.js').TotpAlgorithm}} totp
 */

/**
 * Registers the device's public key with the activation code from the QR link.
 * @param {string} organisation
 * @param {string} deviceId
 * @param {{activationCode: string, publicKey: import('./jws.js').PublicJwk, platform: 'web', pushToken?: string}} body
 * @returns {Promise<Activated>}
 */
export function activate(organisation, deviceId, body) {
  return call('POST', `${base(organisation, deviceId)}/activate`, { body });
}

/**
 * @typedef {object} PendingRequest a sign-in waiting for this device's answer (never with the number)
 * @property {string} challengeId
 * @property {string} organisation the organisation's name
 * @property {string | null} app
 * @property {string | null} location e.g. "Leeds, England, United Kingdom"
 * @property {string} requestedAt ISO 8601
 * @property {number} numberDigits
 * @property {string} expiresAt
 */

/**
 * @typedef {object} DeviceAccount the parts of an account the device API needs
 * @property {string} organisationSlug
 * @property {string} deviceId
 * @property {CryptoKeyPair} keys
 */

/**
 * "Check for notifications".
 * @param {DeviceAccount} account
 * @returns {Promise<PendingRequest[]>}
 */
export async function pendingRequests(account) {
  const proof = await deviceProof(account.keys.privateKey, account.deviceId, 'list');
  const data = await call('GET', `${base(account.organisationSlug, account.deviceId)}/challenges`, { proof });
  return Array.isArray(data?.challenges) ? data.challenges : [];
}

/**
 * @typedef {'approve' | 'deny' | 'fraud'} Decision
 * @typedef {'approved' | 'denied' | 'wrong_number' | 'fraud'} Outcome
 */

/**
 * Approves (with the number typed), denies, or denies and reports fraud; signed by the device.
 * @param {DeviceAccount} account
 * @param {string} challengeId
 * @param {Decision} decision
 * @param {string} [number] approvals only
 * @returns {Promise<{challengeId: string, outcome: Outcome}>}
 */
export async function answerRequest(account, challengeId, decision, number) {
  const proof = await deviceProof(account.keys.privateKey, account.deviceId, 'answer', {
    challengeId,
    decision,
    ...(decision === 'approve' ? { number } : {}),
  });
  return call(
    'POST',
    `${base(account.organisationSlug, account.deviceId)}/challenges/${encodeURIComponent(challengeId)}/answer`,
    { proof },
  );
}

/**
 * Gives Verity this browser's FCM token for the account, so it can wake the app with a push.
 * @param {DeviceAccount} account
 * @param {string} pushToken
 */
export async function updatePushToken(account, pushToken) {
  const proof = await deviceProof(account.keys.privateKey, account.deviceId, 'push-token', { pushToken });
  return call('PUT', `${base(account.organisationSlug, account.deviceId)}/push-token`, { proof });
}

/**
 * Deactivates the device: Verity stops sending it requests and its codes stop working.
 * @param {DeviceAccount} account
 */
export async function deactivate(account) {
  const proof = await deviceProof(account.keys.privateKey, account.deviceId, 'deactivate');
  return call('DELETE', base(account.organisationSlug, account.deviceId), { proof });
}
