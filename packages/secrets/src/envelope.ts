import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export interface MasterKey {
  id: string;
  key: Buffer;
}

/** A data key as stored: wrapped (encrypted) by one master key. */
export interface WrappedDataKey {
  version: number;
  masterKeyId: string;
  wrapped: Buffer;
}

export class DecryptionError extends Error {
  constructor(message = 'ciphertext could not be decrypted') {
    super(message);
    this.name = 'DecryptionError';
  }
}

const FORMAT = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + 4 + IV_BYTES + TAG_BYTES;

function seal(key: Buffer, plaintext: Buffer, aad: Buffer): { iv: Buffer; tag: Buffer; body: Buffer } {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), body };
}

function open(key: Buffer, iv: Buffer, tag: Buffer, body: Buffer, aad: Buffer): Buffer {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new DecryptionError();
  }
}

/** The master keys from configuration. The first wraps new data keys; every one can unwrap. */
export class KeyRing {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keys: readonly MasterKey[]) {
    if (keys.length === 0) throw new Error('KeyRing needs at least one master key');
    for (const k of keys) if (k.key.length !== 32) throw new Error(`master key ${k.id} must be 32 bytes`);
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  get activeId(): string {
    return this.keys[0]!.id;
  }

  wrap(tenantId: string, version: number, dataKey: Buffer): WrappedDataKey {
    const { iv, tag, body } = seal(this.byId.get(this.activeId)!, dataKey, wrapAad(tenantId, version));
    return { version, masterKeyId: this.activeId, wrapped: Buffer.concat([iv, tag, body]) };
  }

  unwrap(tenantId: string, stored: WrappedDataKey): Buffer {
    const master = this.byId.get(stored.masterKeyId);
    if (!master) throw new DecryptionError(`master key ${stored.masterKeyId} is not configured`);
    const w = stored.wrapped;
    return open(
      master,
      w.subarray(0, IV_BYTES),
      w.subarray(IV_BYTES, IV_BYTES + TAG_BYTES),
      w.subarray(IV_BYTES + TAG_BYTES),
      wrapAad(tenantId, stored.version),
    );
  }

  /** True when the data key is wrapped by a master key other than the active one. */
  needsRewrap(stored: WrappedDataKey): boolean {
    return stored.masterKeyId !== this.activeId;
  }
}

function wrapAad(tenantId: string, version: number): Buffer {
  return Buffer.from(`verity/data-key/${tenantId}/${version}`);
}

export function newDataKey(): Buffer {
  return randomBytes(32);
}

/**
 * AES-256-GCM with an organisation's data key. The blob records the data key version, so keys can rotate;
 * `context` (for example "method:<id>:details") is authenticated, so a ciphertext moved to another row,
 * column or organisation does not decrypt.
 */
export function encryptWithDataKey(
  dataKey: Buffer,
  version: number,
  tenantId: string,
  context: string,
  plaintext: Buffer,
): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(FORMAT, 0);
  header.writeUInt32BE(version, 1);
  const { iv, tag, body } = seal(dataKey, plaintext, Buffer.concat([header, dataAad(tenantId, context)]));
  return Buffer.concat([header, iv, tag, body]);
}

export function dataKeyVersionOf(blob: Buffer): number {
  if (blob.length < HEADER_BYTES || blob.readUInt8(0) !== FORMAT)
    throw new DecryptionError('unknown ciphertext format');
  return blob.readUInt32BE(1);
}

export function decryptWithDataKey(dataKey: Buffer, tenantId: string, context: string, blob: Buffer): Buffer {
  dataKeyVersionOf(blob);
  const header = blob.subarray(0, 5);
  return open(
    dataKey,
    blob.subarray(5, 5 + IV_BYTES),
    blob.subarray(5 + IV_BYTES, HEADER_BYTES),
    blob.subarray(HEADER_BYTES),
    Buffer.concat([header, dataAad(tenantId, context)]),
  );
}

function dataAad(tenantId: string, context: string): Buffer {
  return Buffer.from(`verity/data/${tenantId}/${context}`);
}

/** A key for a different purpose (for example hashing one-time codes), derived from a data key. */
export function deriveKey(dataKey: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), `verity/${purpose}`, 32));
}
