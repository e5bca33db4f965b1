/**
 * The accounts on this device, in IndexedDB. A Verity account keeps its CryptoKeyPair there as it is: CryptoKey
 * objects are structured-cloneable, and the private key was made non-extractable, so not even this app can read
 * its bytes — it can only ask WebCrypto to sign with it.
 */

const DATABASE = 'verity-authenticator';
const STORE = 'accounts';

/**
 * @typedef {object} Account
 * @property {string} id the device's id for a Verity account; a random id for a code-only one
 * @property {'verity' | 'totp'} kind
 * @property {string} organisationName
 * @property {string} [organisationSlug] Verity accounts: the organisation in the device API's paths
 * @property {string} username
 * @property {string} [deviceId] Verity accounts
 * @property {string} [api] the Verity API the activation link named, for information
 * @property {CryptoKeyPair} [keys] Verity accounts: the device key (private half non-extractable)
 * @property {string} [pushToken] Verity accounts: the FCM token Verity last accepted for it (web push)
 * @property {{secret: string, digits: number, period: number, algorithm: import('./totp.js').TotpAlgorithm}} totp
 * @property {string} addedAt ISO 8601
 */

/** @type {Promise<IDBDatabase> | undefined} */
let opening;

/** @returns {Promise<IDBDatabase>} */
function database() {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'id' });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
  });
  opening.catch(() => (opening = undefined));
  return opening;
}

/**
 * @template T
 * @param {IDBTransactionMode} mode
 * @param {(store: IDBObjectStore) => IDBRequest} action
 * @returns {Promise<T>}
 */
async function run(mode, action) {
  const db = await database();
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(STORE, mode);
    const request = action(transaction.objectStore(STORE));
    transaction.oncomplete = () => resolve(request.result);
    transaction.onerror = () => reject(transaction.error ?? request.error);
    transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted'));
  });
}

/** @returns {Promise<Account[]>} oldest first */
export async function allAccounts() {
  /** @type {Account[]} */
  const accounts = await run('readonly', (store) => store.getAll());
  return accounts.sort((a, b) => a.addedAt.localeCompare(b.addedAt));
}

/** @param {Account} account */
export async function saveAccount(account) {
  await run('readwrite', (store) => store.put(account));
}

/** @param {string} id */
export async function deleteAccount(id) {
  await run('readwrite', (store) => store.delete(id));
}
