/**
 * What went wrong, in terms that decide what happens next:
 * - `refused`: the directory's own password policy said no; the person must choose another password.
 * - `not_found`: no (single) entry in the directory matches the person.
 * - `unavailable`: the directory could not be reached or did not answer in time; try again later.
 * - `misconfigured`: the organisation's settings are wrong (service account, base DN, TLS, rights);
 *   an administrator must fix them.
 */
export type DirectoryErrorCode = 'refused' | 'not_found' | 'unavailable' | 'misconfigured';

/**
 * A directory's answer, safe to show an administrator: neither `message` nor `detail` ever contains a
 * password (the new one or the service account's).
 */
export class DirectoryError extends Error {
  constructor(
    readonly code: DirectoryErrorCode,
    message: string,
    /** What the directory itself said (result code and diagnostic text), when it said something. */
    readonly detail?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DirectoryError';
  }

  /** Worth trying again later, with the same password: only when the directory was unreachable. */
  get retryable(): boolean {
    return this.code === 'unavailable';
  }
}

export interface SetPasswordRequest {
  /** What the person typed to identify themselves: matched by the connector's user filter. */
  username: string;
  newPassword: string;
  /** Carried into error details so that a failure can be found in the logs. */
  correlationId?: string;
}

/** One organisation's own directory, as password writeback sees it. */
export interface DirectoryConnector {
  /** 'ldap' */
  readonly kind: string;
  /**
   * Sets the person's password in the directory; resolves when the directory accepted it. The change is
   * one directory operation: when it is refused, nothing in the directory changed. Throws a
   * DirectoryError; only an `unavailable` after the change was sent (a timeout, its detail says so)
   * leaves it unknown whether the directory applied it.
   */
  setPassword(request: SetPasswordRequest): Promise<void>;
  /** Cheap reachability/bind check for health and for an administrator testing their settings. */
  check(): Promise<void>;
  close(): Promise<void>;
}
