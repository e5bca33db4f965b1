import { randomBytes } from 'node:crypto';
import { constantTimeEqual, hashCode, randomDigits, verifyCode } from './codes.js';

describe('one-time codes', () => {
  it('makes codes of the requested length, digits only, leading zeros kept', () => {
    const codes = Array.from({ length: 2000 }, () => randomDigits(6));
    expect(codes.every((c) => /^\d{6}$/.test(c))).toBe(true);
    expect(codes.some((c) => c.startsWith('0'))).toBe(true);
    expect(new Set(codes).size).toBeGreaterThan(1900);
  });

  it('verifies a code against its HMAC and refuses any other', () => {
    const key = randomBytes(32);
    const stored = hashCode(key, '042917');
    expect(verifyCode(key, '042917', stored)).toBe(true);
    expect(verifyCode(key, '042918', stored)).toBe(false);
    expect(verifyCode(randomBytes(32), '042917', stored)).toBe(false);
  });

  it('compares in constant time, including values of different lengths', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });
});
