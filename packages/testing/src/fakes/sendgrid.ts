import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Script, listen } from './scripted.js';

// Structurally the same as RecordedRequest and FakeProvider in @verity/channel-sdk/contract,
// which this package does not depend on.
export interface SendGridRecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body. */
  body: unknown;
}

export interface SendGridFailure {
  status: number;
  /** Sent as JSON; by default SendGrid's `{ errors: [...] }` shape for the status. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface SendGridFake {
  /** Base URL to give the channel as `apiBaseUrl`. */
  url: string;
  requests(): SendGridRecordedRequest[];
  /** Forgets requests, pending failures and hangs. */
  reset(): void;
  /** The next `times` requests get this answer instead of success. */
  failNext(times: number, answer: SendGridFailure): void;
  /** The next `times` requests are never answered (until `close`), so the client times out. */
  hangNext(times: number): void;
  /** Every mail accepted: its X-Message-Id, first recipient and the custom arguments it carried. */
  accepted(): SendGridAccepted[];
  /**
   * Posts an Event Webhook batch about an accepted mail as SendGrid does: the event with its custom
   * arguments at the top level, signed with `signer` (the account's key), to `url`. Answers the HTTP status.
   */
  sendEvent(
    messageId: string,
    event: 'processed' | 'delivered' | 'deferred' | 'bounce' | 'dropped',
    url: string,
    signer: SendGridWebhookSigner,
  ): Promise<number>;
  close(): Promise<void>;
}

export interface SendGridAccepted {
  messageId: string;
  to: string;
  customArgs: Record<string, string>;
}

/** SendGrid's error body: `{ errors: [{ message, field, help }] }`. */
export function sendGridErrorBody(message: string, field: string | null = null) {
  return { errors: [{ message, field, help: null }] };
}

const DEFAULT_ERRORS: Record<number, string> = {
  400: 'Bad Request',
  401: 'The provided authorization grant is invalid, expired, or revoked',
  403: 'access forbidden',
  413: 'The JSON payload you have included in your request is too large.',
  429: 'too many requests',
  500: 'internal server error',
  503: 'service unavailable',
};

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * A local stand-in for SendGrid's v3 Mail Send API. Point @sendgrid/client at it with
 * `setDefaultRequest('baseUrl', fake.url)` after `setApiKey`.
 *
 * @param options.apiKey the only key accepted; any key starting with "SG." when unset.
 */
export async function startSendGridFake(options: { apiKey?: string } = {}): Promise<SendGridFake> {
  const script = new Script<SendGridRecordedRequest, SendGridFailure>();
  let counter = 0;
  const mails: SendGridAccepted[] = [];

  function handle(req: IncomingMessage, res: ServerResponse, raw: string) {
    let body: unknown = raw;
    try {
      body = raw ? (JSON.parse(raw) as unknown) : undefined;
    } catch {
      // kept as text
    }
    const failure = script.next({
      method: req.method ?? '',
      path: req.url ?? '/',
      headers: req.headers,
      body,
    });
    if (failure === 'hang') return;
    if (failure !== 'normal') {
      const message = DEFAULT_ERRORS[failure.status] ?? `HTTP ${failure.status}`;
      json(res, failure.status, failure.body ?? sendGridErrorBody(message), failure.headers);
      return;
    }
    if (req.method !== 'POST' || req.url !== '/v3/mail/send') {
      json(res, 404, sendGridErrorBody('not found'));
      return;
    }
    const key = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!key || (options.apiKey ? key !== options.apiKey : !key.startsWith('SG.'))) {
      json(res, 401, sendGridErrorBody(DEFAULT_ERRORS[401] ?? ''));
      return;
    }
    counter += 1;
    const id = `fake${String(counter).padStart(6, '0')}${randomBytes(6).toString('hex')}`;
    const mail = (body ?? {}) as {
      personalizations?: { to?: { email?: string }[]; custom_args?: Record<string, string> }[];
      custom_args?: Record<string, string>;
    };
    const personal = mail.personalizations?.[0];
    mails.push({
      messageId: id,
      to: personal?.to?.[0]?.email ?? '',
      customArgs: { ...mail.custom_args, ...personal?.custom_args },
    });
    res.writeHead(202, { 'x-message-id': id });
    res.end();
  }

  async function sendEvent(
    messageId: string,
    event: string,
    url: string,
    signer: SendGridWebhookSigner,
  ): Promise<number> {
    const mail = mails.find((m) => m.messageId === messageId);
    if (!mail) throw new Error(`${messageId} was not accepted`);
    const payload = JSON.stringify([
      {
        ...mail.customArgs,
        email: mail.to,
        timestamp: Math.floor(Date.now() / 1000),
        event,
        sg_event_id: randomBytes(16).toString('base64url'),
        sg_message_id: `${messageId}.filterdrecv-${randomBytes(4).toString('hex')}-1-0`,
        ...(event === 'bounce' ? { reason: '550 5.1.1 mailbox unavailable', type: 'bounce' } : {}),
      },
    ]);
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signer.sign(payload) },
      body: payload,
    });
    await res.arrayBuffer();
    return res.status;
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  const { port, close } = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    ...script.controls(),
    accepted: () => [...mails],
    sendEvent,
    close,
  };
}

export interface SendGridWebhookSigner {
  /** The verification key as SendGrid shows it in Mail Settings: base64 DER (SPKI), no PEM lines. */
  publicKey: string;
  /** Signs a payload like SendGrid: ECDSA P-256 / SHA-256 over `timestamp + rawBody`, base64 DER signature. */
  sign(rawBody: string, timestamp?: number): Record<string, string>;
}

/** A fresh key pair signing Event Webhook payloads the way SendGrid does. */
export function sendGridWebhookSigner(): SendGridWebhookSigner {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    sign(rawBody, timestamp = Math.floor(Date.now() / 1000)) {
      const signature = sign('sha256', Buffer.from(`${timestamp}${rawBody}`), privateKey).toString('base64');
      return {
        'x-twilio-email-event-webhook-signature': signature,
        'x-twilio-email-event-webhook-timestamp': String(timestamp),
      };
    },
  };
}
