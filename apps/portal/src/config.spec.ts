import { loadPortalConfig } from './config.js';

const base = { PORTAL_COOKIE_SECRET: 'x'.repeat(32) };

describe('the portal settings', () => {
  it('takes each organisation with its key, and optionally its logo', () => {
    const config = loadPortalConfig({
      ...base,
      PORTAL_ORGANISATIONS: JSON.stringify({
        northshire: 'vty_0123456789abcdef_secret',
        riverside: { key: 'vty_fedcba9876543210_secret', logo: 'https://riverside.nhs.uk/logo.svg' },
      }),
    });
    expect(config.PORTAL_ORGANISATIONS).toEqual({
      northshire: 'vty_0123456789abcdef_secret',
      riverside: { key: 'vty_fedcba9876543210_secret', logo: 'https://riverside.nhs.uk/logo.svg' },
    });
    expect(config.PORTAL_SECURE_COOKIES).toBe(false);
  });

  it.each([
    ['not JSON', 'northshire=key', /must be JSON/],
    [
      'a slug with capitals',
      JSON.stringify({ North: 'vty_0123456789abcdef_secret' }),
      /PORTAL_ORGANISATIONS\.North: Invalid key/,
    ],
    [
      'a logo over plain http',
      JSON.stringify({ n: { key: 'vty_0123456789abcdef_secret', logo: 'http://x/l.png' } }),
      /https/,
    ],
  ])('refuses %s, saying what is wrong', (_what, value, message) => {
    expect(() => loadPortalConfig({ ...base, PORTAL_ORGANISATIONS: value })).toThrow(message);
  });

  it('refuses a short cookie secret', () => {
    expect(() => loadPortalConfig({ PORTAL_COOKIE_SECRET: 'short', PORTAL_ORGANISATIONS: '{}' })).toThrow(
      /PORTAL_COOKIE_SECRET: must be at least 32 characters/,
    );
  });

  it('trusts no proxy by default, and reads the proxies it may believe X-Forwarded-For from', () => {
    const organisations = { PORTAL_ORGANISATIONS: '{}' };
    expect(loadPortalConfig({ ...base, ...organisations }).TRUSTED_PROXIES).toEqual([]);
    expect(
      loadPortalConfig({ ...base, ...organisations, TRUSTED_PROXIES: '10.0.0.0/8, 192.0.2.7,2001:db8::/32' })
        .TRUSTED_PROXIES,
    ).toEqual(['10.0.0.0/8', '192.0.2.7', '2001:db8::/32']);
    for (const bad of ['true', '10.0.0.0/33', 'proxy.example'])
      expect(() => loadPortalConfig({ ...base, ...organisations, TRUSTED_PROXIES: bad })).toThrow(
        `TRUSTED_PROXIES: must be the proxies' addresses or CIDR ranges, comma-separated; not ${bad}`,
      );
  });
});
