import { t } from './strings.js';

/**
 * What web push (FCM) changes, as plain functions: push.js and the service worker act on them, and
 * src/push-rules.spec.ts tests them.
 */

/**
 * @typedef {object} FirebaseWebConfig the server's `/config.json` when web push is configured
 * @property {string} apiKey
 * @property {string} [authDomain]
 * @property {string} projectId
 * @property {string} messagingSenderId
 * @property {string} appId
 * @property {string} vapidKey
 *
 * @typedef {'not-asked' | 'denied' | 'unsupported' | 'failed'} PushOffReason
 * @typedef {{state: 'unconfigured'} | {state: 'on', token: string} | {state: 'off', reason: PushOffReason}} PushState
 */

/** How often to ask Verity for sign-in requests while a push may not come. */
export const POLL_MS = 2000;
/** How often when a push wakes every account: only in case one is lost. */
export const POLL_WITH_PUSH_MS = 15_000;
/** What the service worker posts to open pages when a push arrives: ask Verity now. */
export const REFRESH = 'verity-refresh';

/**
 * Whether to ask Firebase for a token, or why push stays off: a prompt is only shown on a click.
 * @param {{supported: boolean, permission: NotificationPermission}} browser
 * @returns {PushState | null} null: ask for a token
 */
export function pushBlocker({ supported, permission }) {
  if (!supported) return { state: 'off', reason: 'unsupported' };
  if (permission === 'denied') return { state: 'off', reason: 'denied' };
  if (permission !== 'granted') return { state: 'off', reason: 'not-asked' };
  return null;
}

/**
 * With a token, every Verity account that Verity does not yet know it for is told (at activation, else
 * `PUT push-token`), and polling slows down once all are; without one the app polls as it always has.
 * @template {{kind: string, pushToken?: string}} A
 * @param {PushState} push
 * @param {A[]} accounts
 * @returns {{register: A[], pollMs: number}}
 */
export function pushPlan(push, accounts) {
  if (push.state !== 'on') return { register: [], pollMs: POLL_MS };
  const register = accounts.filter((a) => a.kind === 'verity' && a.pushToken !== push.token);
  return { register, pollMs: register.length === 0 ? POLL_WITH_PUSH_MS : POLL_MS };
}

/** @type {Record<PushOffReason, import('./strings.js').StringKey>} */
const OFF_TEXT = {
  'not-asked': 'pushNotAsked',
  denied: 'pushDenied',
  unsupported: 'pushUnsupported',
  failed: 'pushFailed',
};

/**
 * What the page says about notifications; nothing when web push is not configured.
 * @param {PushState} push
 * @returns {string | null}
 */
export function pushStatusText(push) {
  if (push.state === 'unconfigured') return null;
  return t(push.state === 'on' ? 'pushOn' : OFF_TEXT[push.reason]);
}

/**
 * The service worker's address. With web push it carries Firebase's settings, as the worker must set up
 * Firebase as it starts, before any event (and a change of settings updates the worker).
 * @param {FirebaseWebConfig | null} firebase
 */
export function workerUrl(firebase) {
  if (!firebase) return '/sw.js';
  const { apiKey, projectId, messagingSenderId, appId } = firebase;
  const settings = JSON.stringify({ apiKey, projectId, messagingSenderId, appId });
  return `/sw.js?${new URLSearchParams({ firebase: settings })}`;
}

/**
 * Firebase's settings from the service worker's address, or null.
 * @param {string} href
 * @returns {{apiKey: string, projectId: string, messagingSenderId: string, appId: string} | null}
 */
export function firebaseOfWorker(href) {
  const settings = new URL(href).searchParams.get('firebase');
  return settings ? JSON.parse(settings) : null;
}

/**
 * The notification for an FCM data message about a sign-in request, or null for any other message. The data
 * is what Verity sends (`challengeId`, `organisation`, `organisationName`, `app`, `location`; never the
 * number); only the organisation and the app are shown.
 * @param {Record<string, string> | undefined} data
 * @returns {{title: string, options: NotificationOptions} | null}
 */
export function requestNotification(data) {
  const challengeId = data?.challengeId;
  if (!challengeId) return null;
  const organisation = data.organisationName || data.organisation || t('notKnown');
  return {
    title: t('pushTitle'),
    options: {
      body: data.app ? t('pushBodyApp', { organisation, app: data.app }) : t('pushBody', { organisation }),
      tag: `request-${challengeId}`,
      icon: '/icon.svg',
      requireInteraction: true,
      data: { challengeId },
    },
  };
}
