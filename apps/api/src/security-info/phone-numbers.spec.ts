import { parsePhone, type PhonePurpose } from './phone-numbers.js';

// Ofcom's drama mobiles (07700 900xxx) are not valid in libphonenumber-js's metadata: parsePhone accepts them
// as mobiles itself. The landlines are Ofcom's drama ranges (020 7946 0xxx, 0113/0161 496 0xxx), which it does
// accept. +1 201 555 01xx is the fictional US range.
const accepted: [string, PhonePurpose, string, string | undefined][] = [
  ['07400 123456', 'mobile_text', '+447400123456', undefined],
  ['+44 7400 123456', 'mobile_text', '+447400123456', undefined],
  ['0044 7400 123456', 'mobile_call', '+447400123456', undefined],
  ['+44 (0) 7400 123456', 'mobile_text', '+447400123456', undefined],
  ['07400-123-456', 'mobile_text', '+447400123456', undefined],
  ['  07400 123456  ', 'mobile_text', '+447400123456', undefined],
  ['07624 123456', 'mobile_text', '+447624123456', undefined],
  ['07700 900123', 'mobile_text', '+447700900123', undefined],
  ['07700900000', 'mobile_call', '+447700900000', undefined],
  ['+44 7700 900999', 'mobile_text', '+447700900999', undefined],
  ['+1 201 555 0123', 'mobile_text', '+12015550123', undefined],
  ['+1 (201) 555-0123', 'alternate_call', '+12015550123', undefined],
  ['+353 85 123 4567', 'mobile_text', '+353851234567', undefined],
  ['(020) 7946 0018', 'office_call', '+442079460018', undefined],
  ['020 7946 0018', 'mobile_call', '+442079460018', undefined],
  ['0113 496 0000', 'alternate_call', '+441134960000', undefined],
  ['0161 496 0000', 'office_call', '+441614960000', undefined],
  ['020 7946 0018 x123', 'office_call', '+442079460018', '123'],
  ['020 7946 0018 ext. 123', 'office_call', '+442079460018', '123'],
  ['020 7946 0018 ext 123', 'office_call', '+442079460018', '123'],
  ['020 7946 0018 extension 123', 'office_call', '+442079460018', '123'],
  ['+442079460018;ext=123', 'office_call', '+442079460018', '123'],
  ['020 7946 0018 #123', 'office_call', '+442079460018', '123'],
];

const refused: [string, PhonePurpose, 'PHONE_INVALID' | 'PHONE_NOT_MOBILE', RegExp][] = [
  ['', 'mobile_text', 'PHONE_INVALID', /valid phone number/],
  ['abc', 'mobile_call', 'PHONE_INVALID', /valid phone number/],
  ['07400 12345a', 'mobile_text', 'PHONE_INVALID', /valid phone number/],
  ['call 07400 123456', 'mobile_text', 'PHONE_INVALID', /valid phone number/],
  ['0800 FLOWERS', 'office_call', 'PHONE_INVALID', /valid phone number/],
  ['0740', 'mobile_text', 'PHONE_INVALID', /valid phone number/],
  ['07400 1234567', 'mobile_text', 'PHONE_INVALID', /valid phone number/],
  ['+44 1234', 'office_call', 'PHONE_INVALID', /valid phone number/],
  ['+1 425 123 4567', 'mobile_call', 'PHONE_INVALID', /valid phone number/],
  ['07700 901123', 'mobile_text', 'PHONE_INVALID', /valid phone number/],
  ['07700 900123 ext 5', 'mobile_text', 'PHONE_INVALID', /cannot have an extension/],
  ['07400 123456 ext 5', 'mobile_text', 'PHONE_INVALID', /cannot have an extension/],
  ['020 7946 0018 x123', 'mobile_call', 'PHONE_INVALID', /cannot have an extension/],
  ['020 7946 0018 #123', 'alternate_call', 'PHONE_INVALID', /cannot have an extension/],
  ['0800 123 4567', 'office_call', 'PHONE_INVALID', /direct phone number/],
  ['0808 157 0000', 'mobile_call', 'PHONE_INVALID', /direct phone number/],
  ['09098 790000', 'alternate_call', 'PHONE_INVALID', /direct phone number/],
  ['0845 464 0000', 'office_call', 'PHONE_INVALID', /direct phone number/],
  ['0870 123 4567', 'office_call', 'PHONE_INVALID', /direct phone number/],
  ['0300 123 1234', 'office_call', 'PHONE_INVALID', /direct phone number/],
  ['+1 800 555 1234', 'mobile_text', 'PHONE_INVALID', /direct phone number/],
  ['020 7946 0018', 'mobile_text', 'PHONE_NOT_MOBILE', /Text messages need a mobile number/],
  ['0113 496 0000', 'mobile_text', 'PHONE_NOT_MOBILE', /Text messages need a mobile number/],
  ['076 4000 0000', 'mobile_text', 'PHONE_NOT_MOBILE', /Text messages need a mobile number/],
];

describe('parsePhone', () => {
  it.each(accepted)('accepts %j for %s as %s', (input, purpose, e164, extension) => {
    expect(parsePhone(input, purpose)).toEqual({ ok: true, e164, extension, display: expect.any(String) });
  });

  it.each(refused)('refuses %j for %s with %s', (input, purpose, code, message) => {
    expect(parsePhone(input, purpose)).toEqual({ ok: false, code, message: expect.stringMatching(message) });
  });

  it('displays the number in international format', () => {
    expect(parsePhone('07400 123456', 'mobile_text')).toMatchObject({ display: '+44 7400 123456' });
    expect(parsePhone('020 7946 0018 ext 123', 'office_call')).toMatchObject({
      display: '+44 20 7946 0018 x123',
    });
  });

  it('reads national numbers in the default country', () => {
    expect(parsePhone('06 12 34 56 78', 'mobile_text', 'FR')).toMatchObject({
      ok: true,
      e164: '+33612345678',
    });
    expect(parsePhone('(201) 555-0123', 'mobile_call', 'US')).toMatchObject({
      ok: true,
      e164: '+12015550123',
    });
  });
});
