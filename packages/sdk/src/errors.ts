import type { FieldError, ProblemCode } from './types.js';

/**
 * The API answered, and not with success: any non-2xx answer, from its problem+json document (RFC 9457).
 * `detail` is written to be shown to staff; `code` is for programs. An answer that is not a problem document
 * (a proxy's error page) gets `code` `http-<status>`.
 */
export class VerityProblem extends Error {
  override readonly name = 'VerityProblem';
  readonly status: number;
  readonly code: ProblemCode;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  /** Why a rule refused the request (`method-refused`, `registration-incomplete`, `step-up-unavailable`, …). */
  declare readonly reasons?: { code: string; message: string }[];
  /** Each bad field of a `validation-failed` problem. */
  declare readonly errors?: FieldError[];
  /** From the Retry-After header (or the document): how long to wait before trying again. */
  declare readonly retryAfterSeconds?: number;
  /** The whole document, with any further members (e.g. a refused password's `strength`). */
  readonly body: Record<string, unknown>;

  constructor(body: Record<string, unknown>, status: number, retryAfterSeconds?: number) {
    const code = typeof body.code === 'string' ? body.code : `http-${status}`;
    const detail = typeof body.detail === 'string' ? body.detail : '';
    super(`${status} ${code}${detail ? `: ${detail}` : ''}`);
    this.body = body;
    this.status = status;
    this.code = code;
    this.type = typeof body.type === 'string' ? body.type : 'about:blank';
    this.title = typeof body.title === 'string' ? body.title : '';
    this.detail = detail;
    const reasons = listOf(body.reasons, isReason);
    if (reasons) this.reasons = reasons;
    const errors = listOf(body.errors, isFieldError);
    if (errors) this.errors = errors;
    const retry =
      retryAfterSeconds ?? (typeof body.retryAfterSeconds === 'number' ? body.retryAfterSeconds : undefined);
    if (retry !== undefined) this.retryAfterSeconds = retry;
  }
}

/** Why a call got no usable answer. */
export type UnavailableReason = 'timeout' | 'network' | 'invalid-response';

/**
 * The API could not be reached, did not answer in time, or answered success with something that is not JSON.
 * The message names the request (method and path) and the API's origin, never the API key, a password, a token
 * or a body; the underlying error is not kept, as its text is not ours to vouch for.
 */
export class VerityUnavailable extends Error {
  override readonly name = 'VerityUnavailable';

  constructor(
    readonly reason: UnavailableReason,
    readonly method: string,
    readonly path: string,
    message: string,
    /** A system error code such as ECONNREFUSED, when there was one. */
    readonly errorCode?: string,
  ) {
    super(message);
  }
}

function listOf<T>(value: unknown, is: (item: unknown) => item is T): T[] | undefined {
  return Array.isArray(value) && value.every(is) ? value : undefined;
}

function isReason(item: unknown): item is { code: string; message: string } {
  const r = item as { code?: unknown; message?: unknown } | null;
  return typeof r === 'object' && r !== null && typeof r.code === 'string' && typeof r.message === 'string';
}

function isFieldError(item: unknown): item is FieldError {
  const e = item as { field?: unknown; message?: unknown } | null;
  return typeof e === 'object' && e !== null && typeof e.field === 'string' && typeof e.message === 'string';
}
