import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Script, listen } from './scripted.js';

// Structurally the same as RecordedRequest and FakeProvider in @verity/channel-sdk/contract,
// which this package does not depend on.
export interface TwilioRecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The form body, one string per field (an array when a field repeats). */
  body: Record<string, string | string[]>;
  /** When the fake received it (ms since the epoch), for measuring enqueue-to-provider latency. */
  receivedAt: number;
}

export interface TwilioFailure {
  status: number;
  /** Sent as JSON; by default Twilio's error shape for the status. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface TwilioFake {
  /** Base URL to give the channel as `apiBaseUrl`. */
  url: string;
  requests(): TwilioRecordedRequest[];
  /** Forgets requests, counts, pending failures and hangs. */
  reset(): void;
  /** The next `times` requests get this answer instead of success. */
  failNext(times: number, answer: TwilioFailure): void;
  /** The next `times` requests are never answered (until `close`), so the client times out. */
  hangNext(times: number): void;
  /** How many messages or calls to this number were accepted (answered 201). */
  acceptedCount(to: string): number;
  /** Accepted messages or calls per `To`. */
  acceptedByTo(): Map<string, number>;
  /** Every message or call accepted, with its SID and the status callback URL it asked for. */
  accepted(): TwilioAccepted[];
  /**
   * Posts the status callback Twilio would post for an accepted message or call: form fields signed with the
   * account's token over its `StatusCallback` URL. `via` sends it to another base URL with the same path
   * (the API's own address, when the callback URL is the public one a proxy forwards). Answers the HTTP status.
   */
  sendStatus(sid: string, status: string, options?: { via?: string; errorCode?: string }): Promise<number>;
  close(): Promise<void>;
}

export interface TwilioAccepted {
  sid: string;
  kind: 'message' | 'call';
  to: string;
  statusCallback?: string;
  /** Calls: which events the status callback was asked for (`StatusCallbackEvent`). */
  statusCallbackEvents: string[];
}

const API = '/2010-04-01/Accounts/';
const ROUTE = /^\/2010-04-01\/Accounts\/([^/]+)\/(Messages|Calls)\.json$/;

function twilioError(status: number, code: number, message: string) {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

const DEFAULT_ERRORS: Record<number, { code: number; message: string }> = {
  400: { code: 21211, message: "The 'To' number is not a valid phone number." },
  401: { code: 20003, message: 'Authenticate' },
  404: { code: 20404, message: 'The requested resource was not found' },
  429: { code: 20429, message: 'Too Many Requests' },
  500: { code: 20500, message: 'Internal Server Error' },
  503: { code: 20503, message: 'Service Unavailable' },
};

function defaultErrorBody(status: number) {
  const known = DEFAULT_ERRORS[status] ?? { code: status * 100, message: `HTTP ${status}` };
  return twilioError(status, known.code, known.message);
}

function sid(prefix: 'SM' | 'CA' | 'PN'): string {
  return prefix + randomBytes(16).toString('hex');
}

function parseForm(raw: string): Record<string, string | string[]> {
  const body: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const previous = body[key];
    body[key] =
      previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return body;
}

function field(body: Record<string, string | string[]>, name: string): string | undefined {
  const value = body[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
    'twilio-request-id': 'RQ' + randomBytes(16).toString('hex'),
    ...headers,
  });
  res.end(json);
}

function messageResource(accountSid: string, body: Record<string, string | string[]>) {
  const now = new Date().toUTCString();
  const messageSid = sid('SM');
  const text = field(body, 'Body') ?? '';
  return {
    account_sid: accountSid,
    api_version: '2010-04-01',
    body: text,
    date_created: now,
    date_sent: null,
    date_updated: now,
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: field(body, 'From') ?? null,
    messaging_service_sid: field(body, 'MessagingServiceSid') ?? null,
    num_media: '0',
    num_segments: String(Math.max(1, Math.ceil(text.length / 160))),
    price: null,
    price_unit: 'USD',
    sid: messageSid,
    status: 'queued',
    subresource_uris: { media: `${API}${accountSid}/Messages/${messageSid}/Media.json` },
    to: field(body, 'To'),
    uri: `${API}${accountSid}/Messages/${messageSid}.json`,
  };
}

function callResource(accountSid: string, body: Record<string, string | string[]>) {
  const now = new Date().toUTCString();
  const callSid = sid('CA');
  const base = `${API}${accountSid}/Calls/${callSid}`;
  return {
    account_sid: accountSid,
    annotation: null,
    answered_by: null,
    api_version: '2010-04-01',
    caller_name: null,
    date_created: now,
    date_updated: now,
    direction: 'outbound-api',
    duration: null,
    end_time: null,
    forwarded_from: null,
    from: field(body, 'From'),
    from_formatted: field(body, 'From'),
    group_sid: null,
    parent_call_sid: null,
    phone_number_sid: sid('PN'),
    price: null,
    price_unit: 'USD',
    queue_time: '0',
    sid: callSid,
    start_time: null,
    status: 'queued',
    subresource_uris: {
      notifications: `${base}/Notifications.json`,
      recordings: `${base}/Recordings.json`,
      events: `${base}/Events.json`,
    },
    to: field(body, 'To'),
    to_formatted: field(body, 'To'),
    trunk_sid: null,
    uri: `${base}.json`,
  };
}

/** What Twilio would answer 400 to, for the fields Verity sends. */
function invalid(kind: string, body: Record<string, string | string[]>) {
  if (!field(body, 'To')) return twilioError(400, 21604, "A 'To' phone number is required.");
  if (!field(body, 'From') && !field(body, 'MessagingServiceSid'))
    return twilioError(400, 21603, "A 'From' phone number is required.");
  if (kind === 'Messages' && !field(body, 'Body') && !field(body, 'MediaUrl'))
    return twilioError(400, 21602, 'Message body is required.');
  if (kind === 'Calls' && !field(body, 'Url') && !field(body, 'Twiml') && !field(body, 'ApplicationSid'))
    return twilioError(400, 21205, 'Url parameter is required.');
  return undefined;
}

/**
 * A local stand-in for Twilio's REST API: Messages.json and Calls.json, with HTTP Basic auth checked
 * against the account it was started with. Point the channel's `apiBaseUrl` at `url`.
 */
export async function startTwilioFake(options: {
  accountSid: string;
  authToken: string;
  /** A slow provider: each accepted message or call is answered this long after it was received. */
  answerDelayMs?: number;
}): Promise<TwilioFake> {
  const expectedAuth =
    'Basic ' + Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64');
  const script = new Script<TwilioRecordedRequest, TwilioFailure>();
  let accepted = new Map<string, number>();
  let resources: TwilioAccepted[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const body = parseForm(raw);
    const failure = script.next({
      method: req.method ?? 'GET',
      path,
      headers: { ...req.headers },
      body,
      receivedAt: Date.now(),
    });
    if (failure === 'hang') return;
    if (failure !== 'normal') {
      return send(res, failure.status, failure.body ?? defaultErrorBody(failure.status), failure.headers);
    }
    if (req.headers.authorization !== expectedAuth) return send(res, 401, defaultErrorBody(401));
    const route = ROUTE.exec(path);
    if (!route || req.method !== 'POST') return send(res, 404, defaultErrorBody(404));
    const [, accountSid, kind] = route;
    if (accountSid !== options.accountSid) return send(res, 404, defaultErrorBody(404));
    const problem = invalid(kind ?? '', body);
    if (problem) return send(res, 400, problem);

    const to = field(body, 'To') ?? '';
    accepted.set(to, (accepted.get(to) ?? 0) + 1);
    const resource =
      kind === 'Messages'
        ? messageResource(options.accountSid, body)
        : callResource(options.accountSid, body);
    const events = body.StatusCallbackEvent ?? [];
    resources.push({
      sid: resource.sid,
      kind: kind === 'Messages' ? 'message' : 'call',
      to,
      ...(field(body, 'StatusCallback') ? { statusCallback: field(body, 'StatusCallback') } : {}),
      statusCallbackEvents: Array.isArray(events) ? events : [events],
    });
    if (options.answerDelayMs) await new Promise((r) => setTimeout(r, options.answerDelayMs));
    send(res, 201, resource);
  };

  async function sendStatus(sid: string, status: string, opts: { via?: string; errorCode?: string } = {}) {
    const resource = resources.find((r) => r.sid === sid);
    if (!resource?.statusCallback) throw new Error(`${sid} was not accepted with a StatusCallback URL`);
    const params: Record<string, string> =
      resource.kind === 'message'
        ? { MessageSid: sid, SmsSid: sid, MessageStatus: status, SmsStatus: status }
        : { CallSid: sid, CallStatus: status };
    Object.assign(params, { AccountSid: options.accountSid, To: resource.to, ApiVersion: '2010-04-01' });
    if (opts.errorCode) params.ErrorCode = opts.errorCode;
    const signed = signedTwilioCallback(options.authToken, resource.statusCallback, params);
    const target = new URL(resource.statusCallback);
    const url = opts.via ? new URL(target.pathname + target.search, opts.via).href : target.href;
    const res = await fetch(url, { method: 'POST', headers: signed.headers, body: signed.rawBody });
    await res.arrayBuffer();
    return res.status;
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, defaultErrorBody(500));
    });
  });
  server.keepAliveTimeout = 60_000;
  const { port, close } = await listen(server);
  const controls = script.controls();
  return {
    url: `http://127.0.0.1:${port}`,
    ...controls,
    reset: () => {
      controls.reset();
      accepted = new Map();
      resources = [];
    },
    acceptedCount: (to) => accepted.get(to) ?? 0,
    acceptedByTo: () => new Map(accepted),
    accepted: () => [...resources],
    sendStatus,
    close,
  };
}

/** The X-Twilio-Signature Twilio would send: HMAC-SHA1 over the URL and the sorted form fields. */
export function twilioSignature(
  authToken: string,
  url: string,
  params: Record<string, string | string[]>,
): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, key) => {
      const value = params[key] ?? '';
      const values = Array.isArray(value) ? [...new Set(value)].sort() : [value];
      return acc + values.map((v) => key + v).join('');
    }, url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf-8')).digest('base64');
}

/** A form callback signed the way Twilio signs it, shaped as the channel's `CallbackRequest`. */
export function signedTwilioCallback(
  authToken: string,
  url: string,
  params: Record<string, string>,
): { url: string; headers: Record<string, string>; rawBody: string } {
  return {
    url,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature(authToken, url, params),
    },
    rawBody: new URLSearchParams(params).toString(),
  };
}
