import { generateSync, stringToBytes, verifySync } from 'otplib';

// RFC 6238 Appendix B: the seeds are ASCII, 20/32/64 bytes for SHA-1/256/512; codes are 8 digits.
const seeds = {
  sha1: '12345678901234567890',
  sha256: '12345678901234567890123456789012',
  sha512: '1234567890123456789012345678901234567890123456789012345678901234',
} as const;

const vectors: [number, string, keyof typeof seeds][] = [
  [59, '94287082', 'sha1'],
  [59, '46119246', 'sha256'],
  [59, '90693936', 'sha512'],
  [1111111109, '07081804', 'sha1'],
  [1111111109, '68084774', 'sha256'],
  [1111111109, '25091201', 'sha512'],
  [1111111111, '14050471', 'sha1'],
  [1111111111, '67062674', 'sha256'],
  [1111111111, '99943326', 'sha512'],
  [1234567890, '89005924', 'sha1'],
  [1234567890, '91819424', 'sha256'],
  [1234567890, '93441116', 'sha512'],
  [2000000000, '69279037', 'sha1'],
  [2000000000, '90698825', 'sha256'],
  [2000000000, '38618901', 'sha512'],
  [20000000000, '65353130', 'sha1'],
  [20000000000, '77737706', 'sha256'],
  [20000000000, '47863826', 'sha512'],
];

describe('TOTP as sign-in uses it (otplib): RFC 6238 known answers', () => {
  it.each(vectors)('at T=%i the code is %s (%s)', (epoch, code, algorithm) => {
    const secret = stringToBytes(seeds[algorithm]);
    expect(generateSync({ secret, algorithm, digits: 8, epoch })).toBe(code);
    expect(verifySync({ secret, algorithm, digits: 8, epoch, token: code }).valid).toBe(true);
    const wrong = String((Number(code) + 1) % 1e8).padStart(8, '0');
    expect(verifySync({ secret, algorithm, digits: 8, epoch, token: wrong }).valid).toBe(false);
  });

  it('accepts the previous step and not the next one, with the tolerance sign-in uses', () => {
    const secret = stringToBytes(seeds.sha1);
    const now = 1_800_000_015;
    const previous = generateSync({ secret, epoch: now - 30 });
    const next = generateSync({ secret, epoch: now + 30 });
    expect(verifySync({ secret, token: previous, epoch: now, epochTolerance: [30, 0] }).valid).toBe(true);
    expect(verifySync({ secret, token: next, epoch: now, epochTolerance: [30, 0] }).valid).toBe(false);
  });
});
