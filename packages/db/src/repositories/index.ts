export { tenants, type NewTenant } from './tenants.js';
export { accounts, type NewAccount } from './accounts.js';
export { audit, type AuditEntry } from './audit.js';
export { DataKeyRepository } from './data-keys.js';
export { ApiKeyRepository, type IssuedApiKey } from './api-keys.js';
export { housekeeping } from './housekeeping.js';
export { methods } from './methods.js';
export { deliveries, type NewDelivery } from './deliveries.js';
export { devices } from './devices.js';
