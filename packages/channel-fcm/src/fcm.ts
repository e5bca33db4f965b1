import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { cert, deleteApp, initializeApp, type Credential } from 'firebase-admin/app';
import { getMessaging, type Message } from 'firebase-admin/messaging';
import {
  ChannelError,
  defineChannel,
  errorFromStatus,
  retryAfterMs,
  type Channel,
  type OutboundMessage,
  type PushContent,
} from '@verity/channel-sdk';
import { z } from 'zod';

export const fcmConfigSchema = z
  .object({
    /** The Firebase project of the authenticator app. */
    projectId: z.string().min(1),
    /** Production: a service account key (JSON), used through firebase-admin's `cert()`. */
    serviceAccount: z
      .looseObject({
        client_email: z.email(),
        private_key: z.string().min(1).meta({ secret: true }),
      })
      .optional(),
    /** Tests and local runs: a static OAuth token, so no token is ever fetched. */
    accessToken: z.string().min(1).meta({ secret: true }).optional(),
    /** A local fake standing in for fcm.googleapis.com (its certificate is trusted for that name only here). */
    endpoint: z
      .object({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535),
        caCert: z.string().includes('BEGIN CERTIFICATE'),
      })
      .strict()
      .optional(),
    /** How long one send may take before it counts as a (retryable) timeout. */
    timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
  })
  .strict()
  .refine((c) => Boolean(c.serviceAccount) !== Boolean(c.accessToken), {
    message: 'give exactly one of serviceAccount or accessToken',
  });

export type FcmConfig = z.output<typeof fcmConfigSchema>;

/** What one `send` saw on the wire: FirebaseMessagingError keeps neither the HTTP status nor Retry-After. */
export interface Attempt {
  request?: ClientRequest;
  status?: number;
  retryAfter?: string;
  timedOut?: boolean;
}

const attempts = new AsyncLocalStorage<Attempt>();
const NO_SDK_RETRY = 'EVERITY_NO_SDK_RETRY';

// firebase-admin retries a 503 (honouring Retry-After up to a minute) inside `send()`. Retries belong
// to the worker, which counts them and backs off with jitter, so this package's agent refuses the
// SDK's second request of one send before it is written, and the first answer's status and Retry-After
// are kept for the error. Only requests made inside `attempts.run` (an FCM send) are watched.
subscribe('http.client.request.start', (message) => {
  const attempt = attempts.getStore();
  const { request } = message as { request: ClientRequest };
  if (!attempt || attempt.request || !request.path.endsWith('/messages:send')) return;
  attempt.request = request;
  request.once('response', (response: IncomingMessage) => {
    attempt.status = response.statusCode;
    const retryAfter = response.headers['retry-after'];
    if (retryAfter) {
      attempt.retryAfter = retryAfter;
      // Read by the SDK only to wait before its own retry, which is not wanted (above).
      delete response.headers['retry-after'];
    }
  });
});

function refused(): Error {
  return Object.assign(new Error('retry left to the worker'), { code: NO_SDK_RETRY });
}

/** True when the send this request belongs to has had its one try (or timed out). */
function retryInsideSdk(): boolean {
  const attempt = attempts.getStore();
  return Boolean(attempt && (attempt.request || attempt.timedOut));
}

/**
 * Keep-alive agent for FCM. With `target`, sends its sockets to a local fake while TLS still verifies
 * the fake's certificate for fcm.googleapis.com. Refuses the SDK's own retries (above).
 */
class FcmAgent extends https.Agent {
  constructor(
    options: https.AgentOptions,
    private readonly target?: { host: string; port: number },
  ) {
    super({ keepAlive: true, ...options });
  }

  override createConnection(
    options: https.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    if (retryInsideSdk()) {
      process.nextTick(() => callback?.(refused(), undefined as unknown as Duplex));
      return undefined;
    }
    const to = this.target ? { ...options, host: this.target.host, port: this.target.port } : options;
    return super.createConnection(to, callback);
  }

  override reuseSocket(socket: Duplex, request: ClientRequest): void {
    super.reuseSocket(socket, request);
    if (retryInsideSdk()) request.destroy(refused());
  }
}

function staticCredential(accessToken: string): Credential {
  return { getAccessToken: async () => ({ access_token: accessToken, expires_in: 3600 }) };
}

const RATE_LIMITED = new Set([
  'messaging/message-rate-exceeded',
  'messaging/device-message-rate-exceeded',
  'messaging/topics-message-rate-exceeded',
  'messaging/quota-exceeded',
]);
const UNAVAILABLE = new Set(['messaging/server-unavailable', 'messaging/internal-error']);
const BAD_CONFIG = new Set([
  'messaging/authentication-error',
  'messaging/third-party-auth-error',
  'messaging/mismatched-credential',
  'messaging/invalid-credential',
  'app/invalid-credential',
]);

/** Maps what firebase-admin threw to a ChannelError. The message names codes only, never the payload. */
export function toChannelError(error: unknown, attempt: Attempt): ChannelError {
  const code = String((error as { code?: unknown } | null)?.code ?? 'unknown');
  const sdkMessage = String((error as { message?: unknown } | null)?.message ?? '');
  const status = attempt.status;
  const message = `FCM send failed: ${code}${status ? ` (HTTP ${status})` : ''}`;
  const options = { providerCode: code, retryAfterMs: retryAfterMs(attempt.retryAfter) };
  if (attempt.timedOut) return new ChannelError('timeout', `FCM send timed out`, { providerCode: code });
  if (code === 'messaging/registration-token-not-registered')
    return new ChannelError('unregistered_device', message, options);
  if (code === 'messaging/invalid-registration-token' || code === 'messaging/invalid-recipient')
    return new ChannelError('invalid_recipient', message, options);
  if (code === 'messaging/invalid-argument')
    return new ChannelError(
      /registration token/i.test(sdkMessage) ? 'invalid_recipient' : 'rejected',
      message,
      options,
    );
  if (RATE_LIMITED.has(code)) return new ChannelError('rate_limited', message, options);
  if (UNAVAILABLE.has(code)) return new ChannelError('unavailable', message, options);
  if (BAD_CONFIG.has(code)) return new ChannelError('invalid_config', message, options);
  if (status) return errorFromStatus(status, message, attempt.retryAfter, code);
  if (code === 'app/network-timeout') return new ChannelError('timeout', message, options);
  // No answer at all (connection refused or reset): worth another try later.
  return new ChannelError('unavailable', message, options);
}

/** Firebase Cloud Messaging (HTTP v1): a data-only, high-priority push to the authenticator app. */
export const fcmChannel = defineChannel({
  provider: 'fcm',
  kind: 'push',
  configSchema: fcmConfigSchema,
  create(config: FcmConfig): Channel {
    const httpAgent = config.endpoint
      ? new FcmAgent({ ca: config.endpoint.caCert }, config.endpoint)
      : new FcmAgent({});
    const credential = config.serviceAccount
      ? cert({
          projectId: config.projectId,
          clientEmail: config.serviceAccount.client_email,
          privateKey: config.serviceAccount.private_key,
        })
      : staticCredential(config.accessToken ?? '');
    const app = initializeApp(
      { credential, projectId: config.projectId, httpAgent },
      `verity-fcm-${config.projectId}-${randomUUID()}`,
    );
    const messaging = getMessaging(app);

    return {
      kind: 'push',
      provider: 'fcm',
      async send(message: OutboundMessage) {
        if (message.content.kind !== 'push')
          throw new ChannelError(
            'rejected',
            `the fcm channel sends push content, not ${message.content.kind}`,
          );
        const content: PushContent = message.content;
        const fcmMessage: Message = {
          token: message.to,
          data: content.data,
          android: { priority: 'high', ttl: content.ttlSeconds * 1000 },
          apns: {
            headers: {
              'apns-priority': '10',
              'apns-expiration': String(Math.floor(Date.now() / 1000) + content.ttlSeconds),
            },
          },
          // browsers (the reference authenticator): RFC 8030 headers for the push service
          webpush: { headers: { Urgency: 'high', TTL: String(content.ttlSeconds) } },
        };
        const attempt: Attempt = {};
        let timer: NodeJS.Timeout | undefined;
        try {
          const sending = attempts.run(attempt, () => messaging.send(fcmMessage));
          const timeout = new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
              attempt.timedOut = true;
              attempt.request?.destroy(refused());
              reject(new Error('timed out'));
            }, config.timeoutMs);
          });
          sending.catch(() => undefined); // settled by the race below; keeps a late rejection handled
          const name = await Promise.race([sending, timeout]);
          return { providerMessageId: name };
        } catch (error) {
          throw toChannelError(error, attempt);
        } finally {
          clearTimeout(timer);
        }
      },
      async close() {
        await deleteApp(app);
        httpAgent.destroy();
      },
    };
  },
});
