import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

/** A one-time code of `digits` decimal digits from a CSPRNG, leading zeros kept. */
export function randomDigits(digits: number): string {
  let out = '';
  for (let i = 0; i < digits; i += 1) out += String(randomInt(10));
  return out;
}

/** HMAC-SHA-256 of a one-time code (or any short secret) under an organisation's code key. */
export function hashCode(key: Buffer, code: string): Buffer {
  return createHmac('sha256', key).update(code, 'utf8').digest();
}

/** Constant-time comparison that also does not leak the length through an early return. */
export function constantTimeEqual(a: Buffer | string, b: Buffer | string): boolean {
  const x = Buffer.isBuffer(a) ? a : Buffer.from(a, 'utf8');
  const y = Buffer.isBuffer(b) ? b : Buffer.from(b, 'utf8');
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}

export function verifyCode(key: Buffer, code: string, storedHash: Buffer): boolean {
  return constantTimeEqual(hashCode(key, code), storedHash);
}
