import { base32Decode, base32Encode } from '../public/base32.js';
import { hotp, secondsLeft, timeStep, totp } from '../public/totp.js';

const ascii = (text: string) => new TextEncoder().encode(text);

/** RFC 6238 Appendix B: the seeds are ASCII digits, 20, 32 and 64 bytes long. */
const SEEDS = {
  SHA1: base32Encode(ascii('12345678901234567890')),
  SHA256: base32Encode(ascii('12345678901234567890123456789012')),
  SHA512: base32Encode(ascii('1234567890123456789012345678901234567890123456789012345678901234')),
} as const;

describe('TOTP in the browser code (public/totp.js, WebCrypto HMAC)', () => {
  it('is given the RFC 6238 seeds in base32', () => {
    expect(SEEDS.SHA1).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  });

  it.each([
    [59, '94287082', '46119246', '90693936'],
    [1111111109, '07081804', '68084774', '25091201'],
    [1111111111, '14050471', '67062674', '99943326'],
    [1234567890, '89005924', '91819424', '93441116'],
    [2000000000, '69279037', '90698825', '38618901'],
    [20000000000, '65353130', '77737706', '47863826'],
  ])('gives the RFC 6238 Appendix B codes at %i s', async (seconds, sha1, sha256, sha512) => {
    const at = seconds * 1000;
    expect(await totp({ secret: SEEDS.SHA1, digits: 8 }, at)).toBe(sha1);
    expect(await totp({ secret: SEEDS.SHA256, digits: 8, algorithm: 'SHA256' }, at)).toBe(sha256);
    expect(await totp({ secret: SEEDS.SHA512, digits: 8, algorithm: 'SHA512' }, at)).toBe(sha512);
    // six digits (what Verity asks for) are the last six
    expect(await totp({ secret: SEEDS.SHA1 }, at)).toBe(sha1.slice(2));
  });

  it('gives the RFC 4226 Appendix D HOTP values', async () => {
    const key = ascii('12345678901234567890');
    const values = await Promise.all(Array.from({ length: 10 }, (_, counter) => hotp(key, counter)));
    expect(values).toEqual([
      '755224',
      '287082',
      '359152',
      '969429',
      '338314',
      '254676',
      '287922',
      '162583',
      '399871',
      '520489',
    ]);
  });

  it('counts down the seconds of the time step, from the period to 1', () => {
    expect(secondsLeft(30, 0)).toBe(30);
    expect(secondsLeft(30, 29_999)).toBe(1);
    expect(secondsLeft(30, 1111111109_000)).toBe(1);
    expect(secondsLeft(30, 1111111110_000)).toBe(30);
    expect(secondsLeft(30, 1111111111_500)).toBe(29);
    expect(timeStep(30, 59_000)).toBe(1);
    expect(timeStep(30, 60_000)).toBe(2);
  });

  it('decodes base32 in any case, with spaces and padding, and refuses other characters', () => {
    expect(Array.from(base32Decode('MZXW6YQ='))).toEqual(Array.from(ascii('foob')));
    expect(Array.from(base32Decode('mzxw 6ytb oi======'))).toEqual(Array.from(ascii('foobar')));
    expect(() => base32Decode('MZXW6YQ1')).toThrow('invalid character');
    expect(() => base32Decode('  ')).toThrow('empty');
    const bytes = new Uint8Array(Array.from({ length: 20 }, (_, i) => (i * 37 + 11) % 256));
    expect(Array.from(base32Decode(base32Encode(bytes)))).toEqual(Array.from(bytes));
  });
});
