import { VerityProblem, VerityUnavailable } from './errors.js';
import type {
  AddMethodRequest,
  AppPasswordList,
  ClientContext,
  CreateAppPasswordRequest,
  CreatedAppPassword,
  DefaultMethodChanged,
  Enrolment,
  EnrolmentAnswer,
  EnrolmentVerified,
  ExchangeClient,
  ExchangedSession,
  MethodSummary,
  Organisation,
  PasswordCheck,
  PasswordResetComplete,
  PasswordResetRequest,
  PasswordResetStarted,
  ResentEnrolment,
  ResetAnswer,
  ResetChallenge,
  ResetGate,
  ResetGateRequest,
  ResetStatus,
  ResetVerified,
  SandboxInbox,
  SecurityInfoOverview,
  SessionList,
  SessionView,
  SignInAnswer,
  SignInChallenge,
  SignInRequest,
  SignInStart,
  SignInStatus,
  SignInVerified,
  StepUpSessionOption,
  StepUpStarted,
  WizardComplete,
  WizardEnrolmentVerified,
  WizardView,
} from './types.js';

export interface VerityClientOptions {
  /** Where the API is, e.g. `https://verity.example.nhs.uk` (a path prefix is kept). */
  baseUrl: string;
  /** The organisation's API key (`vty_…`), sent as `Authorization: Bearer`. Server-side only. */
  apiKey: string;
  /** Another fetch (tests, a proxy agent); Node's global fetch by default. */
  fetch?: typeof fetch;
  /** How long one call may take, answer included, before it fails with VerityUnavailable; 10 s by default. */
  timeoutMs?: number;
}

/**
 * The Verity API for a relying application. Every method returns the API's JSON answer (undefined for 204),
 * throws VerityProblem for any non-2xx answer and VerityUnavailable when no usable answer came. `token` is the
 * person's session token (the Verity-Session header).
 */
export interface VerityClient {
  /** GET /v1/organisation: the organisation of the API key. */
  organisation(): Promise<Organisation>;

  signIn: {
    /** POST /v1/sign-in: the password, then what the policy asks (401 `invalid-credentials` when wrong). */
    start(request: SignInRequest): Promise<SignInStart>;
    /** POST /v1/sign-in/{flowId}/challenges: "Send notification", "Text me", "Call me", a code, a key; resend. */
    challenge(flowId: string, methodId: string, options?: StepUpSessionOption): Promise<SignInChallenge>;
    /** POST /v1/sign-in/{flowId}/challenges/{challengeId}/verify: the code or the assertion. */
    verify(
      flowId: string,
      challengeId: string,
      answer: SignInAnswer,
      options?: StepUpSessionOption,
    ): Promise<SignInVerified>;
    /** GET /v1/sign-in/{flowId}: poll while a push or a call is answered. */
    status(flowId: string, options?: { rememberDevice?: boolean; session?: string }): Promise<SignInStatus>;
  };

  sessions: {
    /** POST /v1/sessions: a finished sign-in's `result`, exchanged once for a session and its token. */
    exchange(result: string, client?: ExchangeClient): Promise<ExchangedSession>;
    /** GET /v1/session: who is signed in, how, and until when (counts as activity). */
    current(token: string): Promise<SessionView>;
    /** DELETE /v1/session: sign out. */
    signOut(token: string): Promise<void>;
    /** GET /v1/session/sessions: the person's own live sessions. */
    list(token: string): Promise<SessionList>;
    /** DELETE /v1/session/sessions/{id}: end one (another device's needs a recent authentication). */
    revoke(token: string, sessionId: string): Promise<void>;
    /** POST /v1/session/step-up: then signIn.challenge/verify/status with `{ session: token }`. */
    stepUp(token: string, client?: ClientContext): Promise<StepUpStarted>;
  };

  /** "Keep your account secure": the registration wizard of a sign-in at `registration_required`. */
  wizard: {
    view(flowId: string): Promise<WizardView>;
    addMethod(flowId: string, body: AddMethodRequest): Promise<Enrolment>;
    enrolment(flowId: string, enrolmentId: string): Promise<Enrolment>;
    resend(flowId: string, enrolmentId: string): Promise<ResentEnrolment>;
    verify(flowId: string, enrolmentId: string, answer?: EnrolmentAnswer): Promise<WizardEnrolmentVerified>;
    /** "Skip for now" (409 `snooze-refused` with the reasons). */
    snooze(flowId: string): Promise<WizardComplete>;
    /** "Done" (409 `registration-incomplete` with the reasons). */
    done(flowId: string): Promise<WizardComplete>;
  };

  /** The Security info page; every change needs a recent authentication (401 `step-up-required`). */
  securityInfo: {
    overview(token: string): Promise<SecurityInfoOverview>;
    addMethod(token: string, body: AddMethodRequest): Promise<Enrolment>;
    enrolment(token: string, enrolmentId: string): Promise<Enrolment>;
    resend(token: string, enrolmentId: string): Promise<ResentEnrolment>;
    verify(token: string, enrolmentId: string, answer?: EnrolmentAnswer): Promise<EnrolmentVerified>;
    /** "Change": an enrolment for the new number, which replaces the old once proved. */
    changePhone(token: string, methodId: string, phone: string, client?: ClientContext): Promise<Enrolment>;
    rename(token: string, methodId: string, label: string): Promise<MethodSummary>;
    remove(token: string, methodId: string): Promise<void>;
    setDefault(token: string, methodId: string): Promise<DefaultMethodChanged>;
    appPasswords: {
      create(token: string, request: CreateAppPasswordRequest): Promise<CreatedAppPassword>;
      list(token: string): Promise<AppPasswordList>;
      revoke(token: string, id: string): Promise<void>;
    };
  };

  /** "Forgot my password": every answer is the same whether or not the username can reset. */
  passwordReset: {
    start(request: PasswordResetRequest): Promise<PasswordResetStarted>;
    /** The ALTCHA widget's payload: base64 JSON, or the object itself. */
    solveCaptcha(flowId: string, solution: string | Record<string, unknown>): Promise<ResetGate>;
    challenge(flowId: string, request: ResetGateRequest): Promise<ResetChallenge>;
    verify(flowId: string, challengeId: string, answer: ResetAnswer): Promise<ResetVerified>;
    status(flowId: string): Promise<ResetStatus>;
    checkPassword(flowId: string, password: string): Promise<PasswordCheck>;
    setPassword(flowId: string, password: string): Promise<PasswordResetComplete>;
  };

  /** The developer inbox (not in production): what the sandbox channel "sent", newest first. */
  sandbox: {
    messages(options?: { limit?: number }): Promise<SandboxInbox>;
  };
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** What an API key and a session token are made of (base64url and `vty_`): visible ASCII, nothing to inject. */
const HEADER_SAFE = /^[\x21-\x7e]+$/;

/** The API's answer to a malformed session token, given here for one that cannot even be sent as a header. */
const SESSION_EXPIRED = {
  type: 'urn:verity:problem:session-expired',
  title: 'Signed out',
  status: 401,
  detail: 'Your session has ended or is not valid here. Sign in again.',
  code: 'session-expired',
};

interface Call {
  body?: unknown;
  session?: string | undefined;
  query?: Record<string, string | undefined>;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export function createVerityClient(options: VerityClientOptions): VerityClient {
  const base = parseBaseUrl(options.baseUrl);
  if (typeof options.apiKey !== 'string' || !HEADER_SAFE.test(options.apiKey))
    throw new TypeError('apiKey must be the organisation’s API key (visible ASCII characters, no spaces)');
  const apiKey = options.apiKey;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new TypeError('timeoutMs must be a positive number');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw new TypeError('no fetch: pass options.fetch on Node < 18');

  async function call<T>(method: Method, path: string, request: Call = {}): Promise<T> {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(request.query ?? {}))
      if (value !== undefined) query.set(name, value);
    const search = query.toString();
    const target = search ? `${path}?${search}` : path;
    const headers: Record<string, string> = {
      authorization: `Bearer ${apiKey}`,
      accept: 'application/json, application/problem+json',
    };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (request.session !== undefined) {
      if (typeof request.session !== 'string' || !HEADER_SAFE.test(request.session))
        throw new VerityProblem({ ...SESSION_EXPIRED }, 401);
      headers['verity-session'] = request.session;
    }

    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(`${base.href}${target}`, {
        method,
        headers,
        ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
        // the key and the session token must not follow a redirect to somewhere else
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw unavailable(error, method, target, base.origin, timeoutMs);
    }

    if (response.status >= 200 && response.status < 300) {
      if (text.trim() === '') return undefined as T;
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new VerityUnavailable(
          'invalid-response',
          method,
          target,
          `The Verity API at ${base.origin} answered ${method} ${target} with ${response.status} but not JSON.`,
        );
      }
    }
    throw new VerityProblem(
      problemBody(text, response),
      response.status,
      retryAfter(response.headers.get('retry-after')),
    );
  }

  const id = encodeURIComponent;
  const signInFlow = (flowId: string) => `/v1/sign-in/${id(flowId)}`;
  const wizardOf = (flowId: string) => `${signInFlow(flowId)}/registration`;
  const resetOf = (flowId: string) => `/v1/password-reset/${id(flowId)}`;

  return {
    organisation: () => call('GET', '/v1/organisation'),

    signIn: {
      start: (request) => call('POST', '/v1/sign-in', { body: request }),
      challenge: (flowId, methodId, { session } = {}) =>
        call('POST', `${signInFlow(flowId)}/challenges`, { body: { methodId }, session }),
      verify: (flowId, challengeId, answer, { session } = {}) =>
        call('POST', `${signInFlow(flowId)}/challenges/${id(challengeId)}/verify`, { body: answer, session }),
      status: (flowId, { rememberDevice, session } = {}) =>
        call('GET', signInFlow(flowId), {
          session,
          query: { rememberDevice: rememberDevice === undefined ? undefined : String(rememberDevice) },
        }),
    },

    sessions: {
      exchange: (result, client) =>
        call('POST', '/v1/sessions', { body: { result, ...(client ? { client } : {}) } }),
      current: (token) => call('GET', '/v1/session', { session: token }),
      signOut: (token) => call('DELETE', '/v1/session', { session: token }),
      list: (token) => call('GET', '/v1/session/sessions', { session: token }),
      revoke: (token, sessionId) =>
        call('DELETE', `/v1/session/sessions/${id(sessionId)}`, { session: token }),
      stepUp: (token, client) =>
        call('POST', '/v1/session/step-up', { session: token, body: client ? { client } : {} }),
    },

    wizard: {
      view: (flowId) => call('GET', wizardOf(flowId)),
      addMethod: (flowId, body) => call('POST', `${wizardOf(flowId)}/methods`, { body }),
      enrolment: (flowId, enrolmentId) => call('GET', `${wizardOf(flowId)}/enrolments/${id(enrolmentId)}`),
      resend: (flowId, enrolmentId) =>
        call('POST', `${wizardOf(flowId)}/enrolments/${id(enrolmentId)}/resend`),
      verify: (flowId, enrolmentId, answer = {}) =>
        call('POST', `${wizardOf(flowId)}/enrolments/${id(enrolmentId)}/verify`, { body: answer }),
      snooze: (flowId) => call('POST', `${wizardOf(flowId)}/snooze`),
      done: (flowId) => call('POST', `${wizardOf(flowId)}/done`),
    },

    securityInfo: {
      overview: (token) => call('GET', '/v1/security-info', { session: token }),
      addMethod: (token, body) => call('POST', '/v1/security-info/methods', { session: token, body }),
      enrolment: (token, enrolmentId) =>
        call('GET', `/v1/security-info/enrolments/${id(enrolmentId)}`, { session: token }),
      resend: (token, enrolmentId) =>
        call('POST', `/v1/security-info/enrolments/${id(enrolmentId)}/resend`, { session: token }),
      verify: (token, enrolmentId, answer = {}) =>
        call('POST', `/v1/security-info/enrolments/${id(enrolmentId)}/verify`, {
          session: token,
          body: answer,
        }),
      changePhone: (token, methodId, phone, client) =>
        call('PUT', `/v1/security-info/methods/${id(methodId)}/phone`, {
          session: token,
          body: { phone, ...(client ? { client } : {}) },
        }),
      rename: (token, methodId, label) =>
        call('PATCH', `/v1/security-info/methods/${id(methodId)}`, { session: token, body: { label } }),
      remove: (token, methodId) =>
        call('DELETE', `/v1/security-info/methods/${id(methodId)}`, { session: token }),
      setDefault: (token, methodId) =>
        call('PUT', '/v1/security-info/default-method', { session: token, body: { methodId } }),
      appPasswords: {
        create: (token, request) =>
          call('POST', '/v1/security-info/app-passwords', { session: token, body: request }),
        list: (token) => call('GET', '/v1/security-info/app-passwords', { session: token }),
        revoke: (token, appPasswordId) =>
          call('DELETE', `/v1/security-info/app-passwords/${id(appPasswordId)}`, { session: token }),
      },
    },

    passwordReset: {
      start: (request) => call('POST', '/v1/password-reset', { body: request }),
      solveCaptcha: (flowId, solution) => call('POST', `${resetOf(flowId)}/captcha`, { body: { solution } }),
      challenge: (flowId, request) => call('POST', `${resetOf(flowId)}/challenges`, { body: request }),
      verify: (flowId, challengeId, answer) =>
        call('POST', `${resetOf(flowId)}/challenges/${id(challengeId)}/verify`, { body: answer }),
      status: (flowId) => call('GET', resetOf(flowId)),
      checkPassword: (flowId, password) =>
        call('POST', `${resetOf(flowId)}/password/check`, { body: { password } }),
      setPassword: (flowId, password) => call('POST', `${resetOf(flowId)}/password`, { body: { password } }),
    },

    sandbox: {
      messages: ({ limit } = {}) =>
        call('GET', '/v1/sandbox/messages', {
          query: { limit: limit === undefined ? undefined : String(limit) },
        }),
    },
  };
}

/** The base URL without a trailing slash; `origin` for messages (never user:password@). */
function parseBaseUrl(baseUrl: string): { href: string; origin: string } {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError('baseUrl must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TypeError('baseUrl must be an absolute http(s) URL');
  if (url.username || url.password) throw new TypeError('baseUrl must not carry credentials');
  if (url.search || url.hash) throw new TypeError('baseUrl must not have a query or a fragment');
  return { href: `${url.origin}${url.pathname.replace(/\/+$/, '')}`, origin: url.origin };
}

/** No answer: a timeout, or the network; described from our own words only. */
function unavailable(
  error: unknown,
  method: string,
  path: string,
  origin: string,
  timeoutMs: number,
): VerityUnavailable {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError')
    return new VerityUnavailable(
      'timeout',
      method,
      path,
      `The Verity API at ${origin} did not answer ${method} ${path} within ${timeoutMs} ms.`,
    );
  const code = systemCode(error);
  return new VerityUnavailable(
    'network',
    method,
    path,
    `The Verity API at ${origin} could not be reached for ${method} ${path}${code ? ` (${code})` : ''}.`,
    code,
  );
}

/** ECONNREFUSED, UND_ERR_CONNECT_TIMEOUT…: only a code's shape is trusted, never an error's text. */
function systemCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return code;
  }
  return undefined;
}

/** The problem document, or one made for an answer that is not one (a proxy's page, an empty body). */
function problemBody(text: string, response: Response): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      !Array.isArray(parsed) &&
      typeof (parsed as { code?: unknown }).code === 'string'
    )
      return parsed as Record<string, unknown>;
  } catch {
    // not JSON
  }
  return {
    type: 'about:blank',
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
    detail: `The Verity API answered ${response.status} without a problem document.`,
    code: `http-${response.status}`,
  };
}

/** Retry-After in seconds: a number of seconds, or an HTTP date. */
export function retryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}
