import { DEFAULT_POLICY, policyFrom } from './parse.js';
import type { ReasonCode } from './reasons.js';
import { validatePolicyForSave, validatePolicySafety } from './safety.js';
import { cases, design, itQuotesItsSources, seed, security, type Source } from './test-support/sources.js';

describe(validatePolicySafety.name, () => {
  it('accepts the default policy', () => {
    expect(validatePolicySafety(DEFAULT_POLICY)).toEqual({ ok: true });
  });

  const unsafe: { name: string; input: object; code: ReasonCode; source: Source }[] = [
    {
      name: 'SSPR with email as the only eligible method (two gates)',
      input: { sspr: { eligibleMethods: ['email'] } },
      code: 'UNSAFE_SSPR_ONLY_WEAK_METHODS',
      source: security(
        'tenant policy that tries to configure {email} as a complete 1-gate or 2-gate policy is',
      ),
    },
    {
      name: 'SSPR with email alone and one gate',
      input: { sspr: { eligibleMethods: ['email'], methodsToReset: 1 } },
      code: 'UNSAFE_SSPR_ONLY_WEAK_METHODS',
      source: security('Email may notify, or confirm an address of record, but must'),
    },
    {
      name: 'SSPR with security questions alone',
      input: {
        allowedMethods: ['authenticator_push', 'security_questions'],
        sspr: { eligibleMethods: ['security_questions'] },
      },
      code: 'UNSAFE_SSPR_ONLY_WEAK_METHODS',
      source: security('SSPR policy {questions, questions} rejected'),
    },
    {
      name: 'security questions as an SSPR method with one gate',
      input: {
        allowedMethods: ['authenticator_push', 'security_questions'],
        sspr: { eligibleMethods: ['authenticator_push', 'security_questions'], methodsToReset: 1 },
      },
      code: 'UNSAFE_SSPR_WEAK_SINGLE_GATE',
      source: security(
        'If we keep them, they can only be an *additional* gate, never sufficient, never for admins (R10).',
      ),
    },
    {
      name: 'email as an SSPR method with one gate',
      input: { sspr: { methodsToReset: 1 } },
      code: 'UNSAFE_SSPR_WEAK_SINGLE_GATE',
      source: seed(
        '002_f9397ffc2d38fb9f.txt',
        'Email and mobile phone are weaker than other methods, hence the requirement for at least two methods.',
      ),
    },
    {
      name: 'text and calls with no stronger alternative',
      input: {
        allowedMethods: ['mobile_text', 'mobile_call', 'email'],
        defaultMethod: { recommended: 'mobile_text' },
        sspr: { eligibleMethods: ['mobile_text', 'mobile_call', 'email'] },
        elevatedRights: { allowedMethods: ['authenticator_push'] },
      },
      code: 'UNSAFE_RESTRICTED_WITHOUT_STRONGER',
      source: security('a tenant policy that enables SMS/voice with no TOTP/push/FIDO2 alternative is'),
    },
    {
      name: 'email as the only sign-in method',
      input: {
        allowedMethods: ['email'],
        sspr: { enabled: false, eligibleMethods: ['email'] },
      },
      code: 'UNSAFE_NO_SIGN_IN_METHOD',
      source: seed(
        '002_f9397ffc2d38fb9f.txt',
        'After setting up an authenticator app or phone, email will be available as a secondary MFA option (not available as primary, only secondary)',
      ),
    },
    {
      name: 'only methods that cannot come first',
      input: {
        allowedMethods: ['office_call', 'alternate_call'],
        sspr: { eligibleMethods: ['office_call'], methodsToReset: 1, methodsToRegister: 1 },
      },
      code: 'UNSAFE_NO_FIRST_METHOD',
      source: seed(
        '001_7ab364164b39ca30.txt',
        'The use of the office phone option is not recommended or supported by NHSmail.',
      ),
    },
    {
      name: 'an elevated-rights rule allowing nothing usable',
      input: {
        allowedMethods: ['authenticator_code', 'mobile_text', 'email'],
        defaultMethod: { recommended: 'authenticator_code' },
        sspr: { eligibleMethods: ['authenticator_code', 'mobile_text', 'email'] },
      },
      code: 'UNSAFE_ELEVATED_NOTHING_USABLE',
      source: seed(
        '004_45c6962a3a3fcc05.txt',
        'If you currently authenticate with any of the following, you will need to move to "push" phone app notifications.',
      ),
    },
    {
      name: 'an 8-character minimum while trusted networks skip MFA',
      input: {
        password: { minLength: 8, insistOnShortMinimum: true },
        registration: { snooze: { times: 0 } },
        conditionalMfa: {
          trustedNetworks: [{ name: 'HQ', cidrs: ['10.0.0.0/8'] }],
          rememberedDevice: { enabled: false },
        },
      },
      code: 'UNSAFE_SHORT_PASSWORD',
      source: security(
        'Min 15 characters where the password can be used as a single factor (8 allowed only if always used with a second factor)',
      ),
    },
    {
      name: 'an 8-character minimum the organisation has not insisted on',
      input: {
        password: { minLength: 8 },
        registration: { snooze: { times: 0 } },
        conditionalMfa: { rememberedDevice: { enabled: false } },
      },
      code: 'UNSAFE_SHORT_PASSWORD',
      source: security(
        'Min 15 characters where the password can be used as a single factor (8 allowed only if always used with a second factor)',
      ),
    },
    {
      name: 'the whole IPv4 internet as a trusted network',
      input: { conditionalMfa: { trustedNetworks: [{ name: 'Everywhere', cidrs: ['0.0.0.0/0'] }] } },
      code: 'UNSAFE_TRUSTED_NETWORK_TOO_BROAD',
      source: seed(
        '003_666bc4a499d5e8a3.txt',
        'An example could be when signing in to your Microsoft account from a personal computer or personal mobile device, which is not on the NHS network.',
      ),
    },
    {
      name: 'an IPv6 range wider than /32 as a trusted network',
      input: { conditionalMfa: { trustedNetworks: [{ name: 'Wide', cidrs: ['2000::/3'] }] } },
      code: 'UNSAFE_TRUSTED_NETWORK_TOO_BROAD',
      source: seed(
        '003_666bc4a499d5e8a3.txt',
        'You will only be asked for MFA if your identity needs to be further verified for security reasons.',
      ),
    },
    {
      name: 'two sign-in devices when elevated rights sign in with the app alone',
      input: {
        allowedMethods: ['authenticator_push', 'authenticator_code', 'mobile_text', 'mobile_call', 'email'],
        registration: { mfaMethodsRequired: 2 },
        elevatedRights: { allowedMethods: ['authenticator_push'] },
      },
      code: 'UNSAFE_REGISTRATION_IMPOSSIBLE',
      source: seed(
        '004_45c6962a3a3fcc05.txt',
        'If you currently authenticate with any of the following, you will need to move to "push" phone app notifications.',
      ),
    },
    {
      name: 'three reset devices when only the app and a phone can reset',
      input: {
        allowedMethods: ['authenticator_push', 'authenticator_code', 'mobile_text', 'mobile_call'],
        sspr: { methodsToRegister: 3 },
      },
      code: 'UNSAFE_REGISTRATION_IMPOSSIBLE',
      source: seed(
        '000_79374132da62cfc5.txt',
        'showing the first method your administrator and organisation require you to set up',
      ),
    },
    {
      name: 'an office phone that hybrid accounts need to finish',
      input: {
        allowedMethods: ['authenticator_push', 'authenticator_code', 'office_call', 'email'],
        sspr: {
          methodsToRegister: 3,
          eligibleMethods: ['authenticator_push', 'authenticator_code', 'office_call', 'email'],
        },
      },
      code: 'UNSAFE_REGISTRATION_IMPOSSIBLE',
      source: seed(
        '001_7ab364164b39ca30.txt',
        'Office phone verification cannot be used by NHSmail Office 365 Hybrid users.',
      ),
    },
    {
      name: 'security questions that elevated rights need to finish',
      input: {
        allowedMethods: ['authenticator_push', 'authenticator_code', 'security_questions'],
        sspr: { eligibleMethods: ['authenticator_push', 'authenticator_code', 'security_questions'] },
      },
      code: 'UNSAFE_REGISTRATION_IMPOSSIBLE',
      source: design('security questions never for elevated rights'),
    },
  ];

  it.each(cases(unsafe))('refuses $name ($from)', ({ input, code }) => {
    const result = validatePolicySafety(policyFrom(input));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const found = result.reasons.find((r) => r.code === code);
    expect(found).toBeDefined();
    expect(found!.message.length).toBeGreaterThan(20);
  });

  const safe: { name: string; input: object }[] = [
    {
      name: 'an 8-character minimum when the organisation insists and MFA is always required',
      input: {
        password: { minLength: 8, insistOnShortMinimum: true },
        registration: { snooze: { times: 0 } },
        conditionalMfa: { rememberedDevice: { enabled: false } },
      },
    },
    {
      name: 'one gate when only strong methods are eligible',
      input: { sspr: { methodsToReset: 1, eligibleMethods: ['authenticator_push', 'mobile_text'] } },
    },
    {
      name: 'security questions as a second gate',
      input: {
        allowedMethods: ['authenticator_push', 'mobile_text', 'security_questions'],
        sspr: { eligibleMethods: ['authenticator_push', 'mobile_text', 'security_questions'] },
      },
    },
    {
      name: 'an NHS-sized trusted network',
      input: {
        conditionalMfa: { trustedNetworks: [{ name: 'HSCN', cidrs: ['10.0.0.0/8', '2001:db8::/32'] }] },
      },
    },
    {
      name: 'SSPR off with only push allowed',
      input: {
        allowedMethods: ['authenticator_push'],
        sspr: { enabled: false, eligibleMethods: ['authenticator_push'] },
      },
    },
  ];

  it.each(safe)('accepts $name', ({ input }) => {
    expect(validatePolicySafety(policyFrom(input))).toEqual({ ok: true });
  });

  it('names who would be stranded, and why, once for the kind of person with the most choices', () => {
    const result = validatePolicySafety(
      policyFrom({
        allowedMethods: ['authenticator_push', 'authenticator_code', 'office_call', 'email'],
        sspr: {
          methodsToRegister: 3,
          eligibleMethods: ['authenticator_push', 'authenticator_code', 'office_call', 'email'],
        },
      }),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reasons.map((r) => r.message)).toEqual([
      'Office 365 Hybrid staff could not finish setting up their security info: password reset needs 3 methods on different devices (security keys do not count), and they can set up only 2. Allow more methods for them, or ask for fewer.',
    ]);
  });

  it('accepts the defaults, where elevated rights reset with the app and a phone (seed 004 limits signing in)', () => {
    expect(
      validatePolicySafety(policyFrom({ elevatedRights: { allowedMethods: ['authenticator_push'] } })),
    ).toEqual({ ok: true });
  });

  itQuotesItsSources(unsafe.map((c) => c.source));
});

describe(validatePolicyForSave.name, () => {
  it('returns parse errors and no safety verdict for a malformed policy', () => {
    const result = validatePolicyForSave({ sspr: { methodsToReset: 0 } });
    expect(result).toMatchObject({ ok: false, unsafe: [] });
    if (!result.ok) expect(result.errors[0]!.path).toBe('sspr.methodsToReset');
  });

  it('refuses an unsafe but well-formed policy with reasons', () => {
    const result = validatePolicyForSave({ sspr: { methodsToReset: 1 } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.unsafe.map((r) => r.code)).toEqual(['UNSAFE_SSPR_WEAK_SINGLE_GATE']);
  });

  it('upgrades and accepts a safe version 1 policy', () => {
    const result = validatePolicyForSave({ version: 1 });
    expect(result).toMatchObject({ ok: true, upgradedFrom: 1 });
  });
});
