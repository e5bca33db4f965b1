import {
  CATALOGUE,
  METHODS_BY_STRENGTH,
  compareStrength,
  deviceKeyFor,
  type MethodSpec,
  type MethodType,
} from './catalogue.js';
import { cases, design, itQuotesItsSources, seed, security, type Source } from './test-support/sources.js';

describe('method catalogue', () => {
  const facts: { type: MethodType; has: Partial<MethodSpec>; source: Source }[] = [
    {
      type: 'security_key',
      has: { sspr: false, signInMfa: true, phishingResistant: true, mayBeFirst: true },
      source: seed(
        '002_f9397ffc2d38fb9f.txt',
        'Yubikey and Windows Hello for Business, while also MFA, are not compatible for SSPR.',
      ),
    },
    {
      type: 'authenticator_push',
      has: {
        signInMfa: true,
        sspr: true,
        mayBeFirst: true,
        mayBeDefault: true,
        channel: 'push',
        device: 'app',
      },
      source: seed(
        '002_f9397ffc2d38fb9f.txt',
        'Microsoft 365 will prompt to set up Microsoft Authenticator by default.',
      ),
    },
    {
      type: 'authenticator_code',
      has: { signInMfa: true, sspr: true, mayBeFirst: true, device: 'app' },
      source: seed(
        '002_f9397ffc2d38fb9f.txt',
        'OATH TOTP is the more common option that displays a 6-digit code for each account saved in the app',
      ),
    },
    {
      type: 'mobile_text',
      has: { signInMfa: true, sspr: true, restricted: true, channel: 'sms', device: 'phone' },
      source: seed(
        '000_79374132da62cfc5.txt',
        'Your security info is updated to use text messaging as a backup method to verify your identity when using two-step verification or password reset.',
      ),
    },
    {
      type: 'mobile_call',
      has: { signInMfa: true, sspr: true, restricted: true, channel: 'voice', device: 'phone' },
      source: seed(
        '002_f9397ffc2d38fb9f.txt',
        'Selecting call will prompt an automated call from Microsoft to confirm (select #) or to deny (0# – if the phone number has a typo and someone else answered the call).',
      ),
    },
    {
      type: 'alternate_call',
      has: { signInMfa: true, mayBeFirst: false, mayBeDefault: false, channel: 'voice' },
      source: seed(
        '001_7ab364164b39ca30.txt',
        "Click the drop down and select 'Alternate Phone' and click Add.",
      ),
    },
    {
      type: 'office_call',
      has: { mayBeFirst: false, mayBeDefault: false, channel: 'voice', device: 'phone' },
      source: seed(
        '001_7ab364164b39ca30.txt',
        'The use of the office phone option is not recommended or supported by NHSmail.',
      ),
    },
    {
      type: 'email',
      has: {
        signInMfa: false,
        sspr: true,
        mayBeFirst: false,
        mayBeDefault: false,
        weak: true,
        channel: 'email',
      },
      source: seed(
        '002_f9397ffc2d38fb9f.txt',
        'After setting up an authenticator app or phone, email will be available as a secondary MFA option (not available as primary, only secondary)',
      ),
    },
    {
      type: 'security_questions',
      has: { signInMfa: false, sspr: true, mayBeFirst: false, weak: true },
      source: security(
        'If we keep them, they can only be an *additional* gate, never sufficient, never for admins (R10).',
      ),
    },
    {
      type: 'app_password',
      has: { signInMfa: false, sspr: false, mayBeFirst: false, mayBeDefault: false },
      source: seed(
        '001_7ab364164b39ca30.txt',
        'App passwords can be used with legacy non-browser apps that do not support multi-factor authentication.',
      ),
    },
  ];

  it.each(cases(facts))('$type ($from)', ({ type, has }) => {
    expect(CATALOGUE[type]).toMatchObject(has);
  });

  const strongerThan: { stronger: MethodType; weaker: MethodType; source: Source }[] = [
    {
      stronger: 'security_key',
      weaker: 'authenticator_push',
      source: security('Recommend allowing FIDO2 for admins alongside push-with-number-matching (R26).'),
    },
    {
      stronger: 'authenticator_push',
      weaker: 'authenticator_code',
      source: seed(
        '004_45c6962a3a3fcc05.txt',
        'If you currently authenticate with any of the following, you will need to move to "push" phone app notifications.',
      ),
    },
    {
      stronger: 'authenticator_code',
      weaker: 'mobile_call',
      source: seed(
        '001_7ab364164b39ca30.txt',
        'The recommended option for verification is to use the Microsoft authenticator app.',
      ),
    },
    {
      stronger: 'mobile_call',
      weaker: 'mobile_text',
      source: design(
        'Method strength, from strongest: security key/platform authenticator, authenticator push with',
      ),
    },
    {
      stronger: 'mobile_text',
      weaker: 'email',
      source: seed(
        '002_f9397ffc2d38fb9f.txt',
        'Email and mobile phone are weaker than other methods, hence the requirement for at least two methods.',
      ),
    },
    {
      stronger: 'email',
      weaker: 'security_questions',
      source: design('number matching, authenticator code, phone call, text, email, security questions.'),
    },
  ];

  it.each(cases(strongerThan))('$stronger is stronger than $weaker ($from)', ({ stronger, weaker }) => {
    expect(compareStrength(stronger, weaker)).toBeLessThan(0);
    expect(compareStrength(weaker, stronger)).toBeGreaterThan(0);
  });

  it('lists every method strongest first, with app passwords last', () => {
    const ranks = METHODS_BY_STRENGTH.map((m) => m.strengthRank);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(METHODS_BY_STRENGTH.at(-1)?.type).toBe('app_password');
    expect(METHODS_BY_STRENGTH[0]?.type).toBe('security_key');
  });

  const sameDevice: { a: [MethodType, string]; b: [MethodType, string]; same: boolean; source: Source }[] = [
    {
      a: ['mobile_text', '+44 7700 900123'],
      b: ['mobile_call', '+447700900123'],
      same: true,
      source: seed(
        '002_f9397ffc2d38fb9f.txt',
        'The Phone option will ask for a phone number and request either a text or call to confirm ownership of the phone number entered.',
      ),
    },
    {
      a: ['authenticator_push', 'install-1'],
      b: ['authenticator_code', 'install-1'],
      same: true,
      source: seed(
        '002_f9397ffc2d38fb9f.txt',
        'Microsoft Authenticator has two modes for authentication – Push Challenge and OATH TOTP.',
      ),
    },
    {
      a: ['mobile_call', '+447700900123'],
      b: ['alternate_call', '+447700900456'],
      same: false,
      source: seed(
        '001_7ab364164b39ca30.txt',
        "Click the drop down and select 'Alternate Phone' and click Add.",
      ),
    },
    {
      a: ['email', 'Jo.Bloggs@Example.org'],
      b: ['email', 'jo.bloggs@example.org'],
      same: true,
      source: seed(
        '002_f9397ffc2d38fb9f.txt',
        'This option is also available later as an additional backup MFA option.',
      ),
    },
    {
      a: ['authenticator_push', 'install-1'],
      b: ['authenticator_push', 'install-2'],
      same: false,
      source: seed(
        '004_45c6962a3a3fcc05.txt',
        'Use the instructions above (or on the NHSmail support website) to add and setup Microsoft Authenticator to your new phone before you wipe your old mobile.',
      ),
    },
  ];

  it.each(cases(sameDevice))('device keys: $a and $b are one device: $same ($from)', ({ a, b, same }) => {
    expect(deviceKeyFor(a[0], a[1]) === deviceKeyFor(b[0], b[1])).toBe(same);
  });

  itQuotesItsSources([...facts, ...strongerThan, ...sameDevice].map((c) => c.source));
});
