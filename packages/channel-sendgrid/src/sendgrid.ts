import { type KeyObject, createPublicKey, verify } from 'node:crypto';
import { Client } from '@sendgrid/client';
import { MailService, type MailDataRequired } from '@sendgrid/mail';
import {
  ChannelError,
  defineChannel,
  errorFromStatus,
  type CallbackRequest,
  type Channel,
  type EmailContent,
  type OutboundMessage,
  type StatusUpdate,
} from '@verity/channel-sdk';
import { z } from 'zod';

const address = z.object({ email: z.email(), name: z.string().min(1).optional() }).strict();

export const sendGridConfigSchema = z
  .object({
    apiKey: z.string().startsWith('SG.', 'must be a SendGrid API key ("SG.…")').meta({ secret: true }),
    /** The organisation's own sender (a verified sender or authenticated domain in its SendGrid account). */
    from: address,
    replyTo: address.optional(),
    /** A dynamic template; it gets `subject`, `text` and `html` as template data. */
    templateId: z.string().min(1).optional(),
    /** Tests and local runs: a fake's base URL instead of https://api.sendgrid.com. */
    apiBaseUrl: z.url().optional(),
    /** Event Webhook verification key as shown in SendGrid's Mail Settings (base64 DER). */
    eventWebhookPublicKey: z
      .string()
      .min(1)
      .refine((v) => isEventWebhookKey(v), 'must be the base64 EC P-256 verification key SendGrid shows')
      .optional(),
    timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
  })
  .strict();

export type SendGridConfig = z.output<typeof sendGridConfigSchema>;

const SIGNATURE = 'x-twilio-email-event-webhook-signature';
const TIMESTAMP = 'x-twilio-email-event-webhook-timestamp';
/** A signed event older or newer than this is refused, so a captured callback cannot be replayed later. */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

const STATUS: Record<string, StatusUpdate['status']> = {
  processed: 'sent',
  deferred: 'sent',
  delivered: 'delivered',
  bounce: 'failed',
  dropped: 'failed',
};

interface SendGridErrorShape {
  code?: unknown;
  response?: {
    headers?: Record<string, unknown>;
    body?: { errors?: { message?: string; field?: string | null }[] };
  };
}

/** Maps what @sendgrid/client threw to a ChannelError. The message names status and fields only. */
export function toChannelError(error: unknown): ChannelError {
  const { code, response } = (error ?? {}) as SendGridErrorShape;
  if (typeof code === 'number' && response) {
    const errors = response.body?.errors ?? [];
    const fields = errors.map((e) => e.field).filter((f): f is string => Boolean(f));
    const message = `SendGrid send failed: HTTP ${code}${fields.length ? ` (${fields.join(', ')})` : ''}`;
    const aboutRecipient = errors.some(
      (e) =>
        /^personalizations\.\d+\.(to|cc|bcc)/.test(e.field ?? '') ||
        /recipient|email address/i.test(e.message ?? ''),
    );
    if (code === 400 && aboutRecipient)
      return new ChannelError('invalid_recipient', message, { providerCode: '400' });
    const retryAfter = response.headers?.['retry-after'];
    return errorFromStatus(
      code,
      message,
      typeof retryAfter === 'string' ? retryAfter : undefined,
      String(code),
    );
  }
  const ioCode = String((error as { code?: unknown } | null)?.code ?? 'unknown');
  if (ioCode === 'ECONNABORTED' || ioCode === 'ETIMEDOUT')
    return new ChannelError('timeout', 'SendGrid send timed out', { providerCode: ioCode });
  return new ChannelError('unavailable', `SendGrid unreachable: ${ioCode}`, { providerCode: ioCode });
}

function header(request: CallbackRequest, name: string): string | undefined {
  const found = Object.entries(request.headers).find(([k]) => k.toLowerCase() === name);
  return found?.[1];
}

/** The Event Webhook verification key as SendGrid shows it: base64 of the DER (SPKI) EC P-256 public key. */
function eventWebhookKey(base64: string): KeyObject {
  return createPublicKey({ key: Buffer.from(base64, 'base64'), format: 'der', type: 'spki' });
}

function isEventWebhookKey(base64: string): boolean {
  try {
    return eventWebhookKey(base64).asymmetricKeyDetails?.namedCurve === 'prime256v1';
  } catch {
    return false;
  }
}

/**
 * SendGrid's signature: ECDSA P-256 / SHA-256, base64 of its DER encoding. Only the one canonical encoding is
 * accepted: the base64 must be canonical, and OpenSSL refuses DER that does not re-encode to the same bytes
 * (long-form lengths, padded integers, trailing bytes), which a lenient decoder would take.
 */
function verifyEventSignature(key: KeyObject, signed: string, signature: string): boolean {
  const der = Buffer.from(signature, 'base64');
  if (der.length === 0 || der.toString('base64') !== signature) return false;
  try {
    return verify('sha256', Buffer.from(signed, 'utf8'), { key, dsaEncoding: 'der' }, der);
  } catch {
    return false; // not a signature at all
  }
}

/** Email through SendGrid's v3 Mail Send API, from the organisation's own sender. */
export const sendGridChannel = defineChannel({
  provider: 'sendgrid',
  kind: 'email',
  configSchema: sendGridConfigSchema,
  create(config: SendGridConfig): Channel {
    const client = new Client();
    client.setApiKey(config.apiKey);
    // setApiKey resets baseUrl to the region's host, so the fake's URL comes after it.
    if (config.apiBaseUrl) client.setDefaultRequest('baseUrl', config.apiBaseUrl);
    const mailer = new MailService();
    mailer.setClient(client);
    mailer.setTimeout(config.timeoutMs);
    const publicKey = config.eventWebhookPublicKey
      ? eventWebhookKey(config.eventWebhookPublicKey)
      : undefined;

    return {
      kind: 'email',
      provider: 'sendgrid',
      async send(message: OutboundMessage) {
        if (message.content.kind !== 'email')
          throw new ChannelError('rejected', `the sendgrid channel sends email, not ${message.content.kind}`);
        const content: EmailContent = message.content;
        const base = {
          to: message.to,
          from: config.from,
          replyTo: config.replyTo,
          subject: content.subject,
          customArgs: {
            delivery_id: message.deliveryId,
            tenant_id: message.tenantId,
            idempotency_key: message.idempotencyKey,
          },
        };
        const mail: MailDataRequired = config.templateId
          ? {
              ...base,
              templateId: config.templateId,
              dynamicTemplateData: { subject: content.subject, text: content.text, html: content.html },
            }
          : {
              ...base,
              content: [
                { type: 'text/plain', value: content.text },
                ...(content.html ? [{ type: 'text/html', value: content.html }] : []),
              ],
            };
        try {
          const [response] = await mailer.send(mail);
          const id = response.headers['x-message-id'] as unknown;
          if (typeof id !== 'string' || !id)
            throw new ChannelError('unavailable', 'SendGrid accepted the mail without an X-Message-Id');
          return { providerMessageId: id };
        } catch (error) {
          throw error instanceof ChannelError ? error : toChannelError(error);
        }
      },

      verifyCallback(request: CallbackRequest): boolean {
        const signature = header(request, SIGNATURE);
        const timestamp = header(request, TIMESTAMP);
        if (!publicKey || !signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) return false;
        if (Math.abs(Date.now() / 1000 - Number(timestamp)) > WEBHOOK_TOLERANCE_SECONDS) return false;
        return verifyEventSignature(publicKey, `${timestamp}${request.rawBody}`, signature);
      },

      parseStatusCallback(request: CallbackRequest): StatusUpdate[] {
        const events = JSON.parse(request.rawBody) as unknown;
        if (!Array.isArray(events)) return [];
        return events.flatMap((e: Record<string, unknown>): StatusUpdate[] => {
          const status = STATUS[String(e.event)];
          if (!status || typeof e.sg_message_id !== 'string') return [];
          const update: StatusUpdate = {
            // "<X-Message-Id>.<filter and recipient suffix>"
            providerMessageId: e.sg_message_id.split('.')[0] ?? e.sg_message_id,
            status,
          };
          if (typeof e.delivery_id === 'string') update.deliveryId = e.delivery_id;
          if (typeof e.sg_event_id === 'string') update.eventId = e.sg_event_id;
          if (status === 'failed') update.errorCode = String(e.event);
          return [update];
        });
      },
    };
  },
});
