import {
  type KeyRing,
  type WrappedDataKey,
  dataKeyVersionOf,
  decryptWithDataKey,
  deriveKey,
  encryptWithDataKey,
  newDataKey,
} from './envelope.js';

/** Where wrapped data keys live (the database, in production). */
export interface DataKeyStore {
  /** All versions of the organisation's data key, newest first. */
  load(tenantId: string): Promise<WrappedDataKey[]>;
  save(tenantId: string, key: WrappedDataKey): Promise<void>;
  replace(tenantId: string, key: WrappedDataKey): Promise<void>;
}

interface Unwrapped {
  current: { version: number; key: Buffer };
  byVersion: Map<number, Buffer>;
}

/** Encrypts and decrypts an organisation's secrets with its own data key (envelope encryption). */
export class TenantCipher {
  private readonly cache = new Map<string, Promise<Unwrapped>>();

  constructor(
    private readonly ring: KeyRing,
    private readonly store: DataKeyStore,
  ) {}

  async encrypt(tenantId: string, context: string, plaintext: string | Buffer): Promise<Buffer> {
    const { current } = await this.keys(tenantId);
    return encryptWithDataKey(current.key, current.version, tenantId, context, Buffer.from(plaintext));
  }

  async decrypt(tenantId: string, context: string, blob: Buffer): Promise<Buffer> {
    const keys = await this.keys(tenantId);
    const version = dataKeyVersionOf(blob);
    const key = keys.byVersion.get(version);
    if (!key) throw new Error(`data key version ${version} of this organisation is missing`);
    return decryptWithDataKey(key, tenantId, context, blob);
  }

  async decryptText(tenantId: string, context: string, blob: Buffer): Promise<string> {
    return (await this.decrypt(tenantId, context, blob)).toString('utf8');
  }

  /** A key for hashing this organisation's one-time codes (HMAC-SHA-256). */
  async codeKey(tenantId: string): Promise<Buffer> {
    return deriveKey((await this.keys(tenantId)).current.key, 'code-hmac');
  }

  /** Creates the first data key of a new organisation. */
  async provision(tenantId: string): Promise<void> {
    if ((await this.store.load(tenantId)).length > 0) return;
    await this.store.save(tenantId, this.ring.wrap(tenantId, 1, newDataKey()));
    this.cache.delete(tenantId);
  }

  /** Adds a new data key version; older versions stay to decrypt what they encrypted. */
  async rotateDataKey(tenantId: string): Promise<number> {
    const stored = await this.store.load(tenantId);
    const version = Math.max(0, ...stored.map((k) => k.version)) + 1;
    await this.store.save(tenantId, this.ring.wrap(tenantId, version, newDataKey()));
    this.cache.delete(tenantId);
    return version;
  }

  /** Re-wraps every data key of the organisation under the active master key. Data is not touched. */
  async rewrap(tenantId: string): Promise<number> {
    let count = 0;
    for (const stored of await this.store.load(tenantId)) {
      if (!this.ring.needsRewrap(stored)) continue;
      const key = this.ring.unwrap(tenantId, stored);
      await this.store.replace(tenantId, this.ring.wrap(tenantId, stored.version, key));
      count += 1;
    }
    this.cache.delete(tenantId);
    return count;
  }

  private keys(tenantId: string): Promise<Unwrapped> {
    let pending = this.cache.get(tenantId);
    if (!pending) {
      pending = this.unwrapAll(tenantId);
      this.cache.set(tenantId, pending);
      pending.catch(() => this.cache.delete(tenantId));
    }
    return pending;
  }

  private async unwrapAll(tenantId: string): Promise<Unwrapped> {
    const stored = await this.store.load(tenantId);
    if (stored.length === 0) throw new Error('this organisation has no data key');
    const byVersion = new Map(stored.map((k) => [k.version, this.ring.unwrap(tenantId, k)] as const));
    const newest = stored.reduce((a, b) => (b.version > a.version ? b : a));
    return { current: { version: newest.version, key: byVersion.get(newest.version)! }, byVersion };
  }
}
