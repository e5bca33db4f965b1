import { randomInt } from 'node:crypto';
import { createLdapConnector } from '@verity/directory';
import { type OpenLdap, startOpenLdap } from '@verity/testing';
import { solveChallenge } from 'altcha-lib/v1';
import { generateSecret, generateSync } from 'otplib';
import { onboard, startApi, type TestApi } from '../test/api.js';
import { PASSWORD, codeIn, messageOf, staffMember } from '../test/sign-in.js';

const NEW_PASSWORD = 'granite lighthouse marmalade orbit';

describe('password writeback to the organisation’s directory (a real OpenLDAP)', () => {
  let api: TestApi;
  let ldap: OpenLdap;
  let org: Awaited<ReturnType<typeof onboard>>;

  beforeAll(async () => {
    ldap = await startOpenLdap();
    api = await startApi({ CAPTCHA_MAX_NUMBER: '2000' });
    org = await onboard(api, 'writeback');
    const saved = await call('PUT', '/v1/organisation/directory', {
      kind: 'ldap',
      settings: {
        url: ldap.url,
        bindDn: ldap.bindDn,
        bindPassword: ldap.bindPassword,
        baseDn: ldap.baseDn,
        flavour: 'openldap',
        timeoutMs: 2000,
      },
    });
    expect(saved.status).toBe(200);
  });
  afterAll(async () => {
    await api.close();
    await ldap.stop();
  });

  const call = (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) =>
    api.request({ method, url, key: org.key, ...(body !== undefined ? { body } : {}) });

  /** Can this password bind as the person in the directory? */
  async function bindsAs(dn: string, password: string): Promise<boolean> {
    const connector = createLdapConnector({
      url: ldap.url,
      bindDn: dn,
      bindPassword: password,
      baseDn: ldap.baseDn,
      flavour: 'openldap',
      timeoutMs: 2000,
    });
    try {
      await connector.check();
      return true;
    } catch {
      return false;
    } finally {
      await connector.close();
    }
  }

  /** The directory's person as a member of staff (same address), through both checks to the new password. */
  async function readyToSetPassword(user: OpenLdap['users']['jane']) {
    const phone = `+447400${String(randomInt(1_000_000)).padStart(6, '0')}`;
    const secret = generateSecret();
    const member = await staffMember(api, org.tenantId, {
      username: user.mail,
      methods: [
        { type: 'authenticator_code', secret },
        { type: 'mobile_text', phone },
      ],
    });
    const started = await call('POST', '/v1/password-reset', { username: user.mail });
    const c = started.body.captcha;
    const { number } = (await solveChallenge(c.challenge, c.salt, c.algorithm, 2000).promise)!;
    const flowId = started.body.flowId as string;
    await call('POST', `/v1/password-reset/${flowId}/captcha`, {
      solution: Buffer.from(JSON.stringify({ ...c, number })).toString('base64'),
    });
    const text = await call('POST', `/v1/password-reset/${flowId}/challenges`, {
      kind: 'mobile_text',
      phone,
    });
    const { content } = await messageOf(api, org.tenantId, text.body.challengeId);
    await call('POST', `/v1/password-reset/${flowId}/challenges/${text.body.challengeId}/verify`, {
      code: codeIn(content.body),
    });
    const app = await call('POST', `/v1/password-reset/${flowId}/challenges`, { kind: 'authenticator_code' });
    const ready = await call(
      'POST',
      `/v1/password-reset/${flowId}/challenges/${app.body.challengeId}/verify`,
      {
        code: generateSync({ secret }),
      },
    );
    expect(ready.body.state).toBe('new_password');
    return { flowId, member };
  }

  const signsIn = async (username: string, password: string) =>
    (await call('POST', '/v1/sign-in', { username, password })).status === 200;

  it('keeps the service account’s password to itself, and checks the settings by binding', async () => {
    const shown = await call('GET', '/v1/organisation/directory');
    expect(shown.body).toMatchObject({ kind: 'ldap', settings: { url: ldap.url, bindDn: ldap.bindDn } });
    expect(JSON.stringify(shown.body)).not.toContain(ldap.bindPassword);
    expect((await call('POST', '/v1/organisation/directory/check')).status).toBe(204);
  });

  it('sets the new password in the directory first, then in Verity', async () => {
    const jane = ldap.users.jane;
    const { flowId } = await readyToSetPassword(jane);
    const done = await call('POST', `/v1/password-reset/${flowId}/password`, { password: NEW_PASSWORD });
    expect(done.status).toBe(200);
    expect(await bindsAs(jane.dn, NEW_PASSWORD)).toBe(true);
    expect(await bindsAs(jane.dn, jane.password)).toBe(false);
    expect(await signsIn(jane.mail, NEW_PASSWORD)).toBe(true);
  });

  it('reports the directory’s refusal and changes nothing anywhere', async () => {
    const john = ldap.users.john;
    const { flowId } = await readyToSetPassword(john);
    // Verity's rules accept it (15 characters, not guessable); the directory's policy wants 16
    const short = 'Quokka ferns 7!';
    const refused = await call('POST', `/v1/password-reset/${flowId}/password`, { password: short });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('directory-refused');
    expect(JSON.stringify(refused.body)).not.toContain(short);
    expect(await bindsAs(john.dn, john.password)).toBe(true);
    expect(await signsIn(john.mail, PASSWORD)).toBe(true);
    expect(await signsIn(john.mail, short)).toBe(false);
    // the reset waits for another password
    expect((await call('GET', `/v1/password-reset/${flowId}`)).body.state).toBe('new_password');
  });

  it('says the directory cannot be reached when it is down, changes nothing, and works once it is back', async () => {
    const { flowId, member } = await readyToSetPassword(ldap.users.wardA);
    await ldap.stopServer();
    try {
      const down = await call('POST', `/v1/password-reset/${flowId}/password`, { password: NEW_PASSWORD });
      expect(down.status).toBe(503);
      expect(down.body.code).toBe('directory-unavailable');
      expect(down.headers['retry-after']).toBeDefined();
      expect(await signsIn(member.username, PASSWORD)).toBe(true);
    } finally {
      await ldap.startServer();
    }
    // wardA and wardB share an address: the directory cannot tell which person it is
    const ambiguous = await call('POST', `/v1/password-reset/${flowId}/password`, { password: NEW_PASSWORD });
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.body.code).toBe('directory-account-missing');
    expect(await signsIn(member.username, PASSWORD)).toBe(true);
  });
});
