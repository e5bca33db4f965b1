import { LinkError, parseLink } from '../public/link.js';

const reasonOf = (text: string) => {
  try {
    parseLink(text);
  } catch (error) {
    return error instanceof LinkError ? error.reason : String(error);
  }
  return 'accepted';
};

describe('activation links in the browser code (public/link.js)', () => {
  it('reads the registration QR link', () => {
    const link =
      'verity://activate?api=https%3A%2F%2Fverity.example.nhs.uk&organisation=nhs-leeds&device=0b9c8f5e-4c1a-4d5e-9a57-2f3e2d1c0b9a&code=AbC_d-123456789012345678';
    expect(parseLink(`  ${link}\n`)).toEqual({
      kind: 'verity',
      api: 'https://verity.example.nhs.uk',
      organisation: 'nhs-leeds',
      device: '0b9c8f5e-4c1a-4d5e-9a57-2f3e2d1c0b9a',
      code: 'AbC_d-123456789012345678',
    });
  });

  it('reads an otpauth:// link as a code-only account', () => {
    expect(
      parseLink(
        'otpauth://totp/NHS%20Leeds:sam.staff%40nhs.net?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=NHS%20Leeds&algorithm=SHA1&digits=6&period=30',
      ),
    ).toEqual({
      kind: 'totp',
      issuer: 'NHS Leeds',
      username: 'sam.staff@nhs.net',
      totp: { secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', digits: 6, period: 30, algorithm: 'SHA1' },
    });
    expect(parseLink('otpauth://totp/alice?secret=gezdgnbvgy3tqojqgezdgnbvgy3tqojq&digits=8')).toMatchObject({
      issuer: '',
      username: 'alice',
      totp: { secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', digits: 8, period: 30, algorithm: 'SHA1' },
    });
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['https://example.com/activate?code=x', 'unsupported'],
    ['otpauth://hotp/x?secret=GEZDGNBVGY3TQOJQ', 'unsupported'],
    ['verity://activate?organisation=nhs-leeds&device=abc', 'incomplete'],
    ['verity://activate?organisation=nhs%2Fleeds&device=abc&code=x', 'incomplete'],
    ['verity://activate?organisation=nhs-leeds&device=..&code=x', 'incomplete'],
    ['otpauth://totp/x?secret=not*base32', 'secret'],
    ['otpauth://totp/x?secret=GEZDG', 'secret'],
    ['otpauth://totp/x?secret=GEZDGNBVGY3TQOJQGEZDGNBV&digits=9', 'settings'],
    ['otpauth://totp/x?secret=GEZDGNBVGY3TQOJQGEZDGNBV&algorithm=MD5', 'settings'],
    ['otpauth://totp/x?secret=GEZDGNBVGY3TQOJQGEZDGNBV&period=0', 'settings'],
  ])('refuses %j (%s)', (text, reason) => {
    expect(reasonOf(text)).toBe(reason);
  });
});
