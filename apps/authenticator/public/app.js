import {
  ApiProblem,
  Unreachable,
  activate,
  answerRequest,
  deactivate,
  pendingRequests,
  updatePushToken,
} from './api.js';
import { byId, h, svg } from './dom.js';
import { newDeviceKey } from './jws.js';
import { LinkError, parseLink } from './link.js';
import { MAP, locate } from './map.js';
import { loadFirebaseConfig, pushState, startServiceWorker } from './push.js';
import { pushPlan, pushStatusText } from './push-rules.js';
import { allAccounts, deleteAccount, saveAccount } from './store.js';
import { chooseLanguage, t, useLanguage } from './strings.js';
import { secondsLeft, timeStep, totp } from './totp.js';

/**
 * @typedef {import('./store.js').Account} Account
 * @typedef {import('./api.js').PendingRequest} PendingRequest
 * @typedef {import('./api.js').Decision} Decision
 * @typedef {import('./strings.js').StringKey} StringKey
 *
 * @typedef {object} RequestCard a sign-in request on screen
 * @property {string} accountId
 * @property {HTMLLIElement} element
 * @property {boolean} answered
 * @property {boolean} busy
 * @property {number} shownAt
 */

/** How many answered requests stay on screen with their result. */
const KEEP_ANSWERED = 5;

/** @type {Map<string, Account>} the accounts on this device, by id */
const accounts = new Map();
/** @type {Map<string, RequestCard>} requests on screen, by challenge id */
const requestCards = new Map();
/** @type {Map<string, string>} why an account does not work, by account id */
const accountProblems = new Map();
/** @type {Map<string, {step: number, code: string}>} the current code of each account */
const codes = new Map();
/** @type {import('./push-rules.js').FirebaseWebConfig | null} web push settings; null: poll only */
let firebase = null;
/** @type {ServiceWorkerRegistration | null} */
let worker = null;
/** @type {import('./push-rules.js').PushState} */
let push = { state: 'unconfigured' };

const ui = {
  fatal: byId('fatal'),
  status: byId('status'),
  check: /** @type {HTMLButtonElement} */ (byId('check')),
  pushStatus: byId('push-status'),
  requestsHeading: byId('requests-heading'),
  noRequests: byId('no-requests'),
  requestList: byId('request-list'),
  accountsHeading: byId('accounts-heading'),
  noAccounts: byId('no-accounts'),
  accountList: byId('account-list'),
  addForm: /** @type {HTMLFormElement} */ (byId('add-form')),
  linkGroup: byId('link-group'),
  link: /** @type {HTMLInputElement} */ (byId('link')),
  linkError: byId('link-error'),
  addButton: /** @type {HTMLButtonElement} */ (byId('add-button')),
  scan: /** @type {HTMLButtonElement} */ (byId('scan')),
  scanner: byId('scanner'),
  scannerMessage: byId('scanner-message'),
  video: /** @type {HTMLVideoElement} */ (byId('scanner-video')),
  scanStop: /** @type {HTMLButtonElement} */ (byId('scan-stop')),
};

// ---------------------------------------------------------------------------------------------------------
// Start

useLanguage(chooseLanguage(navigator.languages?.length ? navigator.languages : [navigator.language]));
translatePage();
void start();

function translatePage() {
  document.documentElement.lang = t('locale');
  document.title = t('appTitle');
  for (const element of document.querySelectorAll('[data-i18n]'))
    element.textContent = t(/** @type {StringKey} */ (element.getAttribute('data-i18n')));
}

async function start() {
  if (!window.isSecureContext || !globalThis.crypto?.subtle) {
    showFatal(t('insecureContext'));
    ui.addButton.disabled = true;
    ui.check.disabled = true;
    return;
  }
  ui.addForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void addAccount();
  });
  ui.check.addEventListener('click', () => void checkNow());
  setUpScanner();
  window.addEventListener('online', () => void poll(false));
  window.addEventListener('offline', () => setReachable(false));
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void poll(false);
  });

  try {
    if (!('indexedDB' in window)) throw new Error('no IndexedDB');
    for (const account of await allAccounts()) accounts.set(account.id, account);
  } catch {
    showFatal(t('storageUnavailable'));
  }
  renderAccounts();
  updateRequestsEmpty();
  tickEverySecond();
  pollRegularly();
  void poll(false);
  void setUpPush();
}

/** @param {string} message */
function showFatal(message) {
  ui.fatal.textContent = message;
  ui.fatal.hidden = false;
}

let announcement = 0;

/**
 * Says something in the live region (and shows it), for new requests, results and errors.
 * @param {string} message
 */
function announce(message) {
  const mine = ++announcement;
  ui.status.textContent = '';
  // a fresh text node after a moment, so the same message twice is announced twice
  setTimeout(() => {
    if (mine === announcement) ui.status.textContent = message;
  }, 50);
}

// ---------------------------------------------------------------------------------------------------------
// Adding an account

let adding = false;

async function addAccount() {
  if (adding) return;
  clearLinkError();
  /** @type {import('./link.js').VerityLink | import('./link.js').OtpauthLink} */
  let link;
  try {
    link = parseLink(ui.link.value);
  } catch (error) {
    showLinkError(error instanceof LinkError ? t(/** @type {StringKey} */ (`link_${error.reason}`)) : '');
    return;
  }
  if (link.kind === 'verity') void turnOnPush();
  adding = true;
  ui.addButton.disabled = true;
  ui.addButton.textContent = t('adding');
  try {
    const account = link.kind === 'verity' ? await activateVerity(link) : codeOnlyAccount(link);
    if (!account) return;
    try {
      await saveAccount(account);
    } catch {
      showLinkError(t('notSaved'));
      return;
    }
    accounts.set(account.id, account);
    ui.link.value = '';
    renderAccounts();
    announce(t('accountAdded', { username: account.username, organisation: account.organisationName }));
    if (account.kind === 'verity') {
      void poll(false);
      void updatePush();
    }
  } finally {
    adding = false;
    ui.addButton.disabled = false;
    ui.addButton.textContent = t('addAccount');
  }
}

/**
 * Activates this browser as the account's authenticator: a new non-extractable P-256 key, its public half
 * registered with the one-time code from the link.
 * @param {import('./link.js').VerityLink} link
 * @returns {Promise<Account | null>}
 */
async function activateVerity(link) {
  if (accounts.has(link.device)) {
    showLinkError(t('alreadyAdded'));
    return null;
  }
  const { keys, publicKey } = await newDeviceKey();
  // without a token yet, it is sent when there is one (updatePush)
  const pushToken = push.state === 'on' ? push.token : undefined;
  try {
    const activated = await activate(link.organisation, link.device, {
      activationCode: link.code,
      publicKey,
      platform: 'web',
      ...(pushToken ? { pushToken } : {}),
    });
    return {
      id: activated.deviceId,
      kind: 'verity',
      organisationName: activated.organisation?.name ?? link.organisation,
      organisationSlug: activated.organisation?.slug ?? link.organisation,
      username: activated.account ?? '',
      deviceId: activated.deviceId,
      api: link.api,
      keys,
      totp: {
        secret: activated.totp.secret,
        digits: activated.totp.digits ?? 6,
        period: activated.totp.period ?? 30,
        algorithm: activated.totp.algorithm ?? 'SHA1',
      },
      ...(pushToken ? { pushToken } : {}),
      addedAt: new Date().toISOString(),
    };
  } catch (error) {
    showLinkError(problemText(error));
    return null;
  }
}

/**
 * @param {import('./link.js').OtpauthLink} link
 * @returns {Account | null}
 */
function codeOnlyAccount(link) {
  const duplicate = [...accounts.values()].some(
    (a) => a.kind === 'totp' && a.totp.secret === link.totp.secret && a.username === link.username,
  );
  if (duplicate) {
    showLinkError(t('alreadyAdded'));
    return null;
  }
  return {
    id: crypto.randomUUID(),
    kind: 'totp',
    organisationName: link.issuer,
    username: link.username,
    totp: link.totp,
    addedAt: new Date().toISOString(),
  };
}

/** @param {string} message */
function showLinkError(message) {
  ui.linkError.replaceChildren(h('span', { class: 'visually-hidden' }, `${t('errorPrefix')} `), message);
  ui.linkError.hidden = false;
  ui.linkGroup.classList.add('field-error');
  ui.link.setAttribute('aria-invalid', 'true');
  ui.link.setAttribute('aria-describedby', 'link-hint link-error');
  announce(message);
}

function clearLinkError() {
  ui.linkError.replaceChildren();
  ui.linkError.hidden = true;
  ui.linkGroup.classList.remove('field-error');
  ui.link.removeAttribute('aria-invalid');
  ui.link.setAttribute('aria-describedby', 'link-hint');
}

/**
 * What to tell the person about a failed request: Verity's problem detail where it gave one.
 * @param {unknown} error
 */
function problemText(error) {
  if (error instanceof Unreachable) return navigator.onLine === false ? t('offline') : t('unreachable');
  if (error instanceof ApiProblem)
    return error.problem?.detail || error.problem?.title || t('problemStatus', { status: error.status });
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------------------------------
// The scanner (where the browser has BarcodeDetector and a camera)

function setUpScanner() {
  /** @type {any} */
  const Detector = /** @type {any} */ (window).BarcodeDetector;
  if (typeof Detector !== 'function' || !navigator.mediaDevices?.getUserMedia) return;
  ui.scan.hidden = false;
  /** @type {MediaStream | null} */
  let stream = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;

  const stop = () => {
    clearTimeout(timer);
    for (const track of stream?.getTracks() ?? []) track.stop();
    stream = null;
    ui.video.srcObject = null;
    ui.scanner.hidden = true;
  };

  ui.scan.addEventListener('click', async () => {
    if (stream) return;
    clearLinkError();
    /** @type {any} */
    let detector;
    try {
      detector = new Detector({ formats: ['qr_code'] });
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
      ui.video.srcObject = stream;
      ui.scanner.hidden = false;
      ui.scannerMessage.textContent = t('scanning');
      await ui.video.play();
    } catch {
      stop();
      showLinkError(t('cameraUnavailable'));
      return;
    }
    ui.scanStop.focus();
    const look = async () => {
      if (!stream) return;
      try {
        /** @type {{rawValue?: unknown}[]} */
        const found = await detector.detect(ui.video);
        const value = found.map((code) => code.rawValue).find((raw) => typeof raw === 'string');
        if (typeof value === 'string' && /^(verity|otpauth):/i.test(value)) {
          stop();
          ui.link.value = value;
          ui.link.focus();
          ui.addForm.requestSubmit();
          return;
        }
        if (typeof value === 'string') ui.scannerMessage.textContent = t('qrNotRecognised');
      } catch {
        // the video may not have a frame yet
      }
      timer = setTimeout(() => void look(), 300);
    };
    void look();
  });
  ui.scanStop.addEventListener('click', () => {
    stop();
    ui.scan.focus();
  });
}

// ---------------------------------------------------------------------------------------------------------
// Accounts and their codes

function renderAccounts() {
  ui.accountList.replaceChildren(...[...accounts.values()].map(accountCard));
  ui.noAccounts.hidden = accounts.size > 0;
  void updateCodes();
}

/**
 * @param {Account} account
 * @returns {HTMLLIElement}
 */
function accountCard(account) {
  const problem = accountProblems.get(account.id);
  const label = h('span', {}, t('removeAccount'));
  const remove = h(
    'button',
    { type: 'button', class: 'button secondary', 'data-testid': 'remove-account' },
    label,
    h('span', { class: 'visually-hidden' }, ` ${account.username}, ${account.organisationName}`),
  );
  remove.addEventListener('click', () => void removeAccount(account, remove, label));
  return h(
    'li',
    { class: 'card account', 'data-testid': 'account', 'data-account-id': account.id },
    h('h3', { id: `account-${account.id}`, tabindex: '-1' }, account.organisationName || account.username),
    h('p', { class: 'username', 'data-testid': 'account-username' }, account.username),
    h(
      'p',
      { class: 'code-line' },
      h('span', { class: 'code-label' }, t('codeLabel')),
      h('span', { class: 'code', 'data-testid': 'totp-code' }, codes.get(account.id)?.code ?? ''),
    ),
    h(
      'p',
      { class: 'countdown' },
      `${t('newCodeIn')} `,
      h('span', { 'data-testid': 'totp-countdown' }, String(secondsLeft(account.totp.period))),
      ` ${t('secondsShort')}`,
    ),
    h('div', { class: 'countdown-bar', 'aria-hidden': 'true' }, h('div', { class: 'countdown-fill' })),
    h('p', { class: 'kind' }, account.kind === 'verity' ? t('kindVerity') : t('kindTotp')),
    account.api
      ? h('p', { class: 'service', 'data-testid': 'account-api' }, `${t('serviceLabel')}: ${account.api}`)
      : null,
    h('p', { class: 'error-message', 'data-testid': 'account-problem', hidden: !problem }, problem ?? ''),
    remove,
  );
}

/** @param {string} accountId */
function cardOf(accountId) {
  return ui.accountList.querySelector(`[data-account-id="${CSS.escape(accountId)}"]`);
}

/** Runs the codes and countdowns once a second, on the second. */
function tickEverySecond() {
  void updateCodes();
  setTimeout(tickEverySecond, 1000 - (Date.now() % 1000) + 10);
}

async function updateCodes() {
  const now = Date.now();
  await Promise.all(
    [...accounts.values()].map(async (account) => {
      const card = cardOf(account.id);
      if (!card) return;
      const period = account.totp.period || 30;
      const left = secondsLeft(period, now);
      const countdown = card.querySelector('[data-testid="totp-countdown"]');
      if (countdown) countdown.textContent = String(left);
      const fill = /** @type {HTMLElement | null} */ (card.querySelector('.countdown-fill'));
      fill?.style.setProperty('transform', `scaleX(${left / period})`);
      const step = timeStep(period, now);
      let code = codes.get(account.id);
      if (code?.step !== step) {
        try {
          code = { step, code: await totp(account.totp, now) };
          codes.set(account.id, code);
        } catch {
          code = { step, code: '' };
        }
      }
      const shown = card.querySelector('[data-testid="totp-code"]');
      if (shown && shown.textContent !== code.code) shown.textContent = code.code || t('codeUnavailable');
    }),
  );
}

/**
 * Deactivates the device at Verity, then forgets the account and its key. A device Verity no longer
 * recognises (401) is forgotten too; any other failure keeps the account so it can be tried again.
 * @param {Account} account
 * @param {HTMLButtonElement} button
 * @param {HTMLElement} label the button's visible text
 */
async function removeAccount(account, button, label) {
  if (button.disabled) return;
  button.disabled = true;
  label.textContent = t('removing');
  const names = { username: account.username, organisation: account.organisationName };
  let message = t('accountRemoved', names);
  if (account.kind === 'verity') {
    try {
      await deactivate(deviceAccount(account));
    } catch (error) {
      if (error instanceof ApiProblem && error.status === 401) message = t('accountRemovedLocally', names);
      else {
        setAccountProblem(account.id, problemText(error));
        button.disabled = false;
        label.textContent = t('removeAccount');
        announce(problemText(error));
        return;
      }
    }
  }
  try {
    await deleteAccount(account.id);
  } catch {
    // it is gone from Verity; forget it here for this session at least
  }
  accounts.delete(account.id);
  codes.delete(account.id);
  accountProblems.delete(account.id);
  for (const [id, card] of requestCards) if (card.accountId === account.id) removeRequestCard(id);
  renderAccounts();
  ui.accountsHeading.focus();
  announce(message);
}

/**
 * @param {string} accountId
 * @param {string | null} problem
 */
function setAccountProblem(accountId, problem) {
  if ((accountProblems.get(accountId) ?? null) === problem) return;
  if (problem) accountProblems.set(accountId, problem);
  else accountProblems.delete(accountId);
  const element = cardOf(accountId)?.querySelector('[data-testid="account-problem"]');
  if (element instanceof HTMLElement) {
    element.textContent = problem ?? '';
    element.hidden = !problem;
  }
}

/**
 * @param {Account} account
 * @returns {import('./api.js').DeviceAccount}
 */
function deviceAccount(account) {
  if (!account.keys || !account.deviceId || !account.organisationSlug)
    throw new Error('not a Verity account');
  return { keys: account.keys, deviceId: account.deviceId, organisationSlug: account.organisationSlug };
}

// ---------------------------------------------------------------------------------------------------------
// Sign-in requests

/** @type {Promise<void> | null} */
let polling = null;
let reachable = true;

/** Every 2 seconds, or more slowly while a push wakes every account (in case one is lost). */
function pollRegularly() {
  setTimeout(
    () => {
      if (!polling) void poll(false);
      pollRegularly();
    },
    pushPlan(push, [...accounts.values()]).pollMs,
  );
}

async function checkNow() {
  void turnOnPush();
  if (![...accounts.values()].some((a) => a.kind === 'verity')) {
    announce(t('noAccountsToCheck'));
    return;
  }
  await poll(true);
}

/**
 * Asks Verity for each account's pending requests (one poll at a time).
 * @param {boolean} manual "Check for notifications": also retries accounts Verity did not recognise, and
 *   always says what it found
 */
async function poll(manual) {
  while (polling) await polling;
  polling = pollOnce(manual).finally(() => {
    polling = null;
  });
  return polling;
}

/** @param {boolean} manual */
async function pollOnce(manual) {
  const targets = [...accounts.values()].filter(
    (a) => a.kind === 'verity' && (manual || !accountProblems.has(a.id)),
  );
  if (targets.length === 0) return;
  const results = await Promise.all(
    targets.map(async (account) => {
      try {
        return { account, requests: await pendingRequests(deviceAccount(account)) };
      } catch (error) {
        return { account, error };
      }
    }),
  );
  let unreachable = false;
  /** @type {{account: Account, request: PendingRequest}[]} */
  const fresh = [];
  let gone = false;
  for (const result of results) {
    const { account } = result;
    if (!accounts.has(account.id)) continue; // removed while we asked
    if (!('requests' in result) || !result.requests) {
      if (result.error instanceof Unreachable) unreachable = true;
      else if (result.error instanceof ApiProblem && result.error.status === 401)
        setAccountProblem(account.id, t('accountUnrecognised'));
      continue;
    }
    setAccountProblem(account.id, null);
    const pending = new Set(result.requests.map((r) => r.challengeId));
    for (const request of result.requests)
      if (!requestCards.has(request.challengeId)) {
        addRequestCard(account, request);
        fresh.push({ account, request });
      }
    for (const [id, card] of requestCards)
      if (card.accountId === account.id && !card.answered && !card.busy && !pending.has(id)) {
        removeRequestCard(id);
        gone = true;
      }
  }
  setReachable(!unreachable);
  updateRequestsEmpty();
  const first = fresh[0];
  const waiting = [...requestCards.values()].filter((card) => !card.answered).length;
  if (first && fresh.length === 1)
    announce(t('newRequest', { organisation: first.request.organisation, username: first.account.username }));
  else if (fresh.length > 1) announce(t('requestsWaitingMany', { count: waiting }));
  else if (manual && !unreachable)
    announce(
      waiting === 0
        ? t('noRequests')
        : waiting === 1
          ? t('requestsWaitingOne')
          : t('requestsWaitingMany', { count: waiting }),
    );
  else if (gone) announce(t('requestGone'));
}

// ---------------------------------------------------------------------------------------------------------
// Notifications (web push), where the server is configured for them

async function setUpPush() {
  firebase = await loadFirebaseConfig();
  worker = await startServiceWorker(firebase, () => void poll(false));
  await updatePush();
}

/** Only on a click: browsers refuse (or quieten) a permission prompt nobody asked for. */
async function turnOnPush() {
  if (!firebase || push.state === 'on') return;
  if (globalThis.Notification?.permission === 'default')
    await Notification.requestPermission().catch(() => undefined);
  await updatePush();
}

/** @type {Promise<void>} */
let pushUpdate = Promise.resolve();

/** Gets this browser's push token (again: it may have changed) and gives it to the accounts without it. */
function updatePush() {
  pushUpdate = pushUpdate.then(refreshPush);
  return pushUpdate;
}

async function refreshPush() {
  if (!firebase) return;
  const state = await pushState(firebase, worker, () => void poll(false));
  push = state;
  const text = pushStatusText(state);
  ui.pushStatus.textContent = text ?? '';
  ui.pushStatus.hidden = !text;
  if (state.state !== 'on') return;
  for (const account of pushPlan(state, [...accounts.values()]).register) {
    try {
      await updatePushToken(deviceAccount(account), state.token);
      if (!accounts.has(account.id)) continue; // removed meanwhile
      const updated = { ...account, pushToken: state.token };
      await saveAccount(updated);
      accounts.set(account.id, updated);
    } catch {
      // tried again at the next start or click; polling finds its requests meanwhile
    }
  }
}

/** @param {boolean} now */
function setReachable(now) {
  if (now === reachable) return;
  reachable = now;
  announce(now ? t('backOnline') : navigator.onLine === false ? t('offline') : t('unreachable'));
}

function updateRequestsEmpty() {
  ui.noRequests.hidden = [...requestCards.values()].some((card) => !card.answered);
}

/**
 * @param {Account} account
 * @param {PendingRequest} request
 */
function addRequestCard(account, request) {
  const id = request.challengeId;
  const prefix = `request-${id}`;
  const digits = Number(request.numberDigits) || 2;
  const input = h('input', {
    id: `${prefix}-number`,
    name: 'number',
    type: 'text',
    inputmode: 'numeric',
    autocomplete: 'off',
    maxlength: String(digits),
    class: 'number-input',
    'data-testid': 'request-number',
    'aria-describedby': `${prefix}-hint`,
  });
  const fieldError = h('p', { id: `${prefix}-error`, class: 'error-message', hidden: true });
  const approve = h('button', { type: 'submit', class: 'button' }, t('approve'));
  const deny = h('button', { type: 'button', class: 'button secondary' }, t('deny'));
  const fraud = h('button', { type: 'button', class: 'button warning' }, t('denyAndReport'));
  const progress = h('p', { class: 'hint', hidden: true }, t('answering'));
  const field = h(
    'div',
    { class: 'field' },
    h('label', { for: input.id }, t('numberLabel')),
    h('p', { id: `${prefix}-hint`, class: 'hint' }, t('numberHint', { digits })),
    fieldError,
    input,
  );
  const form = h(
    'form',
    { class: 'answer', novalidate: true },
    field,
    h('div', { class: 'button-row' }, approve, deny, fraud),
    progress,
  );
  const result = h('div', { class: 'result', 'data-testid': 'request-result', tabindex: '-1', hidden: true });
  const requested = new Date(request.requestedAt);
  const time = Number.isNaN(requested.getTime())
    ? t('notKnown')
    : h(
        'time',
        { datetime: requested.toISOString() },
        new Intl.DateTimeFormat(t('locale'), {
          hour: '2-digit',
          minute: '2-digit',
          second: '2-digit',
        }).format(requested),
      );
  const element = h(
    'li',
    { class: 'card request', 'data-testid': 'request', 'data-challenge-id': id },
    h('h3', {}, t('requestHeading')),
    h(
      'dl',
      { class: 'facts' },
      fact(t('requestOrganisation'), request.organisation || account.organisationName),
      fact(t('requestAccount'), account.username),
      fact(t('requestApp'), request.app || t('notKnown')),
      fact(t('requestLocation'), request.location || t('notKnown')),
      fact(t('requestTime'), time),
    ),
    mapOf(request.location),
    form,
    result,
  );
  /** @type {RequestCard} */
  const card = { accountId: account.id, element, answered: false, busy: false, shownAt: Date.now() };
  requestCards.set(id, card);

  /** @param {string | null} message */
  const setFieldError = (message) => {
    fieldError.replaceChildren(
      ...(message ? [h('span', { class: 'visually-hidden' }, `${t('errorPrefix')} `), message] : []),
    );
    fieldError.hidden = !message;
    field.classList.toggle('field-error', Boolean(message));
    if (message) {
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', `${prefix}-hint ${prefix}-error`);
    } else {
      input.removeAttribute('aria-invalid');
      input.setAttribute('aria-describedby', `${prefix}-hint`);
    }
  };

  /** @param {Decision} decision */
  const send = async (decision) => {
    if (card.busy || card.answered) return;
    const number = input.value.trim();
    if (decision === 'approve') {
      const invalid = !number ? t('numberMissing') : /^\d+$/.test(number) ? null : t('numberNotDigits');
      setFieldError(invalid);
      if (invalid) {
        input.focus();
        announce(invalid);
        return;
      }
    } else setFieldError(null);
    card.busy = true;
    for (const button of [approve, deny, fraud]) button.disabled = true;
    progress.hidden = false;
    try {
      const { outcome } = await answerRequest(deviceAccount(account), id, decision, number);
      const ok = outcome === 'approved';
      showResult(
        card,
        result,
        t(/** @type {StringKey} */ (`outcome_${outcome}`)),
        t(/** @type {StringKey} */ (`outcomeDetail_${outcome}`)),
        ok ? 'success' : 'warning',
      );
    } catch (error) {
      // over (410), not found (404) or not this device (401): final; anything else can be tried again
      const final = error instanceof ApiProblem && [401, 404, 410].includes(error.status);
      if (final) showResult(card, result, problemText(error), '', 'warning');
      else {
        setFieldError(problemText(error));
        announce(problemText(error));
        for (const button of [approve, deny, fraud]) button.disabled = false;
      }
    } finally {
      card.busy = false;
      progress.hidden = true;
    }
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void send('approve');
  });
  deny.addEventListener('click', () => void send('deny'));
  fraud.addEventListener('click', () => void send('fraud'));

  ui.requestList.prepend(element);
}

/**
 * @param {string} term
 * @param {string | Node} value
 */
function fact(term, value) {
  return h('div', {}, h('dt', {}, term), h('dd', {}, value));
}

/**
 * The approximate location on a small map of the UK (drawn here, no tiles), or nothing outside the UK.
 * @param {string | null} location
 */
function mapOf(location) {
  const spot = locate(location);
  if (!spot) return null;
  const map = svg(
    'svg',
    { viewBox: MAP.viewBox, class: 'map', role: 'img', 'aria-label': t('mapCaption'), focusable: 'false' },
    svg('path', { d: MAP.ireland, class: 'map-land map-other' }),
    svg('path', { d: MAP.greatBritain, class: 'map-land' }),
    spot.radius > 6
      ? svg('circle', { cx: spot.x, cy: spot.y, r: spot.radius, class: 'map-area' })
      : svg('circle', { cx: spot.x, cy: spot.y, r: 9, class: 'map-halo' }),
    svg('circle', { cx: spot.x, cy: spot.y, r: 4, class: 'map-dot' }),
  );
  return h('div', { class: 'map-frame', 'data-testid': 'request-map' }, map);
}

/**
 * Replaces a request's form with its result, moves focus to it and says it.
 * @param {RequestCard} card
 * @param {HTMLElement} result
 * @param {string} heading
 * @param {string} detail
 * @param {'success' | 'warning'} tone
 */
function showResult(card, result, heading, detail, tone) {
  card.answered = true;
  card.element.querySelector('form')?.remove();
  card.element.classList.add('answered', tone);
  result.replaceChildren(
    h('p', { class: 'result-heading', 'data-testid': 'request-outcome' }, heading),
    ...(detail ? [h('p', {}, detail)] : []),
  );
  result.hidden = false;
  result.focus();
  updateRequestsEmpty();
  announce(detail ? t('resultAnnouncement', { result: heading, detail }) : heading);
  // keep the last few answers on screen
  const answered = [...requestCards.entries()].filter(([, c]) => c.answered);
  for (const [id] of answered.slice(0, Math.max(0, answered.length - KEEP_ANSWERED))) removeRequestCard(id);
}

/** @param {string} challengeId */
function removeRequestCard(challengeId) {
  const card = requestCards.get(challengeId);
  if (!card) return;
  const hadFocus = card.element.contains(document.activeElement);
  card.element.remove();
  requestCards.delete(challengeId);
  updateRequestsEmpty();
  if (hadFocus) ui.requestsHeading.focus();
}
