import { createHash } from 'node:crypto';
import { type CryptoKey, type JWK, SignJWT, exportJWK, generateKeyPair, importPKCS8 } from 'jose';

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

/**
 * Signs the result of a sign-in for relying applications (ES256 JWT, five minutes), verifiable with the
 * keys at /.well-known/jwks.json. One key for the deployment, from SIGNING_KEY; outside production an
 * ephemeral one is made at start-up.
 */
export class ResultSigner {
  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly publicJwk: JWK,
    private readonly issuer: string,
  ) {}

  static async create(options: { pem?: string; production: boolean; issuer: string }): Promise<ResultSigner> {
    if (!options.pem && options.production) throw new Error('SIGNING_KEY is required in production');
    const privateKey = options.pem
      ? await importPKCS8(options.pem, 'ES256', { extractable: true })
      : (await generateKeyPair('ES256', { extractable: true })).privateKey;
    const { d: _private, ...publicJwk } = await exportJWK(privateKey);
    const kid = createHash('sha256')
      .update(JSON.stringify([publicJwk.x, publicJwk.y]))
      .digest('base64url')
      .slice(0, 16);
    return new ResultSigner(privateKey, { ...publicJwk, kid, alg: 'ES256', use: 'sig' }, options.issuer);
  }

  sign(result: SignInResult): Promise<string> {
    return new SignJWT({
      tid: result.tenantId,
      preferred_username: result.username,
      amr: result.amr,
      acr: result.acr,
      sid: result.flowId,
    })
      .setProtectedHeader({ alg: 'ES256', kid: this.publicJwk.kid!, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience(result.tenantId)
      .setSubject(result.accountId)
      .setIssuedAt()
      .setExpirationTime('5m')
      .setJti(result.flowId)
      .sign(this.privateKey);
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }
}
