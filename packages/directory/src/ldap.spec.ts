import {
  BerWriter,
  BusyError,
  ConstraintViolationError,
  FilterParser,
  InsufficientAccessError,
  InvalidCredentialsError,
  NoSuchObjectError,
  UnavailableCriticalExtensionError,
  UnwillingToPerformError,
} from 'ldapts';
import { DirectoryError } from './connector.js';
import {
  AD_POLICY_HINTS_OID,
  DEFAULT_USER_FILTER,
  PolicyHintsControl,
  activeDirectoryPassword,
  createLdapConnector,
  directoryErrorFrom,
  escapeFilterValue,
  ldapDirectorySettings,
  passwordModifyRequestValue,
  userSearchFilter,
  type LdapErrorContext,
} from './ldap.js';

const settings = {
  url: 'ldaps://dc1.trust.nhs.uk',
  bindDn: 'CN=svc-verity,OU=Service Accounts,DC=trust,DC=nhs,DC=uk',
  bindPassword: 'service-Secret-1',
  baseDn: 'DC=trust,DC=nhs,DC=uk',
};

describe('ldapDirectorySettings', () => {
  it('fills in the defaults', () => {
    expect(ldapDirectorySettings.parse(settings)).toEqual({
      ...settings,
      userFilter: DEFAULT_USER_FILTER,
      flavour: 'active_directory',
      timeoutMs: 5000,
      tlsRejectUnauthorized: true,
    });
  });

  it('names each bad setting and refuses unknown ones', () => {
    const result = ldapDirectorySettings.safeParse({
      url: 'https://dc1',
      bindDn: '',
      bindPassword: '',
      baseDn: 'dc=x',
      userFilter: '(uid=someone)',
      flavour: 'novell',
      extra: true,
    });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join('.') || i.message);
    expect(paths).toEqual(expect.arrayContaining(['url', 'bindDn', 'bindPassword', 'userFilter', 'flavour']));
    expect(result.error!.issues.some((i) => i.code === 'unrecognized_keys')).toBe(true);
  });

  it('refuses a user filter that does not parse', () => {
    const result = ldapDirectorySettings.safeParse({ ...settings, userFilter: '(uid={username}' });
    expect(result.error?.issues[0]?.message).toBe('is not a valid LDAP filter');
  });
});

describe(escapeFilterValue.name, () => {
  it('escapes the characters RFC 4515 reserves, and nothing else', () => {
    expect(escapeFilterValue('a*b(c)d\\e\0f')).toBe('a\\2ab\\28c\\29d\\5ce\\00f');
    expect(escapeFilterValue('jane.doe@trust.nhs.uk')).toBe('jane.doe@trust.nhs.uk');
    expect(escapeFilterValue('Siân Ó Briain')).toBe('Siân Ó Briain');
  });

  it('keeps an injected filter inside the value', () => {
    const filter = userSearchFilter(DEFAULT_USER_FILTER, '*)(uid=*');
    expect(filter).toBe(
      '(|(userPrincipalName=\\2a\\29\\28uid=\\2a)(mail=\\2a\\29\\28uid=\\2a)(uid=\\2a\\29\\28uid=\\2a))',
    );
    // still one OR of three equality matches, each on the literal username
    const parsed = FilterParser.parseString(filter) as unknown as {
      filters: { attribute: string; value: string }[];
    };
    expect(parsed.filters.map((f) => f.value)).toEqual(['*)(uid=*', '*)(uid=*', '*)(uid=*']);
  });
});

describe(activeDirectoryPassword.name, () => {
  it('quotes the password and encodes it UTF-16LE', () => {
    expect(activeDirectoryPassword('pwd')).toEqual(
      Buffer.from([0x22, 0x00, 0x70, 0x00, 0x77, 0x00, 0x64, 0x00, 0x22, 0x00]),
    );
    expect(activeDirectoryPassword('£').toString('hex')).toBe('2200a3002200');
  });
});

describe(PolicyHintsControl.name, () => {
  it('asks Active Directory for its whole policy, not critically: SEQUENCE { Flags 1 }', () => {
    const writer = new BerWriter();
    new PolicyHintsControl().write(writer);
    const oid = Buffer.from(AD_POLICY_HINTS_OID).toString('hex');
    expect(writer.buffer.toString('hex')).toBe('3023' + '0417' + oid + '010100' + '0405' + '3003020101');
  });
});

describe(passwordModifyRequestValue.name, () => {
  it('encodes SEQUENCE { userIdentity [0], newPasswd [2] }', () => {
    const value = passwordModifyRequestValue('uid=a,dc=x', 'secret');
    expect(value.toString('hex')).toBe(
      '3014' +
        '800a' +
        Buffer.from('uid=a,dc=x').toString('hex') +
        '8206' +
        Buffer.from('secret').toString('hex'),
    );
  });

  it('uses the long length form beyond 127 bytes, and UTF-8', () => {
    const long = 'p'.repeat(300);
    const value = passwordModifyRequestValue('uid=a,dc=x', long);
    expect(value.subarray(0, 4).toString('hex')).toBe('3082013c'); // 2 + 10 + 4 + 300 = 316
    expect(value.subarray(16, 20).toString('hex')).toBe('8282012c');
    expect(passwordModifyRequestValue('uid=a', 'x'.repeat(200)).subarray(0, 3).toString('hex')).toBe(
      '3081d2',
    );
    expect(passwordModifyRequestValue('uid=a', 'é').toString('hex')).toBe(
      '300b' + '80057569643d61' + '8202c3a9',
    );
  });

  it('matches what ldapts own BER writer produces', () => {
    for (const password of ['secret', 'x'.repeat(130), 'Ünïcødé-😀-'.repeat(30)]) {
      const writer = new BerWriter();
      writer.startSequence();
      writer.writeString('uid=jane.doe,ou=people,dc=verity,dc=test', 0x80);
      writer.writeString(password, 0x82);
      writer.endSequence();
      expect(passwordModifyRequestValue('uid=jane.doe,ou=people,dc=verity,dc=test', password)).toEqual(
        writer.buffer,
      );
    }
  });
});

describe(directoryErrorFrom.name, () => {
  const context = (overrides: Partial<LdapErrorContext> = {}): LdapErrorContext => ({
    stage: 'change',
    flavour: 'openldap',
    secure: true,
    secrets: ['New-Passw0rd-123', 'service-Secret-1'],
    ...overrides,
  });
  const read = (error: unknown, overrides?: Partial<LdapErrorContext>) => {
    const mapped = directoryErrorFrom(error, context(overrides));
    expect(mapped).toBeInstanceOf(DirectoryError);
    return mapped;
  };

  it('reads a policy refusal as refused', () => {
    expect(read(new ConstraintViolationError('Password fails quality checking policy'))).toMatchObject({
      code: 'refused',
      detail: 'constraintViolation (19) during change: Password fails quality checking policy',
    });
    const ad = new ConstraintViolationError(
      '0000052D: Constraint violation - check_password_restrictions: the password does not meet the complexity requirements',
    );
    expect(read(ad, { flavour: 'active_directory' }).code).toBe('refused');
    const ad53 = new UnwillingToPerformError(
      '0000052D: SvcErr: DSID-031A12D2, problem 5003 (WILL_NOT_PERFORM)',
    );
    expect(read(ad53, { flavour: 'active_directory', secure: false }).code).toBe('refused');
    expect(read(new UnwillingToPerformError('policy'), { flavour: 'openldap', secure: false }).code).toBe(
      'refused',
    );
  });

  it('reads Active Directory refusing unicodePwd over plain LDAP as misconfigured', () => {
    const error = new UnwillingToPerformError(
      '0000001F: SvcErr: DSID-031A12D2, problem 5003 (WILL_NOT_PERFORM)',
    );
    expect(read(error, { flavour: 'active_directory', secure: false })).toMatchObject({
      code: 'misconfigured',
      message: expect.stringContaining('ldaps://'),
    });
  });

  it('reads service account and rights problems as misconfigured', () => {
    expect(
      read(new InvalidCredentialsError('80090308: LdapErr: DSID-0C09041C, data 52e'), { stage: 'bind' }),
    ).toMatchObject({ code: 'misconfigured', message: expect.stringContaining('service account') });
    expect(read(new InsufficientAccessError('no write access to parent')).code).toBe('misconfigured');
    expect(read(new NoSuchObjectError(), { stage: 'search' })).toMatchObject({
      code: 'misconfigured',
      message: expect.stringContaining('base DN'),
    });
    expect(read(new UnavailableCriticalExtensionError()).code).toBe('misconfigured');
    expect(
      read(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })).code,
    ).toBe('misconfigured');
  });

  it('reads a vanished entry as not_found', () => {
    expect(read(new NoSuchObjectError()).code).toBe('not_found');
  });

  it('reads connection failures, timeouts and a busy server as unavailable', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(read(refused, { stage: 'bind' })).toMatchObject({ code: 'unavailable', retryable: true });
    expect(read(new Error('Connection timeout'), { stage: 'bind' }).code).toBe('unavailable');
    expect(read(new Error('ModifyRequest: Operation timed out')).code).toBe('unavailable');
    expect(read(new BusyError()).code).toBe('unavailable');
  });

  it('never lets a password into the message, the detail or the cause', () => {
    const error = new ConstraintViolationError('New-Passw0rd-123 is too similar to service-Secret-1');
    const mapped = read(error, { correlationId: 'req-42' });
    expect(mapped.message).not.toMatch(/New-Passw0rd-123|service-Secret-1/);
    expect(mapped.detail).toBe(
      'constraintViolation (19) during change: [redacted] is too similar to [redacted] [req-42]',
    );
    expect(String((mapped.cause as Error).message)).not.toMatch(/New-Passw0rd-123|service-Secret-1/);
  });

  it('passes a DirectoryError through', () => {
    const own = new DirectoryError('not_found', 'No one matches.');
    expect(directoryErrorFrom(own, context())).toBe(own);
  });
});

describe(createLdapConnector.name, () => {
  it('refuses an empty password without asking the directory (OpenLDAP would generate one)', async () => {
    const connector = createLdapConnector({ ...settings, url: 'ldap://127.0.0.1:1', flavour: 'openldap' });
    await expect(connector.setPassword({ username: 'jane', newPassword: '' })).rejects.toMatchObject({
      code: 'refused',
    });
    await expect(connector.setPassword({ username: ' ', newPassword: 'x' })).rejects.toMatchObject({
      code: 'not_found',
    });
    await connector.close();
    await expect(connector.check()).rejects.toBeInstanceOf(DirectoryError);
  });

  it('validates its settings', () => {
    expect(() => createLdapConnector({ ...settings, url: 'dc1.trust.nhs.uk' })).toThrow(/ldap:\/\//);
  });
});
