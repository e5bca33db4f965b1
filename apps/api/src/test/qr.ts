import jsqr from 'jsqr';
import { PNG } from 'pngjs';

/** The text a QR code PNG holds, read with jsQR (not with anything the API uses); a data: URL or the bytes. */
export function readQr(png: Buffer | string): string | undefined {
  const bytes =
    typeof png === 'string' ? Buffer.from(png.replace(/^data:image\/png;base64,/, ''), 'base64') : png;
  const { data, width, height } = PNG.sync.read(bytes);
  // jsqr is CommonJS: under NodeNext its default import is module.exports, and the function is its .default.
  return jsqr.default(new Uint8ClampedArray(data), width, height)?.data;
}
