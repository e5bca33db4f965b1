import { randomBytes } from 'node:crypto';
import { DecryptionError, KeyRing, type WrappedDataKey } from './envelope.js';
import { TenantCipher, type DataKeyStore } from './tenant-cipher.js';

class MemoryStore implements DataKeyStore {
  readonly rows = new Map<string, WrappedDataKey[]>();
  async load(tenantId: string) {
    return [...(this.rows.get(tenantId) ?? [])].sort((a, b) => b.version - a.version);
  }
  async save(tenantId: string, key: WrappedDataKey) {
    this.rows.set(tenantId, [...(this.rows.get(tenantId) ?? []), key]);
  }
  async replace(tenantId: string, key: WrappedDataKey) {
    this.rows.set(
      tenantId,
      (this.rows.get(tenantId) ?? []).map((k) => (k.version === key.version ? key : k)),
    );
  }
}

const master = (id: string) => ({ id, key: randomBytes(32) });
const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';

async function setUp() {
  const k1 = master('k1');
  const store = new MemoryStore();
  const cipher = new TenantCipher(new KeyRing([k1]), store);
  await cipher.provision(A);
  await cipher.provision(B);
  return { k1, store, cipher };
}

describe(TenantCipher.name, () => {
  it('round-trips a secret and never stores it in clear', async () => {
    const { cipher } = await setUp();
    const blob = await cipher.encrypt(A, 'method:1:details', '+447700900123');
    expect(blob.toString('latin1')).not.toContain('447700900123');
    expect(await cipher.decryptText(A, 'method:1:details', blob)).toBe('+447700900123');
  });

  it('refuses tampered ciphertext', async () => {
    const { cipher } = await setUp();
    const blob = await cipher.encrypt(A, 'ctx', 'JBSWY3DPEHPK3PXP');
    for (const index of [6, 20, blob.length - 1]) {
      const tampered = Buffer.from(blob);
      tampered[index] = tampered[index]! ^ 0x01;
      await expect(cipher.decrypt(A, 'ctx', tampered)).rejects.toBeInstanceOf(DecryptionError);
    }
  });

  it('refuses a ciphertext moved to another organisation or another field', async () => {
    const { cipher } = await setUp();
    const blob = await cipher.encrypt(A, 'method:1:details', 'secret');
    await expect(cipher.decrypt(B, 'method:1:details', blob)).rejects.toThrow();
    await expect(cipher.decrypt(A, 'method:2:details', blob)).rejects.toBeInstanceOf(DecryptionError);
  });

  it('rotates the master key without losing data', async () => {
    const { k1, store, cipher } = await setUp();
    const before = await cipher.encrypt(A, 'ctx', 'seed-before-rotation');
    const k2 = master('k2');
    const rotated = new TenantCipher(new KeyRing([k2, k1]), store);
    expect(await rotated.rewrap(A)).toBe(1);
    expect((await store.load(A))[0]?.masterKeyId).toBe('k2');
    const onlyNew = new TenantCipher(new KeyRing([k2]), store);
    expect(await onlyNew.decryptText(A, 'ctx', before)).toBe('seed-before-rotation');
    // B was not re-wrapped yet, so it still needs the old key
    await expect(onlyNew.decrypt(B, 'ctx', await cipher.encrypt(B, 'ctx', 'x'))).rejects.toThrow(/k1/);
  });

  it('rotates the data key and still reads what older versions wrote', async () => {
    const { cipher } = await setUp();
    const old = await cipher.encrypt(A, 'ctx', 'old');
    expect(await cipher.rotateDataKey(A)).toBe(2);
    const fresh = await cipher.encrypt(A, 'ctx', 'new');
    expect(fresh.readUInt32BE(1)).toBe(2);
    expect(await cipher.decryptText(A, 'ctx', old)).toBe('old');
    expect(await cipher.decryptText(A, 'ctx', fresh)).toBe('new');
  });

  it('derives different code keys for different organisations', async () => {
    const { cipher } = await setUp();
    expect((await cipher.codeKey(A)).equals(await cipher.codeKey(B))).toBe(false);
    expect((await cipher.codeKey(A)).equals(await cipher.codeKey(A))).toBe(true);
  });
});
