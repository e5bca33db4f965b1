import { PasswordHasher } from './password.js';

const fast = { memoryKib: 8192, iterations: 1, parallelism: 1 };

describe(PasswordHasher.name, () => {
  const hasher = new PasswordHasher(fast);

  it('accepts the right password and refuses a wrong one', async () => {
    const stored = await hasher.hash('correct horse battery staple');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=8192,t=1,p=1\$/);
    expect(await hasher.verify(stored, 'correct horse battery staple')).toBe(true);
    expect(await hasher.verify(stored, 'correct horse battery stapl')).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hasher.hash('same password')).not.toBe(await hasher.hash('same password'));
  });

  it('treats composed and decomposed Unicode as the same password', async () => {
    const stored = await hasher.hash('caf\u00e9 au lait du matin');
    expect(await hasher.verify(stored, 'cafe\u0301 au lait du matin')).toBe(true);
  });

  it('refuses a malformed stored hash instead of throwing', async () => {
    expect(await hasher.verify('not-a-hash', 'anything')).toBe(false);
  });

  it('asks for a re-hash when parameters change', async () => {
    const stored = await hasher.hash('pw-for-rehash-check');
    expect(hasher.needsRehash(stored)).toBe(false);
    expect(new PasswordHasher({ ...fast, iterations: 2 }).needsRehash(stored)).toBe(true);
  });
});
