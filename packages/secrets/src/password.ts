import { hash, verify } from '@node-rs/argon2';

// Algorithm.Argon2id of @node-rs/argon2 (an ambient const enum, which isolated modules cannot read).
const ARGON2ID = 2;

export interface PasswordHashParams {
  memoryKib: number;
  iterations: number;
  parallelism: number;
}

/** OWASP's first row for argon2id: 19 MiB, 2 iterations, 1 lane. */
export const OWASP_ARGON2ID: PasswordHashParams = { memoryKib: 19456, iterations: 2, parallelism: 1 };

/** argon2id in PHC string form, so each hash carries its own salt and parameters. */
export class PasswordHasher {
  constructor(private readonly params: PasswordHashParams = OWASP_ARGON2ID) {}

  hash(password: string): Promise<string> {
    return hash(password.normalize('NFC'), {
      algorithm: ARGON2ID,
      memoryCost: this.params.memoryKib,
      timeCost: this.params.iterations,
      parallelism: this.params.parallelism,
    });
  }

  async verify(storedHash: string, password: string): Promise<boolean> {
    try {
      return await verify(storedHash, password.normalize('NFC'));
    } catch {
      return false;
    }
  }

  /** True when the stored hash was made with other parameters than today's and should be re-hashed at sign-in. */
  needsRehash(storedHash: string): boolean {
    const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(storedHash);
    if (!match) return true;
    const [, m, t, p] = match.map(Number);
    return m !== this.params.memoryKib || t !== this.params.iterations || p !== this.params.parallelism;
  }
}
