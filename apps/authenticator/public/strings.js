/**
 * Every string the authenticator shows, in one place. English (en-GB) is complete; Welsh reuses the English
 * strings until a translation arrives — translate the `cy` entries and set `ready.cy` to true.
 */

const en = {
  locale: 'en-GB',
  appTitle: 'Verity Authenticator',
  brand: 'Verity',
  skipLink: 'Skip to main content',
  appIntro:
    'A reference authenticator for demonstrations, development and browser tests. It is not a replacement for the Authenticator app on your phone.',
  insecureContext:
    'This app needs a secure connection. Open it on https:// or on http://localhost (http://127.0.0.1).',
  storageUnavailable: 'This browser cannot keep accounts (IndexedDB is not available).',

  // sign-in requests
  requestsHeading: 'Sign-in requests',
  checkForNotifications: 'Check for notifications',
  noRequests: 'No sign-in requests are waiting.',
  noAccountsToCheck: 'No account on this device gets sign-in requests. Add one with its activation link.',
  requestHeading: 'Are you trying to sign in?',
  requestOrganisation: 'Organisation',
  requestAccount: 'Account',
  requestApp: 'App',
  requestLocation: 'Approximate location',
  requestTime: 'Time',
  notKnown: 'Not known',
  mapCaption: 'Approximate location on a map of the UK',
  numberLabel: 'Enter the number shown to sign in',
  numberHint: 'Type the {digits} digit number shown on the sign-in screen.',
  numberMissing: 'Enter the number shown on the sign-in screen',
  numberNotDigits: 'The number must only include the digits 0 to 9',
  approve: 'Approve',
  deny: 'Deny',
  denyAndReport: 'Deny and report fraud',
  answering: 'Sending your answer…',
  outcome_approved: 'Approved',
  outcome_denied: 'Denied',
  outcome_fraud: 'Reported',
  outcome_wrong_number: 'Denied: the number did not match',
  outcomeDetail_approved: 'You can go back to the sign-in screen.',
  outcomeDetail_denied: 'Nobody was signed in.',
  outcomeDetail_fraud:
    'Nobody was signed in, and your organisation’s administrators have been told. Signing in may be blocked until they have checked your account.',
  outcomeDetail_wrong_number: 'The request was cancelled. Sign in again to get a new number.',
  resultAnnouncement: '{result}. {detail}',
  newRequest: 'New sign-in request from {organisation} for {username}.',
  requestsWaitingOne: 'One sign-in request is waiting.',
  requestsWaitingMany: '{count} sign-in requests are waiting.',
  requestGone: 'A sign-in request was withdrawn or has expired.',

  // notifications (web push, where the server is set up for it)
  pushTitle: 'Approve sign-in?',
  pushBody: 'Someone is signing in at {organisation}. Open the app to answer.',
  pushBodyApp: 'Someone is signing in to {app} at {organisation}. Open the app to answer.',
  pushOn: 'Notifications are on: sign-in requests also show when this app is in the background.',
  pushNotAsked:
    'Notifications are off. Press Check for notifications to allow them; until then this app checks for sign-in requests while it is open.',
  pushDenied:
    'Notifications are blocked for this app in the browser’s settings, so it checks for sign-in requests while it is open.',
  pushUnsupported:
    'This browser cannot show notifications from this app, so it checks for sign-in requests while it is open.',
  pushFailed:
    'Notifications could not be turned on (the notification service cannot be reached), so this app checks for sign-in requests while it is open.',

  // accounts
  accountsHeading: 'Accounts',
  noAccounts: 'There are no accounts on this device yet. Add one below.',
  codeLabel: 'One-time password code',
  newCodeIn: 'New code in',
  secondsShort: 's',
  codeUnavailable: 'Code not available',
  kindVerity: 'Sign-in requests and codes',
  kindTotp: 'Codes only',
  serviceLabel: 'Verity service',
  removeAccount: 'Remove account',
  removing: 'Removing…',
  accountRemoved: 'Account {username} at {organisation} removed.',
  accountRemovedLocally:
    'Account {username} at {organisation} removed from this device. Verity no longer recognised it.',
  accountUnrecognised:
    'Verity no longer recognises this account on this device. Remove it, then add it again from Security info.',

  // adding an account
  addHeading: 'Add account',
  linkLabel: 'Activation link',
  linkHint:
    'Paste the link from the QR code shown when you set up the Authenticator app (it starts with verity://activate). A link starting with otpauth:// adds an account that only shows codes.',
  addAccount: 'Add account',
  adding: 'Adding account…',
  scanQr: 'Scan QR code',
  stopScanning: 'Stop scanning',
  scanning: 'Point the camera at the QR code.',
  cameraUnavailable: 'The camera could not be started. Paste the activation link instead.',
  qrNotRecognised: 'That QR code is not an activation link.',
  accountAdded: 'Account {username} at {organisation} added.',
  link_empty: 'Enter the activation link',
  link_unsupported: 'Enter a link that starts with verity://activate or otpauth://totp',
  link_incomplete: 'The activation link is not complete. Copy the whole link and try again.',
  link_secret: 'The secret in the otpauth:// link is not valid',
  link_settings: 'The otpauth:// link has settings this app does not support',
  alreadyAdded: 'This account is already on this device',
  notSaved: 'The account could not be saved on this device.',

  // the service
  unreachable: 'Verity cannot be reached. Check your connection and try again.',
  offline: 'You are offline. Codes still work; sign-in requests will show when you are back online.',
  backOnline: 'Connected to Verity again.',
  problemStatus: 'Verity answered with an error ({status}).',
  errorPrefix: 'Error:',
};

/** @typedef {typeof en} Strings */
/** @typedef {keyof Strings} StringKey */

/** @type {Record<'en' | 'cy', Strings>} */
export const strings = {
  en,
  // Welsh ready: the same keys, English for now.
  cy: { ...en, locale: 'cy' },
};

/** Which languages are translated; untranslated ones fall back to English. */
export const ready = { en: true, cy: false };

/**
 * The language to show: Welsh when the browser prefers it and the translation is ready, else English.
 * @param {readonly string[]} preferred the browser's languages, most preferred first
 * @returns {'en' | 'cy'}
 */
export function chooseLanguage(preferred) {
  for (const tag of preferred) {
    const language = tag.toLowerCase().split('-')[0];
    if (language === 'cy' && ready.cy) return 'cy';
    if (language === 'en') return 'en';
  }
  return 'en';
}

/** @type {Strings} */
let current = en;

/** @param {'en' | 'cy'} language */
export function useLanguage(language) {
  current = strings[language];
}

/**
 * A string with its `{placeholders}` filled in.
 * @param {StringKey} key
 * @param {Record<string, string | number>} [values]
 * @returns {string}
 */
export function t(key, values = {}) {
  return current[key].replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}
