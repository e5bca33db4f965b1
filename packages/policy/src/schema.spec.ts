import { DEFAULT_POLICY, parsePolicy, policyFrom, upgradePolicy } from './parse.js';
import type { Policy } from './schema.js';
import { cases, itQuotesItsSources, seed, security, type Source } from './test-support/sources.js';

function get(policy: Policy, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], policy);
}

describe('policy defaults', () => {
  const defaults: { path: string; value: unknown; source: Source }[] = [
    {
      path: 'sspr.methodsToRegister',
      value: 2,
      source: seed(
        '002_f9397ffc2d38fb9f.txt',
        'The Miller Group will enable SSPR for all user accounts, requiring at least two MFA methods that are compatible for SSPR, of the following four types:',
      ),
    },
    {
      path: 'sspr.methodsToReset',
      value: 2,
      source: seed(
        '002_f9397ffc2d38fb9f.txt',
        'You’ll be prompted for two forms of registered MFA. The selection available depends on how many compatible MFA options were registered.',
      ),
    },
    {
      path: 'sspr.eligibleMethods',
      value: ['authenticator_push', 'authenticator_code', 'mobile_call', 'mobile_text', 'email'],
      source: seed(
        '002_f9397ffc2d38fb9f.txt',
        'Email and mobile phone are weaker than other methods, hence the requirement for at least two methods.',
      ),
    },
    {
      path: 'defaultMethod.recommended',
      value: 'authenticator_push',
      source: seed(
        '002_f9397ffc2d38fb9f.txt',
        'Microsoft 365 will prompt to set up Microsoft Authenticator by default.',
      ),
    },
    {
      path: 'elevatedRights.effectiveDate',
      value: '2023-11-30',
      source: seed(
        '004_45c6962a3a3fcc05.txt',
        'This change comes in on 30th November 2023; however, it is advisable to change as soon as possible',
      ),
    },
    {
      path: 'elevatedRights.allowedMethods',
      value: ['authenticator_push', 'security_key'],
      source: security('Recommend allowing FIDO2 for admins alongside push-with-number-matching (R26).'),
    },
    {
      path: 'push.numberMatchingDigits',
      value: 2,
      source: seed(
        '002_f9397ffc2d38fb9f.txt',
        'A Push Challenge notification will display a short code on the screen and will prompt for you to enter the code in the phone app – entering the correct code will approve the authentication request.',
      ),
    },
    {
      path: 'push.elevatedNumberMatchingDigits',
      value: 6,
      source: security('Choose 6 digits (NIST) or document the deviation (R22).'),
    },
    {
      path: 'push.maxOutstanding',
      value: 1,
      source: security('at most 1 outstanding push per user, at most 5 per 15 min'),
    },
    {
      path: 'push.maxPerWindow',
      value: 5,
      source: security('at most 1 outstanding push per user, at most 5 per 15 min'),
    },
    {
      path: 'push.windowMinutes',
      value: 15,
      source: security('at most 1 outstanding push per user, at most 5 per 15 min'),
    },
    {
      path: 'voice.confirmation',
      value: 'press_hash',
      source: seed(
        '002_f9397ffc2d38fb9f.txt',
        'Selecting call will prompt an automated call from Microsoft to confirm (select #) or to deny (0# – if the phone number has a typo and someone else answered the call).',
      ),
    },
    {
      path: 'voice.fraudCode',
      value: '0#',
      source: seed(
        '002_f9397ffc2d38fb9f.txt',
        'Selecting call will prompt an automated call from Microsoft to confirm (select #) or to deny (0# – if the phone number has a typo and someone else answered the call).',
      ),
    },
    { path: 'lockout.failedAttempts', value: 10, source: security('lock at **10** (NCSC-style)') },
    {
      path: 'password.minLength',
      value: 15,
      source: security(
        'Min 15 characters where the password can be used as a single factor (8 allowed only if always used with a second factor)',
      ),
    },
    {
      path: 'codes.textLifetimeSeconds',
      value: 300,
      source: security('≥20 bits (≥6 digits) from a CSPRNG; valid ≤10 minutes'),
    },
    {
      path: 'conditionalMfa.trustedNetworks',
      value: [],
      source: seed(
        '003_666bc4a499d5e8a3.txt',
        'An example could be when signing in to your Microsoft account from a personal computer or personal mobile device, which is not on the NHS network.',
      ),
    },
  ];

  it.each(cases(defaults))('$path defaults to $value ($from)', ({ path, value }) => {
    expect(get(DEFAULT_POLICY, path)).toEqual(value);
  });

  const notAllowed: { method: string; source: Source }[] = [
    {
      method: 'office_call',
      source: seed(
        '001_7ab364164b39ca30.txt',
        'The use of the office phone option is not recommended or supported by NHSmail.',
      ),
    },
    {
      method: 'security_questions',
      source: security(
        'If we keep them, they can only be an *additional* gate, never sufficient, never for admins (R10).',
      ),
    },
  ];

  it.each(cases(notAllowed))('$method is off by default ($from)', ({ method }) => {
    expect(DEFAULT_POLICY.allowedMethods).not.toContain(method);
    expect(DEFAULT_POLICY.sspr.eligibleMethods).not.toContain(method);
  });

  it('is version 2, frozen, and the same when parsed again', () => {
    expect(DEFAULT_POLICY.version).toBe(2);
    expect(Object.isFrozen(DEFAULT_POLICY.sspr.eligibleMethods)).toBe(true);
    expect(policyFrom(JSON.parse(JSON.stringify(DEFAULT_POLICY)))).toEqual(DEFAULT_POLICY);
  });

  it('fills in the rest of a section when only one field is given', () => {
    const p = policyFrom({ sspr: { methodsToReset: 1 } });
    expect(p.sspr).toEqual({ ...DEFAULT_POLICY.sspr, methodsToReset: 1 });
  });

  itQuotesItsSources([...defaults, ...notAllowed].map((c) => c.source));
});

describe('parsePolicy errors name the field', () => {
  const bad: { input: unknown; path: string; says: RegExp }[] = [
    { input: { sspr: { methodsToReset: 3 } }, path: 'sspr.methodsToReset', says: /must be 1 or 2 \(got 3\)/ },
    {
      input: { sspr: { methodsToReset: 2, methodsToRegister: 1 } },
      path: 'sspr.methodsToReset',
      says: /cannot be more than sspr.methodsToRegister/,
    },
    { input: { sspr: { enabled: 'yes' } }, path: 'sspr.enabled', says: /must be a boolean \(got "yes"\)/ },
    { input: { sspr: { methodsToRest: 2 } }, path: 'sspr.methodsToRest', says: /not a setting Verity knows/ },
    {
      input: { allowedMethods: ['authenticator_push', 'sms'] },
      path: 'allowedMethods[1]',
      says: /must be one of .* \(got "sms"\)/,
    },
    {
      input: { allowedMethods: ['authenticator_push', 'authenticator_push'] },
      path: 'allowedMethods',
      says: /more than once/,
    },
    {
      input: { sspr: { eligibleMethods: ['security_key'] } },
      path: 'sspr.eligibleMethods[0]',
      says: /cannot be used for password reset/,
    },
    {
      input: { sspr: { eligibleMethods: ['office_call', 'authenticator_push'] } },
      path: 'sspr.eligibleMethods[0]',
      says: /not in allowedMethods/,
    },
    {
      input: { allowedMethods: ['authenticator_push', 'security_questions'] },
      path: 'allowedMethods[1]',
      says: /only be used for password reset/,
    },
    {
      input: { elevatedRights: { allowedMethods: ['mobile_text'] } },
      path: 'elevatedRights.allowedMethods[0]',
      says: /not strong enough/,
    },
    {
      input: { elevatedRights: { allowedMethods: [] } },
      path: 'elevatedRights.allowedMethods',
      says: /at least 1 item/,
    },
    {
      input: { elevatedRights: { effectiveDate: '30/11/2023' } },
      path: 'elevatedRights.effectiveDate',
      says: /like 2023-11-30/,
    },
    {
      input: { conditionalMfa: { trustedNetworks: [{ name: 'Trust HQ', cidrs: ['10.0.0.1/8'] }] } },
      path: 'conditionalMfa.trustedNetworks[0].cidrs[0]',
      says: /host bits set; did you mean 10.0.0.0\/8\?/,
    },
    {
      input: { conditionalMfa: { trustedNetworks: [{ name: 'Trust HQ', cidrs: ['2001:db8::/129'] }] } },
      path: 'conditionalMfa.trustedNetworks[0].cidrs[0]',
      says: /invalid prefix length/,
    },
    {
      input: { push: { numberMatchingDigits: 2.5 } },
      path: 'push.numberMatchingDigits',
      says: /whole number/,
    },
    {
      input: { push: { numberMatchingDigits: 6, elevatedNumberMatchingDigits: 4 } },
      path: 'push.elevatedNumberMatchingDigits',
      says: /fewer than/,
    },
    {
      input: { lockout: { failedAttempts: 0 } },
      path: 'lockout.failedAttempts',
      says: /at least 1 \(got 0\)/,
    },
    { input: { lockout: { failedAttempts: 101 } }, path: 'lockout.failedAttempts', says: /at most 100/ },
    {
      input: { codes: { textLifetimeSeconds: 3600 } },
      path: 'codes.textLifetimeSeconds',
      says: /at most 600/,
    },
    { input: { password: { minLength: 6 } }, path: 'password.minLength', says: /at least 8/ },
    {
      input: { password: { requireUppercase: true } },
      path: 'password.requireUppercase',
      says: /does not impose composition rules/,
    },
    {
      input: { defaultMethod: { recommended: 'email' } },
      path: 'defaultMethod.recommended',
      says: /never be a default/,
    },
    {
      input: { defaultMethod: { recommended: 'office_call' } },
      path: 'defaultMethod.recommended',
      says: /never be a default/,
    },
    {
      input: { voice: { confirmation: 'press_star' } },
      path: 'voice.confirmation',
      says: /"press_hash" or "key_number"/,
    },
    { input: { voice: { fraudCode: '0' } }, path: 'voice.fraudCode', says: /followed by #/ },
    { input: { version: 7 }, path: 'version', says: /must be 1 or 2 \(got 7\)/ },
    { input: 'everything allowed', path: 'policy', says: /must be an object/ },
    { input: [], path: 'policy', says: /must be an object/ },
  ];

  it.each(bad)('$path: $says', ({ input, path, says }) => {
    const result = parsePolicy(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const error = result.errors.find((e) => e.path === path);
    expect(error).toBeDefined();
    expect(error!.message.startsWith(`${path}: `)).toBe(true);
    expect(error!.message).toMatch(says);
  });

  it('reports every bad field at once', () => {
    const result = parsePolicy({
      sspr: { methodsToReset: 5 },
      lockout: { failedAttempts: -1 },
      push: { maxPerWindow: 'many' },
    });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.errors.map((e) => e.path).sort()).toEqual([
        'lockout.failedAttempts',
        'push.maxPerWindow',
        'sspr.methodsToReset',
      ]);
  });
});

describe('upgrading a version 1 policy', () => {
  const v1 = {
    version: 1,
    methods: {
      app: true,
      sms: true,
      voice: false,
      officePhone: true,
      email: true,
      questions: false,
      fido2: false,
      appPasswords: false,
    },
    ssprEnabled: true,
    ssprMethodsRequired: 2,
    adminPushOnlyFrom: '2024-03-01',
    trustedIps: ['192.0.2.10', '198.51.100.0/24', '2001:db8::/48'],
    rememberMfaDays: 14,
    lockoutThreshold: 5,
    minPasswordLength: 16,
  };

  it('maps each family of methods to the catalogue', () => {
    const p = policyFrom(v1);
    expect(p.allowedMethods).toEqual([
      'authenticator_push',
      'authenticator_code',
      'office_call',
      'mobile_text',
      'email',
    ]);
    expect(p.sspr.eligibleMethods).toEqual([
      'authenticator_push',
      'authenticator_code',
      'office_call',
      'mobile_text',
      'email',
    ]);
  });

  it('keeps what version 1 said about SSPR, admins, networks, devices, lockout and passwords', () => {
    const result = parsePolicy(v1);
    expect(result.ok && result.upgradedFrom).toBe(1);
    const p = policyFrom(v1);
    expect(p.sspr).toMatchObject({ enabled: true, methodsToRegister: 2, methodsToReset: 2 });
    expect(p.elevatedRights).toMatchObject({
      effectiveDate: '2024-03-01',
      allowedMethods: ['authenticator_push'],
    });
    expect(p.conditionalMfa.trustedNetworks).toEqual([
      {
        name: 'Trusted network (from version 1)',
        cidrs: ['192.0.2.10/32', '198.51.100.0/24', '2001:db8::/48'],
      },
    ]);
    expect(p.conditionalMfa.rememberedDevice).toEqual({ enabled: true, lifetimeDays: 14 });
    expect(p.lockout.failedAttempts).toBe(5);
    expect(p.password.minLength).toBe(16);
  });

  it('turns remembered devices off when version 1 had 0 days', () => {
    expect(policyFrom({ version: 1, rememberMfaDays: 0 }).conditionalMfa.rememberedDevice.enabled).toBe(
      false,
    );
  });

  it('explains changes of meaning in notes', () => {
    const result = upgradePolicy({ version: 1, ssprMethodsRequired: 1 });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.notes.join(' ')).toMatch(/can no longer be the only check/);
  });

  it('reports version 1 errors against version 1 field names', () => {
    const result = parsePolicy({ version: 1, methods: { sms: 'no' }, ssprMethodsRequired: 3 });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors.map((e) => e.path)).toEqual(['methods.sms', 'ssprMethodsRequired']);
      expect(result.errors[0]!.message).toBe('methods.sms: must be a boolean (got "no")');
    }
  });

  it('reports a bad version 1 trusted IP by its version 2 place', () => {
    const result = parsePolicy({ version: 1, trustedIps: ['10.0.0.300'] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]!.path).toBe('conditionalMfa.trustedNetworks[0].cidrs[0]');
  });

  it('leaves version 2 alone', () => {
    const result = upgradePolicy({ version: 2, lockout: { failedAttempts: 3 } });
    expect(result).toEqual({ ok: true, policy: { version: 2, lockout: { failedAttempts: 3 } }, notes: [] });
  });
});

describe('dependent defaults', () => {
  it('narrows the default SSPR methods when allowedMethods is narrowed', () => {
    const p = policyFrom({ allowedMethods: ['authenticator_push', 'mobile_text', 'security_key'] });
    expect(p.sspr.eligibleMethods).toEqual(['authenticator_push', 'mobile_text']);
  });

  it('leaves SSPR methods the organisation listed alone, and reports them if not allowed', () => {
    const result = parsePolicy({
      allowedMethods: ['authenticator_push'],
      sspr: { eligibleMethods: ['authenticator_push', 'email'] },
    });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.path)).toEqual(['sspr.eligibleMethods[1]']);
  });

  it('reports a section that is not an object', () => {
    const result = parsePolicy({ allowedMethods: ['authenticator_push'], sspr: 'on' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]!.message).toBe('sspr: must be an object (got "on")');
  });
});
