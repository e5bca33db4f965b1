import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { Script, listen } from './scripted.js';
import { fileURLToPath } from 'node:url';

// Structurally the same as RecordedRequest and FakeProvider in @verity/channel-sdk/contract,
// which this package does not depend on.
export interface FcmRecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body (`/token`: the form fields). */
  body: unknown;
}

export interface FcmFailure {
  status: number;
  /** Sent as JSON; by default FCM v1's error shape for the status. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FcmFake {
  port: number;
  /** The fake's self-signed certificate (PEM), to trust for fcm.googleapis.com and oauth2.googleapis.com. */
  caCert: string;
  requests(): FcmRecordedRequest[];
  /** Forgets requests, pending failures and hangs. */
  reset(): void;
  /** The next `times` requests get this answer instead of success. */
  failNext(times: number, answer: FcmFailure): void;
  /** The next `times` requests are never answered (until `close`), so the client times out. */
  hangNext(times: number): void;
  close(): Promise<void>;
}

const SEND = /^\/v1\/projects\/([^/]+)\/messages:send$/;

const STATUS_NAMES: Record<number, { status: string; errorCode?: string; message: string }> = {
  400: {
    status: 'INVALID_ARGUMENT',
    errorCode: 'INVALID_ARGUMENT',
    message: 'Request contains an invalid argument.',
  },
  401: {
    status: 'UNAUTHENTICATED',
    errorCode: 'THIRD_PARTY_AUTH_ERROR',
    message: 'Request is missing required authentication credential.',
  },
  403: { status: 'PERMISSION_DENIED', errorCode: 'SENDER_ID_MISMATCH', message: 'SenderId mismatch' },
  404: { status: 'NOT_FOUND', errorCode: 'UNREGISTERED', message: 'Requested entity was not found.' },
  429: { status: 'RESOURCE_EXHAUSTED', errorCode: 'QUOTA_EXCEEDED', message: 'Quota exceeded.' },
  500: { status: 'INTERNAL', errorCode: 'INTERNAL', message: 'Internal error encountered.' },
  503: { status: 'UNAVAILABLE', errorCode: 'UNAVAILABLE', message: 'The service is currently unavailable.' },
};

/** FCM HTTP v1's error body, e.g. `fcmErrorBody(404)` for an UNREGISTERED token. */
export function fcmErrorBody(httpStatus: number, errorCode?: string, message?: string) {
  const known = STATUS_NAMES[httpStatus] ?? { status: 'UNKNOWN', message: `HTTP ${httpStatus}` };
  const fcmCode = errorCode ?? known.errorCode;
  return {
    error: {
      code: httpStatus,
      message: message ?? known.message,
      status: known.status,
      details: fcmCode
        ? [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: fcmCode }]
        : [],
    },
  };
}

function certFile(name: string): string {
  // From src (jest, tsx) the certificates sit beside this file; from dist they stay in src.
  const here = fileURLToPath(new URL(`./certs/${name}`, import.meta.url));
  return existsSync(here) ? here : fileURLToPath(new URL(`../../src/fakes/certs/${name}`, import.meta.url));
}

function parseBody(raw: string, contentType: string | undefined): unknown {
  if (!raw) return undefined;
  if (contentType?.startsWith('application/x-www-form-urlencoded'))
    return Object.fromEntries(new URLSearchParams(raw));
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * A local stand-in for FCM HTTP v1 (`fcm.googleapis.com`) and Google's OAuth token endpoint, over TLS
 * with a test-only certificate. Point firebase-admin at it through its `httpAgent` option.
 *
 * @param options.accessToken the only Bearer token accepted besides those `/token` issued; any when unset.
 */
export async function startFcmFake(options: { accessToken?: string } = {}): Promise<FcmFake> {
  const caCert = readFileSync(certFile('fake-google-tls.pem'), 'utf8');
  const key = readFileSync(certFile('fake-google-tls.key'), 'utf8');
  const tokens = new Set<string>(options.accessToken ? [options.accessToken] : []);
  const script = new Script<FcmRecordedRequest, FcmFailure>();
  let counter = 0;

  function handle(req: IncomingMessage, res: ServerResponse, raw: string) {
    const path = req.url ?? '/';
    const failure = script.next({
      method: req.method ?? '',
      path,
      headers: req.headers,
      body: parseBody(raw, req.headers['content-type']),
    });
    if (failure === 'hang') return;
    if (failure !== 'normal') {
      json(res, failure.status, failure.body ?? fcmErrorBody(failure.status), failure.headers);
      return;
    }
    if (req.method === 'POST' && path === '/token') {
      counter += 1;
      const token = `fake-google-access-token-${counter}`;
      tokens.add(token);
      json(res, 200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
      return;
    }
    const send = SEND.exec(path);
    if (req.method === 'POST' && send) {
      const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
      if (!auth?.[1] || (tokens.size > 0 && !tokens.has(auth[1]))) {
        json(res, 401, fcmErrorBody(401));
        return;
      }
      counter += 1;
      json(res, 200, {
        name: `projects/${send[1]}/messages/0:${Date.now()}${String(counter).padStart(6, '0')}`,
      });
      return;
    }
    json(res, 404, fcmErrorBody(404, '', 'Not found'));
  }

  const server = createServer({ key, cert: caCert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  const { port, close } = await listen(server);
  return { port, caCert, ...script.controls(), close };
}
