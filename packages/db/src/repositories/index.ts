export { tenants, type NewTenant, type TenantSummary } from './tenants.js';
export { accounts, type NewAccount } from './accounts.js';
export { audit, type AuditEntry } from './audit.js';
export { DataKeyRepository } from './data-keys.js';
export { ApiKeyRepository, type IssuedApiKey } from './api-keys.js';
export { housekeeping, type Purged } from './housekeeping.js';
export { methods, type NewMethod, type FailureCount } from './methods.js';
export { deliveries, type NewDelivery } from './deliveries.js';
export { devices } from './devices.js';
export { providerEvents } from './provider-events.js';
export { challenges, type NewChallenge } from './challenges.js';
export { flows, type NewFlow } from './flows.js';
export { rememberedDevices } from './remembered-devices.js';
export { sessions, type NewSession, type TouchedSession } from './sessions.js';
export { channelSettings } from './channel-settings.js';
export { directorySettings } from './directory-settings.js';
export { DeliveryLedger, GroupCommit } from './delivery-ledger.js';
export {
  SignInStatements,
  type SignInAccount,
  type SignInContext,
  type AnswerOutcome,
  type ChallengeOutcome,
  type PushLimits,
} from './sign-in-statements.js';
