import { Attribute, Change, Client, Control, FilterParser, ResultCodeError, type BerWriter } from 'ldapts';
import { z } from 'zod';
import { DirectoryError, type DirectoryConnector, type SetPasswordRequest } from './connector.js';

/** Matches the person by Active Directory's UPN, by email or by uid; `{username}` is escaped first. */
export const DEFAULT_USER_FILTER = '(|(userPrincipalName={username})(mail={username})(uid={username}))';

/** RFC 3062's LDAP Password Modify extended operation. */
export const PASSWORD_MODIFY_OID = '1.3.6.1.4.1.4203.1.11.1';

function parsesAsFilter(template: string): boolean {
  try {
    FilterParser.parseString(template.replaceAll('{username}', 'x'));
    return true;
  } catch {
    return false;
  }
}

/** One organisation's directory settings for password writeback. */
export const ldapDirectorySettings = z.strictObject({
  /** `ldaps://host[:port]` (Active Directory only accepts password changes over TLS) or `ldap://host[:port]`. */
  url: z
    .string()
    .regex(/^ldaps?:\/\/[^\s/?#]+\/?$/i, 'must be an ldap:// or ldaps:// URL with a host and no path'),
  /** The service account, e.g. `CN=svc-verity,OU=Service Accounts,DC=trust,DC=nhs,DC=uk`. */
  bindDn: z.string().trim().min(1, 'is required'),
  /** Required: an empty password would make an anonymous ("unauthenticated") bind that proves nothing. */
  bindPassword: z.string().min(1, 'is required'),
  /** Where people are searched for (the whole subtree). */
  baseDn: z.string().trim().min(1, 'is required'),
  userFilter: z
    .string()
    .default(DEFAULT_USER_FILTER)
    .refine((f) => f.includes('{username}'), 'must contain {username}')
    .refine(parsesAsFilter, 'is not a valid LDAP filter'),
  flavour: z.enum(['active_directory', 'openldap']).default('active_directory'),
  /** The whole of one operation (connect, bind, search, change) must finish within this. */
  timeoutMs: z.number().int().min(100).max(60_000).default(5000),
  tlsRejectUnauthorized: z.boolean().default(true),
  /** PEM certificate(s) of the organisation's own CA, for ldaps:// to a directory with a private CA. */
  tlsCaCert: z.string().optional(),
});

/** The settings as an administrator gives them (defaults optional). */
export type LdapDirectorySettingsInput = z.input<typeof ldapDirectorySettings>;
/** The settings with defaults applied. */
export type LdapDirectorySettings = z.output<typeof ldapDirectorySettings>;

/** Escapes a value for an LDAP search filter (RFC 4515 section 3): `*`, `(`, `)`, `\` and NUL. */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The user filter with every `{username}` replaced by the escaped username. */
export function userSearchFilter(template: string, username: string): string {
  return template.replaceAll('{username}', escapeFilterValue(username));
}

/** Active Directory's `unicodePwd` value: the password in double quotes, encoded UTF-16LE. */
export function activeDirectoryPassword(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}

function berLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), berLength(content.length), content]);
}

/**
 * The BER value of an RFC 3062 Password Modify request setting a new password without the old one:
 *
 *     PasswdModifyRequestValue ::= SEQUENCE {
 *       userIdentity [0] OCTET STRING OPTIONAL,
 *       oldPasswd    [1] OCTET STRING OPTIONAL,
 *       newPasswd    [2] OCTET STRING OPTIONAL }
 */
export function passwordModifyRequestValue(userIdentity: string, newPassword: string): Buffer {
  return tlv(
    0x30,
    Buffer.concat([
      tlv(0x80, Buffer.from(userIdentity, 'utf8')),
      tlv(0x82, Buffer.from(newPassword, 'utf8')),
    ]),
  );
}

/** Active Directory's LDAP_SERVER_POLICY_HINTS_OID (Windows Server 2012 and later). */
export const AD_POLICY_HINTS_OID = '1.2.840.113556.1.4.2239';

/**
 * Asks Active Directory to apply the whole password policy, password history included, to a reset
 * (which it otherwise checks for length and complexity only), as for a person changing their own
 * password. Not critical: an older domain controller ignores it.
 */
export class PolicyHintsControl extends Control {
  constructor() {
    super(AD_POLICY_HINTS_OID, { critical: false });
  }

  /** The value: SEQUENCE { Flags INTEGER (1) }. */
  static readonly value = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]);

  override writeControl(writer: BerWriter): void {
    writer.writeBuffer(PolicyHintsControl.value, 0x04);
  }
}

/** Where an operation was when it failed: the same result code means different things at each step. */
export type LdapStage = 'bind' | 'search' | 'change';

export interface LdapErrorContext {
  stage: LdapStage;
  flavour: LdapDirectorySettings['flavour'];
  /** Whether the connection was ldaps://. */
  secure: boolean;
  /** Never to appear in a message or detail. */
  secrets: string[];
  correlationId?: string;
}

const RESULT_NAMES: Record<number, string> = {
  1: 'operationsError',
  2: 'protocolError',
  3: 'timeLimitExceeded',
  7: 'authMethodNotSupported',
  8: 'strongAuthRequired',
  10: 'referral',
  11: 'adminLimitExceeded',
  12: 'unavailableCriticalExtension',
  13: 'confidentialityRequired',
  16: 'noSuchAttribute',
  17: 'undefinedAttributeType',
  19: 'constraintViolation',
  21: 'invalidAttributeSyntax',
  32: 'noSuchObject',
  34: 'invalidDNSyntax',
  48: 'inappropriateAuthentication',
  49: 'invalidCredentials',
  50: 'insufficientAccessRights',
  51: 'busy',
  52: 'unavailable',
  53: 'unwillingToPerform',
  65: 'objectClassViolation',
  80: 'other',
};

const TLS_CERTIFICATE_PROBLEM = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS/;

/** Raised when the whole operation outlived `timeoutMs`. */
class DeadlineExceeded extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'DeadlineExceeded';
  }
}

function redact(text: string, secrets: string[]): string {
  let safe = text;
  for (const secret of secrets) if (secret) safe = safe.split(secret).join('[redacted]');
  return safe;
}

/** ldapts appends " Code: 0x13" to the server's diagnostic text; the detail names the code itself. */
function diagnostic(error: ResultCodeError): string {
  return error.message.replace(/\s*Code: 0x[0-9a-f]+$/i, '').trim();
}

/** Reads an ldapts or network error into a DirectoryError that names no password. */
export function directoryErrorFrom(error: unknown, context: LdapErrorContext): DirectoryError {
  if (error instanceof DirectoryError) return error;
  const { stage, flavour, secure, secrets } = context;
  const make = (code: DirectoryError['code'], message: string, detail: string): DirectoryError => {
    const safeDetail = redact(detail, secrets) + (context.correlationId ? ` [${context.correlationId}]` : '');
    const text = error instanceof Error ? `${error.message} ${error.stack ?? ''}` : String(error);
    const leaks = secrets.some((s) => s && text.includes(s));
    return new DirectoryError(code, message, safeDetail, {
      cause: leaks ? new Error(redact(text, secrets)) : error,
    });
  };

  if (error instanceof ResultCodeError) {
    const name = RESULT_NAMES[error.code] ?? 'resultCode';
    const said = diagnostic(error);
    const detail = `${name} (${error.code}) during ${stage}${said ? `: ${said}` : ''}`;
    switch (error.code) {
      case 49:
        return make(
          'misconfigured',
          "The directory rejected the service account's bind DN or password.",
          detail,
        );
      case 7:
      case 8:
      case 13:
        return make(
          'misconfigured',
          'The directory requires a secure connection: use an ldaps:// URL.',
          detail,
        );
      case 48:
        return make('misconfigured', 'The directory does not accept this way of binding.', detail);
      case 50:
        return make(
          'misconfigured',
          stage === 'change'
            ? 'The service account is not allowed to reset this password ("Reset password" right or write access to the password attribute).'
            : 'The service account is not allowed to do this in the directory.',
          detail,
        );
      case 19:
        if (stage === 'change')
          return make('refused', 'The directory refused the new password under its password policy.', detail);
        break;
      case 53:
        if (stage === 'change') {
          if (flavour === 'active_directory' && !secure && !/52D/i.test(said))
            return make(
              'misconfigured',
              'Active Directory only accepts password changes over a secure connection: use an ldaps:// URL.',
              detail,
            );
          return make('refused', 'The directory refused the new password under its password policy.', detail);
        }
        return make('misconfigured', 'The directory is unwilling to perform the operation.', detail);
      case 32:
        return stage === 'change'
          ? make('not_found', 'The person is no longer in the directory.', detail)
          : make('misconfigured', 'The base DN does not exist in the directory.', detail);
      case 10:
        return make(
          'misconfigured',
          'The directory referred the request elsewhere: the base DN belongs to another domain or server.',
          detail,
        );
      case 34:
        return make('misconfigured', 'A DN in the settings is not valid.', detail);
      case 2:
      case 12:
      case 16:
      case 17:
      case 21:
      case 65:
        if (stage === 'change')
          return make(
            'misconfigured',
            flavour === 'openldap'
              ? 'The directory does not support the Password Modify operation: check the directory flavour.'
              : 'The directory does not accept unicodePwd: check the directory flavour.',
            detail,
          );
        break;
    }
    return make('unavailable', 'The directory could not complete the request; try again later.', detail);
  }

  if (error instanceof DeadlineExceeded)
    return make(
      'unavailable',
      `The directory did not answer within ${error.timeoutMs} ms.`,
      stage === 'change'
        ? `no answer to the password change within ${error.timeoutMs} ms: the directory may or may not have applied it`
        : `no answer during ${stage} within ${error.timeoutMs} ms`,
    );

  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const detail = `${typeof code === 'string' ? `${code}: ` : ''}${message}`;
  if (typeof code === 'string' && TLS_CERTIFICATE_PROBLEM.test(code))
    return make(
      'misconfigured',
      "The directory's TLS certificate is not trusted (or does not match its host name).",
      detail,
    );
  if (code === 'ENOTFOUND')
    return make('misconfigured', "The directory's host name does not resolve.", detail);
  if (/invalid dn|dn.*invalid/i.test(message))
    return make('misconfigured', 'A DN in the settings is not valid.', detail);
  return make('unavailable', 'The directory could not be reached; try again later.', detail);
}

/** Password writeback to Active Directory or OpenLDAP, one short connection per operation. */
export function createLdapConnector(input: LdapDirectorySettingsInput): DirectoryConnector {
  const settings = ldapDirectorySettings.parse(input);
  const secure = settings.url.toLowerCase().startsWith('ldaps://');
  const open = new Set<Client>();
  let closed = false;

  /** Runs `work` on a fresh, bound connection, within the deadline; always unbinds. */
  async function withClient(
    request: { secrets: string[]; correlationId?: string },
    work: (client: Client, at: (stage: LdapStage) => void) => Promise<void>,
  ): Promise<void> {
    if (closed) throw new DirectoryError('unavailable', 'The directory connector is closed.');
    let stage: LdapStage = 'bind';
    const context = () => ({
      stage,
      flavour: settings.flavour,
      secure,
      secrets: [...request.secrets, settings.bindPassword],
      correlationId: request.correlationId,
    });
    const client = new Client({
      url: settings.url,
      timeout: settings.timeoutMs,
      connectTimeout: settings.timeoutMs,
      strictDN: false,
      // ldapts speaks TLS whenever tlsOptions has a value, even to an ldap:// URL: give it only for ldaps://
      ...(secure
        ? {
            tlsOptions: {
              rejectUnauthorized: settings.tlsRejectUnauthorized,
              minVersion: 'TLSv1.2' as const,
              ...(settings.tlsCaCert ? { ca: settings.tlsCaCert } : {}),
            },
          }
        : {}),
    });
    open.add(client);
    let timer: NodeJS.Timeout | undefined;
    let finished = false;
    try {
      const operation = (async () => {
        await client.bind(settings.bindDn, settings.bindPassword);
        await work(client, (next) => {
          // after the deadline, send nothing more (ldapts would quietly reconnect for the next request)
          if (finished) throw new DeadlineExceeded(settings.timeoutMs);
          stage = next;
        });
      })();
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DeadlineExceeded(settings.timeoutMs)), settings.timeoutMs);
      });
      operation.catch(() => undefined); // when the deadline wins, the operation's own failure is moot
      await Promise.race([operation, deadline]);
    } catch (error) {
      throw directoryErrorFrom(error, context());
    } finally {
      finished = true;
      clearTimeout(timer);
      open.delete(client);
      await client.unbind().catch(() => undefined);
    }
  }

  /** The one entry the filter matches; anything else is not_found (never a guess between two people). */
  async function findUser(client: Client, username: string, correlationId?: string): Promise<string> {
    const { searchEntries } = await client.search(settings.baseDn, {
      scope: 'sub',
      filter: userSearchFilter(settings.userFilter, username),
      attributes: ['1.1'],
      sizeLimit: 2,
      timeLimit: Math.max(1, Math.ceil(settings.timeoutMs / 1000)),
    });
    if (searchEntries.length === 1 && searchEntries[0]) return searchEntries[0].dn;
    throw new DirectoryError(
      'not_found',
      searchEntries.length === 0
        ? 'No one in the directory matches this username.'
        : 'More than one entry in the directory matches this username.',
      `${searchEntries.length === 0 ? 'no entry' : 'several entries'} under the base DN match the user filter` +
        (correlationId ? ` [${correlationId}]` : ''),
    );
  }

  async function changePassword(client: Client, dn: string, newPassword: string): Promise<void> {
    if (settings.flavour === 'active_directory') {
      await client.modify(
        dn,
        new Change({
          operation: 'replace',
          modification: new Attribute({ type: 'unicodePwd', values: [activeDirectoryPassword(newPassword)] }),
        }),
        new PolicyHintsControl(),
      );
    } else {
      await client.exop(PASSWORD_MODIFY_OID, passwordModifyRequestValue(dn, newPassword));
    }
  }

  return {
    kind: 'ldap',

    async setPassword({ username, newPassword, correlationId }: SetPasswordRequest): Promise<void> {
      if (!username.trim()) throw new DirectoryError('not_found', 'No username was given.');
      // an empty newPasswd would ask an OpenLDAP server to generate a password
      if (!newPassword) throw new DirectoryError('refused', 'The new password is empty.');
      await withClient({ secrets: [newPassword], correlationId }, async (client, at) => {
        at('search');
        const dn = await findUser(client, username, correlationId);
        at('change');
        await changePassword(client, dn, newPassword);
      });
    },

    async check(): Promise<void> {
      await withClient({ secrets: [] }, async (client, at) => {
        at('search');
        await client.search(settings.baseDn, {
          scope: 'base',
          filter: '(objectClass=*)',
          attributes: ['1.1'],
        });
      });
    },

    async close(): Promise<void> {
      closed = true;
      await Promise.allSettled([...open].map((client) => client.unbind()));
    },
  };
}
