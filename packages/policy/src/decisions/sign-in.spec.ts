import type { Account } from '../account.js';
import type { MethodType } from '../catalogue.js';
import { DEFAULT_POLICY, policyFrom } from '../parse.js';
import type { ReasonCode } from '../reasons.js';
import type { Policy } from '../schema.js';
import {
  AFTER,
  LONG_BEFORE,
  NUDGE_TIME,
  admin,
  appPassword,
  code,
  email,
  key,
  office,
  push,
  questions,
  staff,
  text,
} from '../test-support/fixtures.js';
import { cases, design, itQuotesItsSources, seed, security, type Source } from '../test-support/sources.js';
import { decideSignIn, type SignInContext } from './sign-in.js';

const ON_NETWORK = policyFrom({
  conditionalMfa: { trustedNetworks: [{ name: 'Trust network', cidrs: ['10.0.0.0/8', '2001:db8::/32'] }] },
});
const OFFICE_ALLOWED = policyFrom({
  allowedMethods: ['authenticator_push', 'authenticator_code', 'mobile_text', 'office_call', 'email'],
});
const DAY = 86_400_000;

interface Case {
  name: string;
  source: Source;
  account: Account;
  policy?: Policy;
  context?: Partial<SignInContext>;
  expected: {
    outcome: 'no_mfa' | 'mfa' | 'register' | 'blocked';
    reasons?: ReasonCode[];
    offered?: MethodType[];
    default?: MethodType;
    defaultReason?: ReasonCode;
    unavailable?: Partial<Record<MethodType, ReasonCode[]>>;
    digits?: number;
    message?: RegExp;
  };
}

const everyday = staff([push(), text()]);

const table: Case[] = [
  {
    name: 'no MFA on the trusted network',
    source: seed(
      '003_666bc4a499d5e8a3.txt',
      'You will only be asked for MFA if your identity needs to be further verified for security reasons.',
    ),
    account: everyday,
    policy: ON_NETWORK,
    context: { ip: '10.20.30.40' },
    expected: { outcome: 'no_mfa', reasons: ['TRUSTED_NETWORK'] },
  },
  {
    name: 'no MFA on the trusted IPv6 network',
    source: design(
      "no prompt on a trusted network (named CIDR ranges, e.g. the organisation's network) or a remembered device",
    ),
    account: everyday,
    policy: ON_NETWORK,
    context: { ip: '2001:db8:1::7' },
    expected: { outcome: 'no_mfa', reasons: ['TRUSTED_NETWORK'] },
  },
  {
    name: 'no MFA for an IPv4 client seen on a dual-stack socket',
    source: design(
      "no prompt on a trusted network (named CIDR ranges, e.g. the organisation's network) or a remembered device",
    ),
    account: everyday,
    policy: ON_NETWORK,
    context: { ip: '::ffff:10.1.1.1' },
    expected: { outcome: 'no_mfa', reasons: ['TRUSTED_NETWORK'] },
  },
  {
    name: 'MFA off the network',
    source: seed(
      '003_666bc4a499d5e8a3.txt',
      'An example could be when signing in to your Microsoft account from a personal computer or personal mobile device, which is not on the NHS network.',
    ),
    account: everyday,
    policy: ON_NETWORK,
    context: { ip: '203.0.113.5' },
    expected: {
      outcome: 'mfa',
      reasons: ['MFA_OFF_NETWORK'],
      offered: ['authenticator_push', 'mobile_text'],
      default: 'authenticator_push',
      digits: 2,
    },
  },
  {
    name: 'no MFA on a device remembered 29 days ago',
    source: design(
      "no prompt on a trusted network (named CIDR ranges, e.g. the organisation's network) or a remembered device",
    ),
    account: everyday,
    context: { rememberedDeviceAt: new Date(LONG_BEFORE.getTime() - 29 * DAY) },
    expected: { outcome: 'no_mfa', reasons: ['REMEMBERED_DEVICE'] },
  },
  {
    name: 'MFA on a device remembered 31 days ago',
    source: design(
      'always a prompt off-network, on a new device, for elevated rights, and before changing security info.',
    ),
    account: everyday,
    context: { rememberedDeviceAt: new Date(LONG_BEFORE.getTime() - 31 * DAY) },
    expected: { outcome: 'mfa', reasons: ['MFA_OFF_NETWORK'] },
  },
  {
    name: 'MFA on a remembered device when the organisation turned remembering off',
    source: design(
      'always a prompt off-network, on a new device, for elevated rights, and before changing security info.',
    ),
    account: everyday,
    policy: policyFrom({ conditionalMfa: { rememberedDevice: { enabled: false } } }),
    context: { rememberedDeviceAt: new Date(LONG_BEFORE.getTime() - DAY) },
    expected: { outcome: 'mfa' },
  },
  {
    name: 'MFA for elevated rights even on the trusted network',
    source: seed(
      '001_7ab364164b39ca30.txt',
      'As a Local Administrator (LA) you will have MFA automatically enabled on your NHSmail account.',
    ),
    account: admin([push()]),
    policy: ON_NETWORK,
    context: { ip: '10.0.0.9', rememberedDeviceAt: LONG_BEFORE },
    expected: { outcome: 'mfa', reasons: ['MFA_ELEVATED_RIGHTS'], digits: 6 },
  },
  {
    name: 'MFA before changing security info even on the trusted network',
    source: design(
      'always a prompt off-network, on a new device, for elevated rights, and before changing security info.',
    ),
    account: everyday,
    policy: ON_NETWORK,
    context: { ip: '10.0.0.9', purpose: 'security_info' },
    expected: { outcome: 'mfa', reasons: ['MFA_SECURITY_INFO_CHANGE'] },
  },
  {
    name: 'the default is the method the person chose',
    source: seed(
      '001_7ab364164b39ca30.txt',
      'After entering your login details, the authentication process will default to the verification method you selected.',
    ),
    account: staff([push(), text(undefined, { isDefault: true })]),
    expected: {
      outcome: 'mfa',
      default: 'mobile_text',
      defaultReason: 'DEFAULT_USER_CHOICE',
      offered: ['authenticator_push', 'mobile_text'],
    },
  },
  {
    name: 'other methods stay on offer beside the default',
    source: seed(
      '001_7ab364164b39ca30.txt',
      'You can also choose a different authentication method if needed.',
    ),
    account: staff([text(undefined, { isDefault: true }), code(), push()]),
    expected: {
      outcome: 'mfa',
      default: 'mobile_text',
      offered: ['authenticator_push', 'authenticator_code', 'mobile_text'],
    },
  },
  {
    name: 'without a choice the default is the strongest registered',
    source: seed(
      '000_79374132da62cfc5.txt',
      'Default sign-in method: Microsoft Authenticator - notification',
    ),
    account: staff([text(), code(), push()]),
    expected: { outcome: 'mfa', default: 'authenticator_push', defaultReason: 'DEFAULT_STRONGEST' },
  },
  {
    name: 'the strongest is the default when the organisation does not let people choose',
    source: design(
      "Default method: the user's choice among allowed methods; otherwise the strongest registered one.",
    ),
    account: staff([push(), text(undefined, { isDefault: true })]),
    policy: policyFrom({ defaultMethod: { userMayChoose: false } }),
    expected: { outcome: 'mfa', default: 'authenticator_push', defaultReason: 'DEFAULT_STRONGEST' },
  },
  {
    name: 'email is never offered at sign-in',
    source: seed(
      '002_f9397ffc2d38fb9f.txt',
      'After setting up an authenticator app or phone, email will be available as a secondary MFA option (not available as primary, only secondary)',
    ),
    account: staff([email(undefined, { isDefault: true }), text()]),
    expected: {
      outcome: 'mfa',
      offered: ['mobile_text'],
      default: 'mobile_text',
      unavailable: { email: ['NOT_FOR_SIGN_IN'] },
    },
  },
  {
    name: 'security questions are never offered at sign-in',
    source: security(
      'If we keep them, they can only be an *additional* gate, never sufficient, never for admins (R10).',
    ),
    account: staff([questions(), push()]),
    expected: {
      outcome: 'mfa',
      offered: ['authenticator_push'],
      unavailable: { security_questions: ['NOT_FOR_SIGN_IN'] },
    },
  },
  {
    name: 'app passwords are never offered at sign-in',
    source: seed(
      '001_7ab364164b39ca30.txt',
      'App passwords can be used with legacy non-browser apps that do not support multi-factor authentication.',
    ),
    account: staff([appPassword(), push()]),
    expected: {
      outcome: 'mfa',
      offered: ['authenticator_push'],
      unavailable: { app_password: ['NOT_FOR_SIGN_IN'] },
    },
  },
  {
    name: 'a disabled office phone is explained',
    source: seed(
      '001_7ab364164b39ca30.txt',
      'The use of the office phone option is not recommended or supported by NHSmail.',
    ),
    account: staff([office(), push()]),
    expected: {
      outcome: 'mfa',
      offered: ['authenticator_push'],
      unavailable: { office_call: ['METHOD_DISABLED'] },
      message: /^Office phone is disabled by your organisation\.$/,
    },
  },
  {
    name: 'an allowed office phone is offered',
    source: seed('001_7ab364164b39ca30.txt', 'Office phones must support Dual Tone Multi-Frequency (DTMF).'),
    account: staff([office(), push()]),
    policy: OFFICE_ALLOWED,
    expected: { outcome: 'mfa', offered: ['authenticator_push', 'office_call'] },
  },
  {
    name: 'office phone is refused for hybrid accounts',
    source: seed(
      '001_7ab364164b39ca30.txt',
      'Office phone verification cannot be used by NHSmail Office 365 Hybrid users.',
    ),
    account: staff([office(), push()], { hybrid: true }),
    policy: OFFICE_ALLOWED,
    expected: {
      outcome: 'mfa',
      offered: ['authenticator_push'],
      unavailable: { office_call: ['OFFICE_PHONE_HYBRID'] },
    },
  },
  {
    name: 'after the date, elevated rights get push only, even when text was their default',
    source: seed(
      '004_45c6962a3a3fcc05.txt',
      'If you currently authenticate with any of the following, you will need to move to "push" phone app notifications.',
    ),
    account: admin([text(undefined, { isDefault: true }), code(), push()]),
    context: { now: AFTER },
    expected: {
      outcome: 'mfa',
      offered: ['authenticator_push'],
      default: 'authenticator_push',
      defaultReason: 'DEFAULT_CHOICE_UNAVAILABLE',
      unavailable: {
        mobile_text: ['ELEVATED_METHOD_REFUSED'],
        authenticator_code: ['ELEVATED_METHOD_REFUSED'],
      },
    },
  },
  {
    name: 'after the date, elevated rights may use a security key',
    source: security('Recommend allowing FIDO2 for admins alongside push-with-number-matching (R26).'),
    account: admin([key(), text()]),
    context: { now: AFTER },
    expected: { outcome: 'mfa', offered: ['security_key'], default: 'security_key' },
  },
  {
    name: 'after the date, elevated rights with only text are blocked',
    source: seed(
      '004_45c6962a3a3fcc05.txt',
      'This change comes in on 30th November 2023; however, it is advisable to change as soon as possible',
    ),
    account: admin([text(), code()]),
    context: { now: AFTER },
    expected: {
      outcome: 'blocked',
      reasons: ['ELEVATED_NO_ALLOWED_METHOD'],
      unavailable: {
        mobile_text: ['ELEVATED_METHOD_REFUSED'],
        authenticator_code: ['ELEVATED_METHOD_REFUSED'],
      },
      message: /Since 30 November 2023 accounts with elevated rights must use/,
    },
  },
  {
    name: 'before the date, elevated rights may still use text',
    source: seed(
      '004_45c6962a3a3fcc05.txt',
      'This change comes in on 30th November 2023; however, it is advisable to change as soon as possible',
    ),
    account: admin([text()]),
    context: { now: NUDGE_TIME },
    expected: { outcome: 'mfa', offered: ['mobile_text'] },
  },
  {
    name: 'ordinary staff keep text after the date',
    source: seed(
      '004_45c6962a3a3fcc05.txt',
      'Typical users will not be limited to "push" phone app notifications.',
    ),
    account: staff([text(), code()]),
    context: { now: AFTER },
    expected: { outcome: 'mfa', offered: ['authenticator_code', 'mobile_text'], digits: 2 },
  },
  {
    name: 'someone with nothing registered is sent to the wizard',
    source: seed(
      '000_79374132da62cfc5.txt',
      'You will then see a prompt that asks you to provide more information before it lets you access your account.',
    ),
    account: staff([]),
    expected: { outcome: 'register', reasons: ['NO_METHOD_REGISTERED'] },
  },
  {
    name: 'someone with only email and questions is sent to the wizard',
    source: seed(
      '002_f9397ffc2d38fb9f.txt',
      'After setting up an authenticator app or phone, email will be available as a secondary MFA option (not available as primary, only secondary)',
    ),
    account: staff([email(), questions()]),
    expected: { outcome: 'register', reasons: ['NO_METHOD_REGISTERED'] },
  },
  {
    name: 'someone whose only method was disabled is blocked',
    source: seed(
      '001_7ab364164b39ca30.txt',
      'The use of the office phone option is not recommended or supported by NHSmail.',
    ),
    account: staff([office()]),
    expected: {
      outcome: 'blocked',
      reasons: ['NO_USABLE_METHOD'],
      unavailable: { office_call: ['METHOD_DISABLED'] },
    },
  },
  {
    name: 'number matching uses 6 digits for elevated rights',
    source: security('Choose 6 digits (NIST) or document the deviation (R22).'),
    account: admin([push()]),
    expected: { outcome: 'mfa', digits: 6 },
  },
];

describe(decideSignIn.name, () => {
  it.each(cases(table))('$name ($from)', ({ account, policy, context, expected }) => {
    const decision = decideSignIn(account, policy ?? DEFAULT_POLICY, { now: LONG_BEFORE, ...context });
    expect(decision.outcome).toBe(expected.outcome);
    expect(decision.reasons.length).toBeGreaterThan(0);
    if (expected.reasons) expect(decision.reasons.map((r) => r.code)).toEqual(expected.reasons);
    if (decision.outcome === 'mfa') {
      if (expected.offered) expect(decision.methods.map((m) => m.type)).toEqual(expected.offered);
      if (expected.default) expect(decision.defaultMethod.type).toBe(expected.default);
      if (expected.defaultReason) expect(decision.defaultReason.code).toBe(expected.defaultReason);
      if (expected.digits) expect(decision.numberMatchingDigits).toBe(expected.digits);
    }
    if (expected.unavailable) {
      expect('unavailable' in decision).toBe(true);
      const unavailable = 'unavailable' in decision ? decision.unavailable : [];
      const byType = Object.fromEntries(
        unavailable.map((u) => [u.method.type, u.reasons.map((r) => r.code)]),
      );
      expect(byType).toMatchObject(expected.unavailable);
    }
    if (expected.message) {
      const messages = [
        ...decision.reasons,
        ...('unavailable' in decision ? decision.unavailable.flatMap((u) => u.reasons) : []),
      ].map((r) => r.message);
      expect(messages.some((m) => expected.message!.test(m))).toBe(true);
    }
  });

  it('passes the voice confirmation mode through', () => {
    const decision = decideSignIn(staff([text()]), policyFrom({ voice: { confirmation: 'key_number' } }), {
      now: LONG_BEFORE,
    });
    expect(decision.outcome === 'mfa' && decision.voiceConfirmation).toBe('key_number');
  });

  itQuotesItsSources(table.map((c) => c.source));
});
