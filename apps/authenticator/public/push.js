import { REFRESH, pushBlocker, workerUrl } from './push-rules.js';

/**
 * Web push through Firebase Cloud Messaging, where the server is configured for it: Firebase's SDK (bundled
 * into /firebase.js by the build) is loaded only then.
 *
 * @typedef {import('./push-rules.js').FirebaseWebConfig} FirebaseWebConfig
 * @typedef {import('./push-rules.js').PushState} PushState
 */

/** Google not answering at all must not leave the app waiting for a token. */
const TOKEN_TIMEOUT_MS = 15_000;
const FIREBASE_BUNDLE = '/firebase.js';

/**
 * The server's Firebase settings, or null when web push is not configured (or the settings cannot be had).
 * @returns {Promise<FirebaseWebConfig | null>}
 */
export async function loadFirebaseConfig() {
  try {
    const response = await fetch('/config.json');
    return response.ok ? ((await response.json())?.firebase ?? null) : null;
  } catch {
    return null;
  }
}

/**
 * Registers the service worker (the offline shell; with Firebase's settings, also the push receiver) and calls
 * `onRefresh` when it says a push arrived. An insecure context or a browser without service workers goes
 * without.
 * @param {FirebaseWebConfig | null} firebase
 * @param {() => void} onRefresh
 * @returns {Promise<ServiceWorkerRegistration | null>}
 */
export async function startServiceWorker(firebase, onRefresh) {
  if (!('serviceWorker' in navigator)) return null;
  navigator.serviceWorker.addEventListener('message', (event) => {
    if (event.data?.type === REFRESH) onRefresh();
  });
  try {
    return await navigator.serviceWorker.register(workerUrl(firebase));
  } catch {
    return null;
  }
}

/** @type {Promise<typeof import('../bundles/firebase.js')> | undefined} */
let sdk;
/** @type {import('firebase/messaging').Messaging | undefined} */
let messaging;

/**
 * This browser's FCM token when notifications are allowed and Firebase answers, otherwise why push is off.
 * Never shows a prompt. Firebase keeps the token, so asking again is cheap and notices a new one.
 * @param {FirebaseWebConfig} firebase
 * @param {ServiceWorkerRegistration | null} registration
 * @param {() => void} onPush a push arrived while a page of the app is in view
 * @returns {Promise<PushState>}
 */
export async function pushState(firebase, registration, onPush) {
  if (!registration) return { state: 'off', reason: 'unsupported' };
  const blocked = pushBlocker({
    supported: 'PushManager' in window && 'Notification' in window,
    permission: 'Notification' in window ? Notification.permission : 'denied',
  });
  if (blocked) return blocked;
  try {
    sdk ??= /** @type {Promise<typeof import('../bundles/firebase.js')>} */ (import(FIREBASE_BUNDLE));
    const { getMessaging, getToken, initializeApp, isSupported, onMessage } = await sdk;
    if (!(await isSupported())) return { state: 'off', reason: 'unsupported' };
    if (!messaging) {
      const { vapidKey: _vapidKey, ...options } = firebase;
      messaging = getMessaging(initializeApp(options));
      onMessage(messaging, () => onPush());
    }
    const token = await withTimeout(
      getToken(messaging, { vapidKey: firebase.vapidKey, serviceWorkerRegistration: registration }),
      TOKEN_TIMEOUT_MS,
    );
    return { state: 'on', token };
  } catch {
    return { state: 'off', reason: 'failed' };
  }
}

/**
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @returns {Promise<T>}
 */
function withTimeout(promise, ms) {
  promise.catch(() => undefined); // a late failure after the timeout is not an unhandled rejection
  return Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), ms)),
  ]);
}
