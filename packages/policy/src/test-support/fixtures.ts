import type { Account, RegisteredMethod } from '../account.js';
import { deviceKeyFor, type MethodType } from '../catalogue.js';

// Small builders so that tables read like the situations they describe.

export const PHONE = '+447700900123';
export const OTHER_PHONE = '+447700900456';
export const OFFICE = '+441134960000';

export function method(
  type: MethodType,
  detail: string,
  extra: Partial<RegisteredMethod> = {},
): RegisteredMethod {
  return { id: `${type}:${detail}`, type, deviceKey: deviceKeyFor(type, detail), ...extra };
}

export const push = (app = 'phone-app-1', extra: Partial<RegisteredMethod> = {}) =>
  method('authenticator_push', app, extra);
export const code = (app = 'phone-app-1', extra: Partial<RegisteredMethod> = {}) =>
  method('authenticator_code', app, extra);
export const text = (number = PHONE, extra: Partial<RegisteredMethod> = {}) =>
  method('mobile_text', number, extra);
export const call = (number = PHONE, extra: Partial<RegisteredMethod> = {}) =>
  method('mobile_call', number, extra);
export const alternate = (number = OTHER_PHONE, extra: Partial<RegisteredMethod> = {}) =>
  method('alternate_call', number, extra);
export const office = (number = OFFICE, extra: Partial<RegisteredMethod> = {}) =>
  method('office_call', number, extra);
export const email = (address = 'jo.bloggs@example.org', extra: Partial<RegisteredMethod> = {}) =>
  method('email', address, extra);
export const questions = (extra: Partial<RegisteredMethod> = {}) => method('security_questions', '', extra);
export const key = (credential = 'yubikey-1', extra: Partial<RegisteredMethod> = {}) =>
  method('security_key', credential, extra);
export const appPassword = (id = 'outlook-2010', extra: Partial<RegisteredMethod> = {}) =>
  method('app_password', id, extra);

export function staff(methods: RegisteredMethod[], extra: Partial<Account> = {}): Account {
  return { id: 'staff-1', elevatedRights: false, methods, ...extra };
}

export function admin(methods: RegisteredMethod[], extra: Partial<Account> = {}): Account {
  return { id: 'admin-1', elevatedRights: true, methods, ...extra };
}

/** Instants around the seeds' effective date, 30 November 2023 (GMT, so midnight UTC). */
export const LONG_BEFORE = new Date('2023-06-01T09:00:00Z');
export const NUDGE_TIME = new Date('2023-11-20T09:00:00Z'); // 10 days left, inside the 30-day nudge
export const AFTER = new Date('2024-01-15T09:00:00Z');
