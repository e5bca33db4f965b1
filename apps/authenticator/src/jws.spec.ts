import { createPublicKey, verify } from 'node:crypto';
import { DEVICE_AUDIENCE, base64url, deviceProof, newDeviceKey, signJws } from '../public/jws.js';

const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

/** Verifies a compact JWS ES256 independently of WebCrypto: node:crypto with JWS's raw r||s signatures. */
function verifyEs256(jws: string, jwk: Record<string, string>) {
  const [header, payload, signature] = jws.split('.');
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  return verify(
    'sha256',
    Buffer.from(`${header}.${payload}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature!, 'base64url'),
  );
}

describe('device proofs in the browser code (public/jws.js)', () => {
  it('makes a P-256 key whose private half cannot be exported, and exports only x and y of the public half', async () => {
    const { keys, publicKey } = await newDeviceKey();
    expect(keys.privateKey.extractable).toBe(false);
    expect(keys.privateKey.usages).toEqual(['sign']);
    await expect(crypto.subtle.exportKey('jwk', keys.privateKey)).rejects.toThrow();
    await expect(crypto.subtle.exportKey('pkcs8', keys.privateKey)).rejects.toThrow();
    expect(Object.keys(publicKey).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    expect(publicKey).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(publicKey.x).toMatch(/^[\w-]{43}$/);
  });

  it('signs a compact JWS with ES256 that verifies as JWS wants it (raw r||s, base64url, no padding)', async () => {
    const { keys, publicKey } = await newDeviceKey();
    const jws = await signJws(keys.privateKey, { hello: 'wörld' });
    expect(jws).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const [header, payload, signature] = jws.split('.');
    expect(decode(header!)).toEqual({ alg: 'ES256' });
    expect(decode(payload!)).toEqual({ hello: 'wörld' });
    expect(Buffer.from(signature!, 'base64url')).toHaveLength(64);
    expect(verifyEs256(jws, publicKey as unknown as Record<string, string>)).toBe(true);
    // a changed payload does not verify
    const forged = `${header}.${Buffer.from(JSON.stringify({ hello: 'world' })).toString('base64url')}.${signature}`;
    expect(verifyEs256(forged, publicKey as unknown as Record<string, string>)).toBe(false);
  });

  it('makes the Device-Proof claims the API checks: sub, aud, iat, act and the answer', async () => {
    const { keys, publicKey } = await newDeviceKey();
    const now = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    const proof = await deviceProof(
      keys.privateKey,
      'device-1',
      'answer',
      { challengeId: 'c-1', decision: 'approve', number: '42' },
      now,
    );
    expect(verifyEs256(proof, publicKey as unknown as Record<string, string>)).toBe(true);
    expect(decode(proof.split('.')[1]!)).toEqual({
      sub: 'device-1',
      aud: DEVICE_AUDIENCE,
      iat: Math.floor(now / 1000),
      act: 'answer',
      challengeId: 'c-1',
      decision: 'approve',
      number: '42',
    });
    expect(DEVICE_AUDIENCE).toBe('verity-device');
    const list = await deviceProof(keys.privateKey, 'device-1', 'list');
    expect(decode(list.split('.')[1]!)).toMatchObject({ sub: 'device-1', act: 'list' });
  });

  it('encodes base64url without padding', () => {
    expect(base64url(new Uint8Array([0xfb, 0xff]))).toBe('-_8');
    expect(base64url(new TextEncoder().encode('any carnal pleas'))).toBe('YW55IGNhcm5hbCBwbGVhcw');
  });
});
