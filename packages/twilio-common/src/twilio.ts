// Shared by channel-twilio-sms and channel-twilio-voice.
import twilio from 'twilio';
import { z } from 'zod';
import { ChannelError, errorFromStatus, type CallbackRequest } from '@verity/channel-sdk';

export const twilioConfigSchema = z
  .object({
    accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex digits'),
    authToken: z.string().min(1).meta({ secret: true }),
    from: z.string().regex(/^\+[1-9]\d{7,14}$/, 'must be an E.164 number such as +447700900123'),
    /** Where Twilio's REST API is, for a local fake; unset means api.twilio.com. */
    apiBaseUrl: z.url({ protocol: /^https?$/ }).optional(),
    timeoutMs: z.number().int().min(100).max(120_000).optional(),
  })
  .strict();

export type TwilioConfig = z.output<typeof twilioConfigSchema>;

type RequestOptions<TData> = Parameters<twilio.RequestClient['request']>[0] & { data?: TData };
type Response<TData> = Awaited<ReturnType<twilio.RequestClient['request']>> & { body: TData };

/** Twilio error codes meaning this number can never be reached from this account as it stands. */
const UNREACHABLE = new Set([
  21211, // invalid 'To' number
  21214, // 'To' number cannot be reached (voice)
  21217, // phone number does not appear to be valid (voice)
  21408, // region not enabled for this account
  21215, // geo permissions do not allow calls to this number
  21610, // recipient replied STOP
  21614, // not a mobile number
]);
/** Twilio error codes meaning the organisation's sender settings are wrong. */
const MISCONFIGURED = new Set([
  21212, // invalid 'From' number
  21606, // 'From' is not an SMS-capable number of this account
  21210, // 'From' is not a verified caller id of this account
]);
const TIMEOUTS = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);

/** Reads an answer from Twilio as a ChannelError. The message names the status and Twilio's code, never content. */
export function twilioError(status: number, code?: number, retryAfter?: string | null): ChannelError {
  const providerCode = code === undefined ? undefined : String(code);
  const message = `Twilio answered HTTP ${status}${providerCode ? ` (error ${providerCode})` : ''}`;
  if (code !== undefined && UNREACHABLE.has(code))
    return new ChannelError('invalid_recipient', message, { providerCode });
  if (code !== undefined && MISCONFIGURED.has(code))
    return new ChannelError('invalid_config', message, { providerCode });
  return errorFromStatus(status, message, retryAfter, providerCode);
}

/**
 * Whatever `send` caught, as a ChannelError. Twilio's own messages can echo the phone number and
 * network errors carry the request body, so neither is kept as message or cause.
 */
export function toChannelError(error: unknown): ChannelError {
  if (error instanceof ChannelError) return error;
  const e = (error ?? {}) as { status?: unknown; code?: unknown; isAxiosError?: unknown };
  if (typeof e.status === 'number' && e.isAxiosError !== true)
    return twilioError(e.status, typeof e.code === 'number' ? e.code : undefined);
  if (typeof e.code === 'string') {
    return TIMEOUTS.has(e.code)
      ? new ChannelError('timeout', 'Twilio did not answer in time', { providerCode: e.code })
      : new ChannelError('unavailable', 'Twilio could not be reached', { providerCode: e.code });
  }
  return new ChannelError('unavailable', 'Twilio request failed');
}

/**
 * The SDK's own HTTP client, optionally re-based onto another API root (a local fake), and reading
 * every error answer itself so that Retry-After, which the SDK's RestException drops, is kept.
 */
class VerityRequestClient extends twilio.RequestClient {
  constructor(
    private readonly baseUrl: string | undefined,
    timeoutMs: number | undefined,
  ) {
    super({ timeout: timeoutMs, keepAlive: true });
  }

  override async request<TData>(opts: RequestOptions<TData>): Promise<Response<TData>> {
    let uri = opts.uri;
    if (this.baseUrl) {
      const original = new URL(opts.uri);
      uri = new URL(original.pathname + original.search, this.baseUrl).href;
    }
    const response = (await super.request<TData>({ ...opts, uri })) as Response<TData>;
    if (response.statusCode >= 400) {
      const body = response.body as { code?: unknown } | undefined;
      const headers = (response.headers ?? {}) as Record<string, string | undefined>;
      throw twilioError(
        response.statusCode,
        typeof body?.code === 'number' ? body.code : undefined,
        headers['retry-after'],
      );
    }
    return response;
  }
}

export function twilioClient(config: TwilioConfig): twilio.Twilio {
  return twilio(config.accountSid, config.authToken, {
    httpClient: new VerityRequestClient(config.apiBaseUrl, config.timeoutMs),
  });
}

/** The form fields of a callback; a repeated field becomes an array, as Twilio signs it. */
export function formParams(rawBody: string): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(rawBody)) {
    const previous = params[key];
    params[key] =
      previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return params;
}

export function formField(rawBody: string, name: string): string | undefined {
  return new URLSearchParams(rawBody).get(name) ?? undefined;
}

function header(request: CallbackRequest, name: string): string | undefined {
  const key = Object.keys(request.headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : request.headers[key];
}

/** True only when X-Twilio-Signature matches the public URL Twilio called and the form body. */
export function verifyTwilioSignature(authToken: string, request: CallbackRequest): boolean {
  const signature = header(request, 'x-twilio-signature');
  if (!signature) return false;
  try {
    return twilio.validateRequest(authToken, signature, request.url, formParams(request.rawBody));
  } catch {
    return false;
  }
}
