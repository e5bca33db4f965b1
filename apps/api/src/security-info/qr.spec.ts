import { generateSecret } from 'otplib';
import { PNG } from 'pngjs';
import { readQr } from '../test/qr.js';
import { qrPng, qrSvg, totpUri } from './qr.js';

function readOtpauth(uri: string) {
  const url = new URL(uri);
  const parts = url.pathname.slice(1).split(':').map(decodeURIComponent);
  return {
    type: url.host,
    parts,
    issuer: url.searchParams.get('issuer'),
    secret: url.searchParams.get('secret'),
  };
}

describe('totpUri', () => {
  const secret = generateSecret();

  it('names the organisation as issuer and the username as the account', () => {
    const uri = totpUri({ issuer: 'Leeds Teaching Hospitals', label: 'jane.smith@nhs.net', secret });
    expect(uri).toBe(
      `otpauth://totp/Leeds%20Teaching%20Hospitals:jane.smith%40nhs.net?secret=${secret}&issuer=Leeds%20Teaching%20Hospitals`,
    );
    expect(readOtpauth(uri)).toEqual({
      type: 'totp',
      parts: ['Leeds Teaching Hospitals', 'jane.smith@nhs.net'],
      issuer: 'Leeds Teaching Hospitals',
      secret,
    });
  });

  it.each([
    ['NHS Trust: Leeds & York', 'jsmith', 'NHS Trust Leeds & York', 'jsmith'],
    ['St Mary’s (Isle of Wight)', 'j:smith', 'St Mary’s (Isle of Wight)', 'j smith'],
    ['A:B', 'x', 'A B', 'x'],
  ])('keeps %j and %j apart, with colons turned into spaces', (issuer, label, readIssuer, readLabel) => {
    expect(readOtpauth(totpUri({ issuer, label, secret }))).toEqual({
      type: 'totp',
      parts: [readIssuer, readLabel],
      issuer: readIssuer,
      secret,
    });
  });
});

describe('QR codes', () => {
  const uri = totpUri({
    issuer: 'NHS Trust: Leeds & York',
    label: 'jane.smith@nhs.net',
    secret: generateSecret(),
  });

  it('encodes the URI exactly in a 300-pixel PNG', async () => {
    const png = await qrPng(uri);
    expect(PNG.sync.read(png).width).toBe(300);
    expect(readQr(png)).toBe(uri);
  });

  it('draws the same code as SVG', async () => {
    const svg = await qrSvg(uri);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('<path');
  });
});
