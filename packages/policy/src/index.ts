// @verity/policy: the method catalogue, the organisation policy and every MFA/SSPR decision.
// Pure: no I/O, no clock (callers pass `now`), no framework.

export {
  CATALOGUE,
  ELEVATED_CAPABLE_TYPES,
  METHOD_TYPES,
  METHODS_BY_STRENGTH,
  SIGN_IN_METHOD_TYPES,
  SSPR_METHOD_TYPES,
  compareStrength,
  deviceKeyFor,
  isMethodType,
  type Channel,
  type DeviceKind,
  type ElevatedCapableType,
  type MethodSpec,
  type MethodType,
} from './catalogue.js';
export type { Account, DecisionTime, RegisteredMethod } from './account.js';
export { METHOD_PHRASE, type Reason, type ReasonCode } from './reasons.js';
export { cidrContains, parseCidr, parseIp, type CidrRange, type IpAddress } from './cidr.js';
export { ukStartOfDay } from './dates.js';
export {
  SECURITY_QUESTIONS,
  answerProblem,
  normaliseAnswer,
  type SecurityQuestion,
} from './security-questions.js';

export {
  DEFAULT_ALLOWED_METHODS,
  DEFAULT_SSPR_METHODS,
  POLICY_VERSION,
  SINGLE_FACTOR_PASSWORD_MIN_LENGTH,
  policySchema,
  type Policy,
  type PolicyInput,
} from './schema.js';
export { policyV1Schema, type PolicyV1Input } from './upgrade.js';
export {
  DEFAULT_POLICY,
  parsePolicy,
  policyFrom,
  upgradePolicy,
  type ParsePolicyResult,
  type PolicyError,
  type UpgradePolicyResult,
} from './parse.js';
export {
  MIN_TRUSTED_PREFIX,
  validatePolicyForSave,
  validatePolicySafety,
  type SafetyResult,
  type SavePolicyResult,
} from './safety.js';
export { compilePolicy, type CompiledPolicy } from './compile.js';

export type { UnavailableMethod } from './decisions/common.js';
export { decideSignIn, type SignInContext, type SignInDecision } from './decisions/sign-in.js';
export { decideSspr, type SsprContext, type SsprDecision } from './decisions/sspr.js';
export {
  decideRegistration,
  type RegistrationDecision,
  type SnoozeDecision,
} from './decisions/registration.js';
export {
  decideAddMethod,
  decideRemoveMethod,
  decideSetDefault,
  type NewMethod,
  type RemoveMethodDecision,
  type SecurityInfoDecision,
} from './decisions/security-info.js';
export { decideElevatedRights, type ElevatedRightsDecision } from './decisions/elevated.js';
export {
  READINESS_RULES,
  assessAccount,
  buildReadinessReport,
  compareReadiness,
  type AccountReadiness,
  type ReadinessComparison,
  type ReadinessReport,
  type ReadinessRule,
  type ReadinessStatus,
  type RuleTally,
} from './decisions/readiness.js';
export {
  BUILT_IN_BLOCKLIST,
  decideNewPassword,
  passwordLength,
  type NewPasswordInput,
  type PasswordDecision,
} from './decisions/password.js';
export {
  codeLifetimeSeconds,
  decideFailedAttempts,
  decidePushPrompt,
  decideSsprAttempt,
  numberMatchingDigits,
  type ThrottleDecision,
} from './decisions/throttles.js';
export { SESSION_LIMITS, STEP_UP_SECONDS, sessionLimits, type SessionLimits } from './decisions/sessions.js';
