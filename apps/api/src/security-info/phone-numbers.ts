import { parsePhoneNumberFromString, type CountryCode, type NumberType } from 'libphonenumber-js/max';

export type PhonePurpose = 'mobile_text' | 'mobile_call' | 'alternate_call' | 'office_call';

export type PhoneNumberParse =
  | { ok: true; e164: string; extension?: string; display: string }
  | { ok: false; code: 'PHONE_INVALID' | 'PHONE_NOT_MOBILE'; message: string };

const INVALID = 'Enter a valid phone number, like 07400 123 456 or +44 7400 123 456.';
const HAS_EXTENSION =
  'Phones used for text messages and calls cannot have an extension. Enter the number without the extension.';
const NOT_DIRECT =
  'Enter a direct phone number, not a freephone, premium-rate or non-geographic number like 0800, 0845, 09 or 0300.';
const NOT_MOBILE = 'Text messages need a mobile number. Enter a mobile number, or choose a phone call.';

const NOT_DIRECT_TYPES: readonly NumberType[] = ['PREMIUM_RATE', 'SHARED_COST', 'TOLL_FREE', 'UAN'];
/**
 * Ofcom's mobile numbers for drama and tests (07700 900000 to 900999): never given to anyone, so demos and tests
 * can type them as people type theirs. libphonenumber-js's metadata does not know them (its drama landlines it does).
 */
const DRAMA_MOBILE = /^\+447700900\d{3}$/;

// Undefined: the number is valid but its country's metadata does not say which kind it is.
const TEXTABLE_TYPES: readonly NumberType[] = ['MOBILE', 'FIXED_LINE_OR_MOBILE', undefined];

export function parsePhone(
  input: string,
  purpose: PhonePurpose,
  defaultCountry: CountryCode = 'GB',
): PhoneNumberParse {
  // extract: false makes the whole input the number, so stray letters are refused rather than skipped.
  const phone = parsePhoneNumberFromString(input, { defaultCountry, extract: false });
  const drama = phone !== undefined && DRAMA_MOBILE.test(phone.number);
  if (!phone || (!phone.isValid() && !drama)) return refuse('PHONE_INVALID', INVALID);
  if (phone.ext && purpose !== 'office_call') return refuse('PHONE_INVALID', HAS_EXTENSION);

  const type = drama ? 'MOBILE' : phone.getType();
  if (NOT_DIRECT_TYPES.includes(type)) return refuse('PHONE_INVALID', NOT_DIRECT);
  if (purpose === 'mobile_text' && !TEXTABLE_TYPES.includes(type)) {
    return refuse('PHONE_NOT_MOBILE', NOT_MOBILE);
  }

  return {
    ok: true,
    e164: phone.number,
    ...(phone.ext ? { extension: phone.ext } : {}),
    display: phone.formatInternational(),
  };
}

function refuse(code: 'PHONE_INVALID' | 'PHONE_NOT_MOBILE', message: string): PhoneNumberParse {
  return { ok: false, code, message };
}
