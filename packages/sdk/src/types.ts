// The requests and answers of the Verity API, as its READMEs (apps/api/src/*/README.md) and controllers give them.
// Times are ISO 8601 strings, as the JSON carries them. Unions of string literals list what the API documents;
// where it may add more (reason and problem codes), the union is open: `(string & {})` keeps the known ones
// suggested by the editor without refusing a new one.

/** An instant as the API writes it: ISO 8601, UTC (`2026-11-24T09:00:00.000Z`). */
export type Timestamp = string;

/** Every authentication method Verity knows (`METHOD_TYPES` in `@verity/policy`), strongest first. */
export type MethodType =
  | 'security_key'
  | 'authenticator_push'
  | 'authenticator_code'
  | 'mobile_call'
  | 'alternate_call'
  | 'office_call'
  | 'mobile_text'
  | 'email'
  | 'security_questions'
  | 'app_password';

/** The methods reached on a phone number. */
export type PhoneMethodType = 'mobile_text' | 'mobile_call' | 'alternate_call' | 'office_call';
/** The calls among them. */
export type CallMethodType = 'mobile_call' | 'alternate_call' | 'office_call';
/** What "Add sign-in method" and the wizard can add (app passwords have their own endpoint). */
export type EnrolmentType = Exclude<MethodType, 'app_password'>;
/** The checks a password reset may offer: never a security key or an app password. */
export type ResetGateKind = Exclude<MethodType, 'security_key' | 'app_password'>;
/** The protocols an app password can be used for (old mail clients). */
export type LegacyProtocol = 'imap' | 'pop' | 'smtp' | 'ews' | 'activesync' | 'caldav' | 'carddav';
/** Authenticator assurance level of a sign-in result or a session. */
export type Acr = 'aal1' | 'aal2';
/** A challenge's life: pending until answered, then settled once. */
export type ChallengeStatus = 'pending' | 'approved' | 'denied' | 'expired' | 'locked';

/** The organisation policy's reason codes (`ReasonCode` in `@verity/policy`) and the API's own. */
export type ReasonCode =
  | 'METHOD_DISABLED'
  | 'NOT_FOR_SIGN_IN'
  | 'NOT_FOR_SSPR'
  | 'NOT_SSPR_ELIGIBLE'
  | 'ELEVATED_METHOD_REFUSED'
  | 'QUESTIONS_NEVER_FOR_ELEVATED'
  | 'OFFICE_PHONE_HYBRID'
  | 'TRUSTED_NETWORK'
  | 'REMEMBERED_DEVICE'
  | 'MFA_OFF_NETWORK'
  | 'MFA_ELEVATED_RIGHTS'
  | 'MFA_SECURITY_INFO_CHANGE'
  | 'NO_METHOD_REGISTERED'
  | 'NO_USABLE_METHOD'
  | 'ELEVATED_NO_ALLOWED_METHOD'
  | 'DEFAULT_USER_CHOICE'
  | 'DEFAULT_STRONGEST'
  | 'DEFAULT_CHOICE_UNAVAILABLE'
  | 'FRAUD_REPORTED'
  | 'SSPR_DISABLED'
  | 'SSPR_NOT_ENOUGH_METHODS'
  | 'SSPR_NEEDS_DIFFERENT_DEVICES'
  | 'SSPR_NEEDS_STRONG_METHOD'
  | 'SSPR_UNKNOWN_METHOD'
  | 'SSPR_GATE_NOT_ALLOWED'
  | 'SSPR_SAME_DEVICE'
  | 'SSPR_NEXT_GATE'
  | 'SSPR_ALL_GATES_PASSED'
  | 'REGISTRATION_COMPLETE'
  | 'REGISTRATION_NEEDS_METHODS'
  | 'REGISTRATION_NEEDS_STRONG_METHOD'
  | 'REGISTRATION_NOTHING_TO_OFFER'
  | 'REGISTRATION_SIGN_IN_READY'
  | 'ALREADY_REGISTERED_TYPE'
  | 'EMAIL_NOT_FIRST'
  | 'NOT_FIRST'
  | 'SECURITY_INFO_ONLY'
  | 'DOES_NOT_HELP'
  | 'SNOOZE_AVAILABLE'
  | 'SNOOZE_DISABLED'
  | 'SNOOZE_USED_UP'
  | 'SNOOZE_NOT_FOR_ELEVATED'
  | 'METHOD_NOT_FOUND'
  | 'ALREADY_REGISTERED'
  | 'NUMBER_IN_USE'
  | 'OFFICE_PHONE_EXTENSION'
  | 'APP_PASSWORD_NOT_FOR_ELEVATED'
  | 'BELOW_MFA_MINIMUM'
  | 'BELOW_SSPR_MINIMUM'
  | 'DEFAULT_NEVER_EMAIL'
  | 'NOT_DEFAULT_CAPABLE'
  | 'DEFAULT_CHOICE_DISABLED'
  | 'ELEVATED_DEFAULT_REFUSED'
  | 'ELEVATED_RIGHTS_NUDGE'
  | 'ELEVATED_RESET_ONLY'
  | 'NOT_ELEVATED'
  | 'ELEVATED_COMPLIANT'
  | 'ELEVATED_NOT_YET'
  | 'ELEVATED_ADD_METHOD'
  | 'ELEVATED_SET_DEFAULT'
  | 'PASSWORD_TOO_SHORT'
  | 'PASSWORD_TOO_LONG'
  | 'PASSWORD_BLOCKLISTED'
  | 'PASSWORD_CONTEXT_WORD'
  | 'PASSWORD_BREACHED'
  | 'PASSWORD_TOO_GUESSABLE'
  | 'PASSWORD_SAME_AS_CURRENT'
  | 'PUSH_OUTSTANDING'
  | 'PUSH_RATE_LIMITED'
  | 'LOCKED_OUT'
  | 'SSPR_TOO_MANY_ATTEMPTS'
  | (string & {});

/** A rule's explanation: a stable code, and one plain-English sentence that can be shown to the person. */
export interface Reason {
  code: ReasonCode;
  message: string;
}

/** The `code` of the API's problem documents (RFC 9457): the known ones, and any the API adds later. */
export type ProblemCode =
  // any request
  | 'validation-failed'
  | 'malformed-body'
  | 'body-too-large'
  | 'unsupported-media-type'
  | 'invalid-value'
  | 'bad-request'
  | 'not-found'
  | 'method-not-allowed'
  | 'unauthorised'
  /** The API key lacks the scope the route needs (`requiredScopes` names it). */
  | 'insufficient-scope'
  | 'too-many-attempts'
  | 'unavailable'
  | 'internal'
  // sign-in
  | 'invalid-credentials'
  | 'flow-not-found'
  | 'flow-step'
  | 'method-not-offered'
  | 'wrong-code'
  | 'challenge-over'
  | 'code-already-used'
  | 'factor-locked'
  | 'resend-too-soon'
  | 'push-limited'
  | 'push-stopped'
  // sessions
  | 'result-invalid'
  | 'result-used'
  | 'session-expired'
  | 'step-up-required'
  | 'step-up-unavailable'
  // security info and the wizard
  | 'method-refused'
  | 'registration-incomplete'
  | 'snooze-refused'
  | 'not-verified-yet'
  | 'not-ready'
  | 'too-many-sends'
  // password reset
  | 'captcha-failed'
  | 'reset-not-found'
  | 'reset-step'
  | 'same-device'
  | 'password-refused'
  | 'directory-refused'
  | 'directory-account-missing'
  | 'directory-unavailable'
  | 'directory-misconfigured'
  | (string & {});

/** One bad field of a `validation-failed` problem: its dotted path ("" for the body) and what is wrong. */
export interface FieldError {
  field: string;
  message: string;
}

/** The person's browser as the relying application sees it (shown in the authenticator app, audited). */
export interface ClientContext {
  ip?: string;
  userAgent?: string;
  /** The relying application's name, e.g. "Verity portal". */
  app?: string;
}

// ---- organisation ----

/** GET /v1/organisation: the organisation the API key belongs to. */
export interface Organisation {
  id: string;
  slug: string;
  name: string;
  emailDomains: string[];
  policyVersion: number;
  /** The organisation's policy (`@verity/policy`'s schema). */
  policy: Record<string, unknown>;
}

// ---- sign-in ----

export interface SignInRequest {
  username: string;
  password: string;
  /** The token of an earlier `rememberDevice: true` ("Don't ask again"). */
  rememberToken?: string;
  client?: ClientContext;
}

/** A registered method as the sign-in offers it: numbers and addresses masked. */
export interface SignInMethod {
  id: string;
  type: MethodType;
  label: string | null;
  /** "+44 ••••••••21", "j•••@trust.nhs.uk"; null for apps and keys. */
  display: string | null;
  isDefault: boolean;
}

/** A registered method that cannot be used here, with the policy's reasons. */
export interface UnavailableMethod {
  methodId: string;
  type: MethodType;
  reasons: Reason[];
}

interface FlowView {
  flowId: string;
  expiresAt: Timestamp;
}

/** A second factor is needed: the methods (strongest first), the default and why. */
export interface SignInMfaRequired extends FlowView {
  state: 'mfa_required';
  reasons: Reason[];
  methods: SignInMethod[];
  defaultMethodId: string;
  defaultReason: Reason;
  unavailable: UnavailableMethod[];
  /** "Don't ask again for N days": present where the organisation allows it for this person. */
  rememberDevice?: { days: number };
}

/** Finished: `result` is the signed JWT to exchange for a session (POST /v1/sessions). */
export interface SignInComplete {
  flowId: string;
  state: 'complete';
  result: string;
  /** "Don't ask again": present when asked for and allowed; give it to the next sign-in. */
  rememberToken?: string;
  expiresAt?: Timestamp;
  reasons?: Reason[];
}

/** "More information required": hand over to the registration wizard with this `flowId`. */
export interface SignInRegistrationRequired extends FlowView {
  state: 'registration_required';
  reasons?: Reason[];
  unavailable?: UnavailableMethod[];
  rememberToken?: string;
}

/** Nothing usable, or a fraud report: the reasons say what to tell the person. */
export interface SignInBlocked extends FlowView {
  state: 'blocked';
  reasons?: Reason[];
  unavailable?: UnavailableMethod[];
}

/** POST /v1/sign-in (a wrong password is a 401 `invalid-credentials` problem). */
export type SignInStart = SignInMfaRequired | SignInComplete | SignInRegistrationRequired | SignInBlocked;

interface ChallengeBase {
  challengeId: string;
  methodId: string;
  expiresAt: Timestamp;
}

/** POST /v1/sign-in/{flowId}/challenges: what to show, by the method's type. */
export type SignInChallenge =
  | (ChallengeBase & {
      type: 'authenticator_push';
      /** Show it large: the person types it in the app. */
      number: string;
    })
  | (ChallengeBase & { type: 'authenticator_code' })
  | (ChallengeBase & {
      type: 'mobile_text' | 'email';
      /** "We just sent a 6 digit code to +44 ••••••••21". */
      sentTo: string | null;
      codeLength: number;
    })
  | (ChallengeBase & {
      type: CallMethodType;
      calling: string | null;
      /** Only where the policy asks the person to key a number in during the call. */
      number?: string;
    })
  | (ChallengeBase & {
      type: 'security_key';
      /** WebAuthn request options for the browser (`navigator.credentials.get`). */
      publicKey: unknown;
    });

/** The answer to a sign-in challenge: the typed code, or a security key's assertion. */
export type SignInAnswer = (
  | { code: string; assertion?: undefined }
  | {
      /** The browser's PublicKeyCredential, as JSON. */
      assertion: Record<string, unknown>;
      code?: undefined;
    }
) & {
  /** "Don't ask again on this device": the answer then carries a `rememberToken`. */
  rememberDevice?: boolean;
};

/** The Verity-Session token of a step-up flow (POST /v1/session/step-up); leave out for a sign-in. */
export interface StepUpSessionOption {
  session?: string;
}

/** A step-up finished: the session is re-authenticated and has a new token (the old one is dead). */
export interface StepUpComplete {
  flowId: string;
  state: 'complete';
  session: RenewedSession;
}

/** POST …/challenges/{challengeId}/verify. */
export type SignInVerified = SignInComplete | StepUpComplete | SignInRegistrationRequired;

/** GET /v1/sign-in/{flowId} while a push or a call is not yet answered. */
export interface SignInWaiting extends FlowView {
  state: 'mfa_required';
  /** `fraudReported`: denied with a fraud report, from the app or by 0# on a call. */
  challenge?: { id: string; status: ChallengeStatus; fraudReported?: true };
}

/** GET /v1/sign-in/{flowId}: still waiting, or finished as a verify would have. */
export type SignInStatus =
  SignInWaiting | SignInComplete | StepUpComplete | SignInRegistrationRequired | SignInBlocked;

// ---- sessions ----

export interface SessionAccount {
  id: string;
  username: string;
  displayName: string;
}

/** GET /v1/session: who is signed in, how, and until when. */
export interface SessionView {
  sessionId: string;
  account: SessionAccount;
  acr: Acr;
  /** RFC 8176 method references, e.g. ["pwd", "otp", "mfa"]. */
  amr: string[];
  /** The sign-in or the latest step-up. */
  authenticatedAt: Timestamp;
  createdAt: Timestamp;
  /** The absolute limit: never moves. */
  expiresAt: Timestamp;
  idleExpiresAt: Timestamp;
  /** Until when a change of security info needs no step-up. */
  stepUpUntil: Timestamp;
}

/** POST /v1/sessions: the session and its token, shown this once. */
export interface ExchangedSession extends SessionView {
  token: string;
}

/** The client of an exchange: the person's browser now (by default, as it was at sign-in). */
export interface ExchangeClient {
  ip?: string;
  userAgent?: string;
}

/** One of the person's live sessions. */
export interface SessionSummary {
  id: string;
  createdAt: Timestamp;
  lastSeenAt: Timestamp;
  expiresAt: Timestamp;
  idleExpiresAt: Timestamp;
  acr: Acr;
  ip: string | null;
  userAgent: string | null;
  /** The session making the call. */
  current: boolean;
}

/** GET /v1/session/sessions. */
export interface SessionList {
  sessions: SessionSummary[];
}

/** A step-up's new token and limits. */
export interface RenewedSession {
  token: string;
  authenticatedAt: Timestamp;
  expiresAt: Timestamp;
  idleExpiresAt: Timestamp;
  stepUpUntil: Timestamp;
}

/** POST /v1/session/step-up: a flow at `mfa_required`, used with signIn.challenge/verify/status and the token. */
export type StepUpStarted = SignInMfaRequired;

// ---- security info, enrolments and the wizard ----

/** A verified method on the Security info page. */
export interface MethodSummary extends SignInMethod {
  createdAt: Timestamp;
  lastUsedAt: Timestamp | null;
  locked: boolean;
}

/** "Add sign-in method": which one, and what it needs to start. */
export type AddMethodRequest = (
  | { type: PhoneMethodType; phone: string }
  | { type: 'email'; email: string }
  | { type: 'authenticator_push' | 'authenticator_code' | 'security_key' | 'security_questions' }
) & { label?: string; client?: ClientContext };

/** A QR code as a PNG data URL and as inline SVG. */
export interface QrImages {
  png: string;
  svg: string;
}

export interface SecurityQuestion {
  id: string;
  text: string;
}

interface EnrolmentBase {
  enrolmentId: string;
  type: EnrolmentType;
  expiresAt: Timestamp;
  /** The method a change of phone replaces. */
  replaces?: string;
  /** The policy's notes when the enrolment started (e.g. the elevated-rights nudge). */
  notices?: Reason[];
}

/** A method being added, by where it stands (`state`). */
export type Enrolment =
  | (EnrolmentBase & { state: 'verified' })
  | (EnrolmentBase & {
      state: 'waiting_for_app';
      /** The registration QR code: the app activates from the link. */
      activation: { link: string; expiresAt: Timestamp; qr: QrImages };
    })
  | (EnrolmentBase & {
      state: 'app_activated' | 'notification_sent' | 'notification_approved' | 'notification_denied';
    })
  | (EnrolmentBase & {
      state: 'waiting_for_code';
      /** `otpauth://totp/…`; `secret` for "Can't scan the QR image". */
      totp: { uri: string; secret: string; digits: number; period: number; qr: QrImages };
    })
  | (EnrolmentBase & {
      state: 'waiting_for_security_key';
      /** WebAuthn creation options for the browser (`navigator.credentials.create`). */
      publicKey: unknown;
    })
  | (EnrolmentBase & {
      state: 'waiting_for_answers';
      /** How many questions to answer, and the list to choose from. */
      questions: { answer: number; from: SecurityQuestion[] };
    })
  | (EnrolmentBase & { state: 'calling' | 'call_answered'; calling: string | null })
  | (EnrolmentBase & { state: 'code_sent'; sentTo: string | null; codeLength: number });

/** The state names of an enrolment. */
export type EnrolmentState = Enrolment['state'];

/** After "Resend code", or the app's test notification: for the app, the `number` to type in it. */
export type ResentEnrolment = Enrolment & { number?: string };

/** "Next": the code, the security key's credential, the answers; nothing after a call or a notification. */
export interface EnrolmentAnswer {
  code?: string;
  /** The browser's PublicKeyCredential from `navigator.credentials.create`, as JSON. */
  credential?: Record<string, unknown>;
  answers?: { questionId: string; answer: string }[];
}

/** POST /v1/security-info/enrolments/{id}/verify: the methods saved (an app saves its push and code methods). */
export interface EnrolmentVerified {
  methods: MethodSummary[];
}

/** GET /v1/sign-in/{flowId}/registration: "Keep your account secure". */
export interface WizardView {
  flowId: string;
  state: 'registration_required';
  expiresAt: Timestamp;
  /** complete: "Done" gives the result; required: more to set up; blocked: nothing allowed can finish it. */
  outcome: 'complete' | 'required' | 'blocked';
  /** Enough is set up to sign in: when `blocked`, "Done" still finishes the sign-in. */
  signInReady: boolean;
  reasons: Reason[];
  /** "Method 1 of 2". */
  step: { method: number; of: number };
  offerFirst: MethodType | null;
  /** "I want to set up a different method". */
  otherChoices: MethodType[];
  notOffered: { type: MethodType; reasons: Reason[] }[];
  /** "Skip for now". */
  snooze: { allowed: boolean; days: number; remaining: number; reasons: Reason[] };
  methods: MethodSummary[];
  defaultMethod: { id: string; type: MethodType; label: string } | null;
}

/** The wizard's verify: the methods saved, and the wizard as it now stands. */
export interface WizardEnrolmentVerified extends EnrolmentVerified {
  wizard: WizardView;
}

/** "Done" or "Skip for now": the sign-in's result, to exchange for a session. */
export interface WizardComplete {
  flowId: string;
  state: 'complete';
  result: string;
}

/** One "Add sign-in method" choice on the Security info page. */
export interface MayAdd {
  type: EnrolmentType;
  label: string;
  allowed: boolean;
  reasons: Reason[];
  notices: Reason[];
}

/** GET /v1/security-info. */
export interface SecurityInfoOverview {
  methods: MethodSummary[];
  defaultMethodId: string | null;
  userMayChooseDefault: boolean;
  /** The methods "Change default sign-in method" may offer: each one the policy would accept, in order. */
  defaultChoices: string[];
  mayAdd: MayAdd[];
}

/** PUT /v1/security-info/default-method. */
export interface DefaultMethodChanged {
  defaultMethodId: string;
  notices: Reason[];
}

export interface CreateAppPasswordRequest {
  name: string;
  scopes: LegacyProtocol[];
}

export interface AppPasswordSummary {
  id: string;
  name: string;
  scopes: LegacyProtocol[];
  createdAt: Timestamp;
  lastUsedAt: Timestamp | null;
}

/** A new app password: `appPassword` is shown this once (28 letters in groups of four). */
export interface CreatedAppPassword {
  id: string;
  name: string;
  scopes: LegacyProtocol[];
  appPassword: string;
  createdAt: Timestamp;
}

export interface AppPasswordList {
  appPasswords: AppPasswordSummary[];
}

// ---- password reset ----

export interface PasswordResetRequest {
  /** The user ID as typed. */
  username: string;
  client?: ClientContext;
}

/** An ALTCHA proof-of-work challenge, for the browser's widget. */
export interface CaptchaChallenge {
  algorithm: string;
  challenge: string;
  salt: string;
  signature: string;
  maxnumber?: number;
}

/** POST /v1/password-reset: always 201, whether or not the username can reset. */
export interface PasswordResetStarted {
  flowId: string;
  state: 'captcha';
  expiresAt: Timestamp;
  captcha: CaptchaChallenge;
}

/** A check the reset offers, the same for everyone in the organisation. */
export interface ResetOption {
  kind: ResetGateKind;
  /** "Text my mobile phone". */
  label: string;
  /** What the person types to be sent it: the number or address they registered, in full. */
  needs: 'phone' | 'email' | 'answers' | null;
  questions?: SecurityQuestion[];
}

/** Gate N of M: the checks to choose from. */
export interface ResetGate {
  flowId: string;
  state: 'verify';
  expiresAt: Timestamp;
  gate: { number: number; of: number };
  options: ResetOption[];
  /** "If you cannot use any of these, … contact your local helpdesk …". */
  message: string;
}

/** Every check passed: the new password, within these lengths. */
export interface ResetNewPassword {
  flowId: string;
  state: 'new_password';
  expiresAt: Timestamp;
  password: { minLength: number; maxLength: number };
}

export interface ResetGateRequest {
  kind: ResetGateKind;
  /** For a text or a call: the registered number, typed in full. */
  phone?: string;
  /** For an email: the registered address, typed in full. */
  email?: string;
}

/** POST /v1/password-reset/{flowId}/challenges: what to show (the same whether or not anything was sent). */
export interface ResetChallenge {
  challengeId: string;
  kind: ResetGateKind;
  expiresAt: Timestamp;
  sentTo?: string | null;
  codeLength?: number;
  calling?: string | null;
  /** For the app: the number to type in it. */
  number?: string;
  questions?: SecurityQuestion[];
  message: string;
}

/** The answer to a reset check: a code, or the security questions' answers. */
export type ResetAnswer =
  | { code: string; answers?: undefined }
  | { answers: { questionId: string; answer: string }[]; code?: undefined };

/** The states of a reset. */
export type ResetState = 'captcha' | 'verify' | 'new_password' | 'complete';

/** GET /v1/password-reset/{flowId} while nothing has moved (a notification or a call not yet answered). */
export interface ResetWaiting {
  flowId: string;
  state: ResetState;
  expiresAt: Timestamp;
  challenge?: { id: string; status: ChallengeStatus };
}

/** POST …/verify: the next gate, or the new password. */
export type ResetVerified = ResetGate | ResetNewPassword;

/** GET /v1/password-reset/{flowId}. */
export type ResetStatus = ResetWaiting | ResetGate | ResetNewPassword;

/** POST …/password/check: the strength as it is typed, and why it would be refused. */
export interface PasswordCheck {
  accepted: boolean;
  reasons: Reason[];
  strength: {
    score: 0 | 1 | 2 | 3 | 4;
    warning: string | null;
    suggestions: string[];
    guessesLog10: number;
  };
}

/** POST …/password: done; the person signs in again with the new password. */
export interface PasswordResetComplete {
  flowId: string;
  state: 'complete';
  message: string;
}

// ---- the developer inbox ----

export type SandboxContent =
  | { kind: 'sms'; body: string }
  | { kind: 'voice'; instructionsUrl: string }
  | { kind: 'email'; subject: string; text: string; html?: string }
  | { kind: 'push'; data: Record<string, string>; ttlSeconds: number };

/** A text, call, email or push the sandbox channel "sent". */
export interface SandboxMessage {
  id: string;
  channel: 'sms' | 'voice' | 'email' | 'push';
  status: 'queued' | 'sending' | 'sent' | 'delivered' | 'failed';
  /** The number, address or push token. */
  to: string;
  content: SandboxContent;
  createdAt: Timestamp;
  sentAt: Timestamp | null;
}

/** GET /v1/sandbox/messages: newest first. */
export interface SandboxInbox {
  messages: SandboxMessage[];
}
