/** One problem+json document (RFC 9457). `code` is machine-readable; `detail` is safe to show to staff. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
  /** Why a rule refused the request, each with a machine-readable code. */
  reasons?: { code: string; message: string }[];
  retryAfterSeconds?: number;
}

export interface FieldError {
  /** Dotted path of the bad field, e.g. "admin.username"; "" for the body itself. */
  field: string;
  message: string;
}

/** An expected failure with a user-safe message. Thrown anywhere, rendered by the problem filter. */
export class DomainError extends Error {
  retryAfterSeconds?: number;
  /** Further members of the problem document (RFC 9457 extensions), e.g. a password's strength. */
  extensions?: Record<string, unknown>;

  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly reasons?: { code: string; message: string }[],
  ) {
    super(detail);
    this.name = 'DomainError';
  }

  toProblem(): Problem {
    return {
      type: `urn:verity:problem:${this.code}`,
      title: this.title,
      status: this.status,
      detail: this.detail,
      code: this.code,
      ...(this.errors ? { errors: this.errors } : {}),
      ...(this.reasons ? { reasons: this.reasons } : {}),
      ...(this.retryAfterSeconds ? { retryAfterSeconds: this.retryAfterSeconds } : {}),
      ...this.extensions,
    };
  }

  /** Adds members to the problem document. */
  with(extensions: Record<string, unknown>): this {
    this.extensions = { ...this.extensions, ...extensions };
    return this;
  }

  /** Tells the client when to try again (the Retry-After header and `retryAfterSeconds`). */
  retryAfter(seconds: number): this {
    this.retryAfterSeconds = Math.max(1, Math.ceil(seconds));
    return this;
  }
}

export const problems = {
  validation: (errors: FieldError[]) =>
    new DomainError(400, 'validation-failed', 'Your request has errors', describe(errors), errors),
  notFound: (what: string) =>
    new DomainError(404, 'not-found', 'Not found', `The ${what} does not exist or you cannot see it.`),
  conflict: (detail: string) => new DomainError(409, 'conflict', 'Already exists', detail),
  policyInvalid: (errors: FieldError[]) =>
    new DomainError(422, 'policy-invalid', 'The policy has errors', describe(errors), errors),
  policyUnsafe: (reasons: { code: string; message: string }[]) =>
    new DomainError(
      422,
      'policy-unsafe',
      'The policy is not safe',
      reasons.map((r) => r.message).join(' '),
      undefined,
      reasons,
    ),
  /** The organisation's policy does not allow this change of security info: its reasons say why. */
  methodRefused: (reasons: readonly { code: string; message: string }[]) =>
    new DomainError(
      422,
      'method-refused',
      'Not allowed',
      reasons.map((r) => r.message).join(' '),
      undefined,
      reasons.map((r) => ({ code: r.code, message: r.message })),
    ),
  stale: (detail: string) => new DomainError(409, 'stale', 'Changed by someone else', detail),
  /** The key is good but may not do this: it names the scopes of which the route needs one. */
  insufficientScope: (anyOf: readonly string[]) =>
    new DomainError(
      403,
      'insufficient-scope',
      'Not allowed for this key',
      anyOf.length > 0
        ? `This API key may not do this: it needs the ${anyOf.map((s) => `"${s}"`).join(' or ')} scope.`
        : 'This API key may not do this: the route names no scope.',
    ).with({ requiredScopes: [...anyOf] }),
  unauthorised: () =>
    new DomainError(
      401,
      'unauthorised',
      'Sign-in required',
      'The request needs a valid key in the Authorization header.',
    ),
};

function describe(errors: FieldError[]): string {
  const named = errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message));
  return named.join('; ');
}
