import { generateURI } from 'otplib';
import { toBuffer, toString } from 'qrcode';

const QR_OPTIONS = { errorCorrectionLevel: 'M', margin: 2, width: 300 } as const;

export interface TotpUriInput {
  /** The organisation's name, shown as the account's heading in the authenticator app. */
  issuer: string;
  /** The account's username. */
  label: string;
  secret: string;
}

export function totpUri({ issuer, label, secret }: TotpUriInput): string {
  return generateURI({ issuer: withoutColons(issuer), label: withoutColons(label), secret });
}

export function qrPng(text: string): Promise<Buffer> {
  return toBuffer(text, { ...QR_OPTIONS, type: 'png' });
}

export function qrSvg(text: string): Promise<string> {
  return toString(text, { ...QR_OPTIONS, type: 'svg' });
}

// The otpauth label is "issuer:account", and neither part may contain a colon, not even encoded as %3A.
// otplib leaves them in, which would split "NHS Trust: Leeds" into the wrong issuer and account.
function withoutColons(text: string): string {
  return text.replace(/\s*:\s*/g, ' ').trim();
}
