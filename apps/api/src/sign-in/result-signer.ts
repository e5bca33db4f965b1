import { createHash } from 'node:crypto';
import {
  type CryptoKey,
  type JWK,
  type JWTPayload,
  SignJWT,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importPKCS8,
  importSPKI,
  jwtVerify,
} from 'jose';

export interface SignInResult {
  tenantId: string;
  accountId: string;
  username: string;
  flowId: string;
  /** RFC 8176 method references: pwd, otp, sms, tel, swk (app), hwk (security key). */
  amr: string[];
  /** The NIST 800-63B assurance level reached: aal1 (password alone, trusted network) or aal2. */
  acr: 'aal1' | 'aal2';
}

/** A result this deployment signed, for the organisation that asked, and not yet expired. */
export interface VerifiedResult extends SignInResult {
  issuedAt: Date;
  expiresAt: Date;
}

const ALGORITHM = 'ES256';

/** The public half of a key as a JWK, with its key id (a hash of the point, so the same key has the same kid). */
async function publicJwkOf(key: CryptoKey): Promise<JWK> {
  const { d: _private, ...publicJwk } = await exportJWK(key);
  const kid = createHash('sha256')
    .update(JSON.stringify([publicJwk.x, publicJwk.y]))
    .digest('base64url')
    .slice(0, 16);
  return { ...publicJwk, kid, alg: ALGORITHM, use: 'sig' };
}

function stringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/**
 * Signs the result of a sign-in for relying applications (ES256 JWT, five minutes), verifiable with the
 * keys at /.well-known/jwks.json. One signing key for the deployment, from SIGNING_KEY; outside production an
 * ephemeral one is made at start-up. After a rotation the keys in SIGNING_KEY_PREVIOUS are still published
 * and accepted by `verify`, but never sign.
 */
export class ResultSigner {
  private readonly keySet: ReturnType<typeof createLocalJWKSet>;

  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly publicJwk: JWK,
    private readonly previousJwks: JWK[],
    private readonly issuer: string,
  ) {
    this.keySet = createLocalJWKSet(this.jwks());
  }

  static async create(options: {
    pem?: string | undefined;
    /** PEMs of earlier signing keys: PKCS#8 private or SPKI public, EC P-256. */
    previous?: readonly string[] | undefined;
    production: boolean;
    issuer: string;
  }): Promise<ResultSigner> {
    if (!options.pem && options.production) throw new Error('SIGNING_KEY is required in production');
    const privateKey = options.pem
      ? await importPKCS8(options.pem, ALGORITHM, { extractable: true })
      : (await generateKeyPair(ALGORITHM, { extractable: true })).privateKey;
    const publicJwk = await publicJwkOf(privateKey);
    const previous: JWK[] = [];
    for (const pem of options.previous ?? []) {
      const key = pem.includes('PRIVATE KEY')
        ? await importPKCS8(pem, ALGORITHM, { extractable: true })
        : await importSPKI(pem, ALGORITHM, { extractable: true });
      const jwk = await publicJwkOf(key);
      if (jwk.kid !== publicJwk.kid && !previous.some((p) => p.kid === jwk.kid)) previous.push(jwk);
    }
    return new ResultSigner(privateKey, publicJwk, previous, options.issuer);
  }

  sign(result: SignInResult): Promise<string> {
    return new SignJWT({
      tid: result.tenantId,
      preferred_username: result.username,
      amr: result.amr,
      acr: result.acr,
      sid: result.flowId,
    })
      .setProtectedHeader({ alg: ALGORITHM, kid: this.publicJwk.kid!, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience(result.tenantId)
      .setSubject(result.accountId)
      .setIssuedAt()
      .setExpirationTime('5m')
      .setJti(result.flowId)
      .sign(this.privateKey);
  }

  /**
   * The result, when it was signed by one of this deployment's keys (current or previous), by this issuer, for
   * `audience` (the organisation presenting it), and has not expired; otherwise null, whatever the reason.
   */
  async verify(token: string, audience: string): Promise<VerifiedResult | null> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keySet, {
        algorithms: [ALGORITHM],
        issuer: this.issuer,
        audience,
        typ: 'JWT',
        requiredClaims: ['sub', 'jti', 'iat', 'exp'],
      }));
    } catch {
      return null;
    }
    const { sub, jti, iat, exp, tid, acr, amr, preferred_username: username } = payload;
    if (
      typeof sub !== 'string' ||
      typeof jti !== 'string' ||
      tid !== audience ||
      (acr !== 'aal1' && acr !== 'aal2') ||
      !stringArray(amr) ||
      typeof username !== 'string'
    )
      return null;
    return {
      tenantId: audience,
      accountId: sub,
      username,
      flowId: jti,
      amr,
      acr,
      issuedAt: new Date(iat! * 1000),
      expiresAt: new Date(exp! * 1000),
    };
  }

  /** The current key first, then the previous ones. */
  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk, ...this.previousJwks] };
  }
}
