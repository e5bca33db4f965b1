import { Account } from './account.entity.js';
import { ApiKey } from './api-key.entity.js';
import { AuditEvent } from './audit-event.entity.js';
import { AuthenticatorDevice } from './authenticator-device.entity.js';
import { Challenge } from './challenge.entity.js';
import { ChannelSetting } from './channel-setting.entity.js';
import { DataKey } from './data-key.entity.js';
import { DirectorySetting } from './directory-setting.entity.js';
import { Delivery } from './delivery.entity.js';
import { Flow } from './flow.entity.js';
import { Method } from './method.entity.js';
import { ProviderEvent } from './provider-event.entity.js';
import { RememberedDevice } from './remembered-device.entity.js';
import { Session } from './session.entity.js';
import { Tenant } from './tenant.entity.js';

export * from './account.entity.js';
export * from './api-key.entity.js';
export * from './audit-event.entity.js';
export * from './authenticator-device.entity.js';
export * from './challenge.entity.js';
export * from './channel-setting.entity.js';
export * from './data-key.entity.js';
export * from './directory-setting.entity.js';
export * from './delivery.entity.js';
export * from './flow.entity.js';
export * from './method.entity.js';
export * from './provider-event.entity.js';
export * from './remembered-device.entity.js';
export * from './session.entity.js';
export * from './tenant.entity.js';

export const entities = [
  Tenant,
  DataKey,
  Account,
  Method,
  AuthenticatorDevice,
  Challenge,
  Flow,
  Delivery,
  AuditEvent,
  ApiKey,
  ProviderEvent,
  ChannelSetting,
  DirectorySetting,
  RememberedDevice,
  Session,
];

/** Every table whose rows belong to one organisation, and so carry row-level security. */
export const tenantTables = [
  'data_keys',
  'accounts',
  'methods',
  'authenticator_devices',
  'challenges',
  'flows',
  'deliveries',
  'audit_events',
  'api_keys',
  'provider_events',
  'channel_settings',
  'directory_settings',
  'remembered_devices',
  'sessions',
] as const;
