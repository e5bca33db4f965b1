import { createServer, type AddressInfo } from 'node:net';
import { startOpenLdap, type OpenLdap } from '@verity/testing';
import { Client, InvalidCredentialsError } from 'ldapts';
import { DirectoryError, type DirectoryConnector, type SetPasswordRequest } from './connector.js';
import { createLdapConnector, type LdapDirectorySettingsInput } from './ldap.js';

// Against a real OpenLDAP (Debian's slapd, with the ppolicy overlay) started by @verity/testing.
describe('LDAP password writeback against OpenLDAP', () => {
  let ldap: OpenLdap;
  const secrets = new Set<string>();
  const errors: DirectoryError[] = [];

  beforeAll(async () => {
    ldap = await startOpenLdap();
    secrets.add(ldap.bindPassword);
  });
  afterAll(async () => {
    await ldap?.stop();
  });

  const connect = (overrides: Partial<LdapDirectorySettingsInput> = {}): DirectoryConnector =>
    createLdapConnector({
      url: ldap.url,
      bindDn: ldap.bindDn,
      bindPassword: ldap.bindPassword,
      baseDn: ldap.baseDn,
      flavour: 'openldap',
      timeoutMs: 2000,
      ...overrides,
    });

  /** The DirectoryError the promise rejects with; remembered to check no password leaked into any. */
  async function failure(promise: Promise<unknown>): Promise<DirectoryError> {
    const error = await promise.then(
      () => {
        throw new Error('expected the directory to fail');
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DirectoryError);
    errors.push(error as DirectoryError);
    return error as DirectoryError;
  }

  async function setPassword(connector: DirectoryConnector, request: SetPasswordRequest): Promise<void> {
    secrets.add(request.newPassword);
    try {
      await connector.setPassword(request);
    } finally {
      await connector.close();
    }
  }

  /** Whether a simple bind with this password succeeds. */
  async function canBind(dn: string, password: string): Promise<boolean> {
    const client = new Client({ url: ldap.url, timeout: 2000 });
    try {
      await client.bind(dn, password);
      return true;
    } catch (error) {
      if (error instanceof InvalidCredentialsError) return false;
      throw error;
    } finally {
      await client.unbind();
    }
  }

  async function storedPassword(dn: string): Promise<string> {
    const client = new Client({ url: ldap.url, timeout: 2000 });
    try {
      await client.bind(ldap.rootDn, ldap.rootPassword);
      const { searchEntries } = await client.search(dn, { scope: 'base', attributes: ['userPassword'] });
      return String(searchEntries[0]?.userPassword);
    } finally {
      await client.unbind();
    }
  }

  it('checks the settings: reachable, service account binds, base DN exists', async () => {
    const connector = connect();
    await expect(connector.check()).resolves.toBeUndefined();
    await connector.close();
  });

  it('sets the password found by mail: the new one binds, the old one no longer does', async () => {
    const { jane } = ldap.users;
    const newPassword = 'Jane-Reset-Via-Verity-01';
    await setPassword(connect(), { username: jane.mail, newPassword, correlationId: 'it-1' });

    expect(await canBind(jane.dn, newPassword)).toBe(true);
    expect(await canBind(jane.dn, jane.password)).toBe(false);
    // the server hashed it itself (Password Modify extended operation), per its own settings
    expect(await storedPassword(jane.dn)).toMatch(/^\{SSHA\}/);
  });

  it('finds the person by uid too', async () => {
    const { john } = ldap.users;
    const newPassword = 'John-Reset-Via-Verity-01';
    await setPassword(connect(), { username: john.uid, newPassword });
    expect(await canBind(john.dn, newPassword)).toBe(true);
    john.password = newPassword;
  });

  it("reports the directory's policy refusal as refused and leaves the old password working", async () => {
    const { wardA } = ldap.users;
    const tooShort = 'Short-1'; // the policy wants 16 characters
    const error = await failure(setPassword(connect(), { username: wardA.uid, newPassword: tooShort }));
    expect(error).toMatchObject({ code: 'refused', retryable: false });
    expect(error.detail).toMatch(/constraintViolation \(19\).*quality/);
    expect(await canBind(wardA.dn, wardA.password)).toBe(true);
    expect(await canBind(wardA.dn, tooShort)).toBe(false);
  });

  it('reports reusing a password the history remembers as refused', async () => {
    const { john } = ldap.users;
    const error = await failure(setPassword(connect(), { username: john.uid, newPassword: john.password }));
    expect(error.code).toBe('refused');
    expect(await canBind(john.dn, john.password)).toBe(true);
  });

  it('reports an unknown, an ambiguous and a wildcard username as not_found', async () => {
    const nobody = await failure(
      setPassword(connect(), { username: 'nobody@trust.nhs.uk', newPassword: 'Nobody-Long-Password-01' }),
    );
    expect(nobody).toMatchObject({ code: 'not_found', message: expect.stringMatching(/No one/) });

    const shared = await failure(
      setPassword(connect(), { username: ldap.users.wardA.mail, newPassword: 'Ward-Long-Password-0001' }),
    );
    expect(shared).toMatchObject({ code: 'not_found', message: expect.stringMatching(/More than one/) });
    expect(await canBind(ldap.users.wardA.dn, ldap.users.wardA.password)).toBe(true);

    // escaped: "*" is a literal username, not "everyone"
    const wildcard = await failure(
      setPassword(connect(), { username: '*', newPassword: 'Wildcard-Long-Password-01' }),
    );
    expect(wildcard).toMatchObject({ code: 'not_found', message: expect.stringMatching(/No one/) });
  });

  it('reports a wrong service account password as misconfigured, in check() too', async () => {
    const connector = connect({ bindPassword: 'not-the-service-password' });
    secrets.add('not-the-service-password');
    const error = await failure(
      setPassword(connector, { username: ldap.users.john.uid, newPassword: 'John-Never-Applied-0001' }),
    );
    expect(error).toMatchObject({
      code: 'misconfigured',
      detail: expect.stringMatching(/invalidCredentials \(49\)/),
    });
    const checked = await failure(connect({ bindPassword: 'not-the-service-password' }).check());
    expect(checked.code).toBe('misconfigured');
    expect(await canBind(ldap.users.john.dn, ldap.users.john.password)).toBe(true);
  });

  it('reports a base DN that does not exist as misconfigured', async () => {
    const baseDn = `ou=nowhere,${ldap.baseDn}`;
    const error = await failure(connect({ baseDn }).check());
    expect(error).toMatchObject({ code: 'misconfigured', message: expect.stringMatching(/base DN/) });
    const writing = await failure(
      setPassword(connect({ baseDn }), {
        username: ldap.users.john.uid,
        newPassword: 'John-Never-Applied-0002',
      }),
    );
    expect(writing.code).toBe('misconfigured');
  });

  it('reports a service account without the right to reset passwords as misconfigured', async () => {
    const { wardB, john } = ldap.users;
    const error = await failure(
      setPassword(connect({ bindDn: wardB.dn, bindPassword: wardB.password }), {
        username: john.uid,
        newPassword: 'John-Never-Applied-0003',
      }),
    );
    expect(error).toMatchObject({
      code: 'misconfigured',
      detail: expect.stringMatching(/insufficientAccessRights \(50\)/),
    });
    expect(await canBind(john.dn, john.password)).toBe(true);
  });

  it('reports the Active Directory flavour against OpenLDAP as misconfigured (no unicodePwd)', async () => {
    const error = await failure(
      setPassword(connect({ flavour: 'active_directory' }), {
        username: ldap.users.john.uid,
        newPassword: 'John-Never-Applied-0004',
      }),
    );
    expect(error).toMatchObject({ code: 'misconfigured', message: expect.stringMatching(/flavour/) });
    expect(await canBind(ldap.users.john.dn, ldap.users.john.password)).toBe(true);
  });

  it('reports a directory that is down as unavailable, and works again once it is back', async () => {
    await ldap.stopServer();
    try {
      const started = Date.now();
      const error = await failure(
        setPassword(connect(), { username: ldap.users.john.uid, newPassword: 'John-Never-Applied-0005' }),
      );
      expect(error).toMatchObject({ code: 'unavailable', retryable: true });
      expect(Date.now() - started).toBeLessThan(2000);
      expect((await failure(connect().check())).code).toBe('unavailable');
    } finally {
      await ldap.startServer();
    }
    const connector = connect();
    await expect(connector.check()).resolves.toBeUndefined();
    await connector.close();
    expect(await canBind(ldap.users.john.dn, ldap.users.john.password)).toBe(true);
  });

  it('gives up on a directory that accepts connections but never answers, within the timeout', async () => {
    ldap.pause();
    try {
      const started = Date.now();
      const error = await failure(
        setPassword(connect({ timeoutMs: 500 }), {
          username: ldap.users.john.uid,
          newPassword: 'John-Never-Applied-0006',
        }),
      );
      const elapsed = Date.now() - started;
      expect(error).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/500 ms/) });
      expect(elapsed).toBeGreaterThanOrEqual(450);
      expect(elapsed).toBeLessThan(1500);
    } finally {
      ldap.resume();
    }
    expect(await canBind(ldap.users.john.dn, ldap.users.john.password)).toBe(true);
  });

  it('reports a closed port as unavailable', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = server.address() as AddressInfo;
        server.close(() => resolve(free));
      });
    });
    const error = await failure(connect({ url: `ldap://127.0.0.1:${port}` }).check());
    expect(error).toMatchObject({ code: 'unavailable', detail: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('never put a password in any error it reported', () => {
    expect(errors.length).toBeGreaterThanOrEqual(12);
    for (const error of errors) {
      const shown = [error.message, error.detail ?? '', error.stack ?? '', String(error.cause)].join('\n');
      for (const secret of secrets) expect(shown).not.toContain(secret);
    }
  });
});
