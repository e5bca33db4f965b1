import { type Account, type Method, type TenantScope, accounts, devices, methods } from '@verity/db';
import { CATALOGUE, compareStrength, decideRegistration, isMethodType } from '@verity/policy';
import type { TenantCipher } from '@verity/secrets';
import {
  type MethodDetails,
  type PushDetails,
  type TotpDetails,
  masked,
  openDetails,
} from '../methods/method-details.js';
import { policyAccount, policyOf } from '../methods/policy-account.js';

/** The method types whose details are shown back, masked (a phone number or an address). */
const SHOWN_MASKED = new Set(['mobile_text', 'mobile_call', 'alternate_call', 'office_call', 'email']);

/**
 * A method as an administrator sees it: what it is, whether it is locked, and for a phone or an address only
 * the masked form. Details of other types (a TOTP seed, an app password's HMAC, a key's credential) are never
 * opened here.
 */
export async function adminMethodView(cipher: TenantCipher, method: Method, now = Date.now()) {
  const display = SHOWN_MASKED.has(method.type)
    ? masked(await openDetails<MethodDetails>(cipher, method))
    : null;
  return {
    id: method.id,
    type: method.type,
    label: method.label,
    display,
    isDefault: method.isDefault,
    createdAt: method.createdAt,
    lastUsedAt: method.lastUsedAt,
    locked: method.lockedUntil !== null && method.lockedUntil.getTime() > now,
    lockedUntil: method.lockedUntil,
    failedAttempts: method.failedAttempts,
  };
}

/** Negative when `a` is stronger; a type outside the catalogue counts as the weakest. */
function byStrength(a: string, b: string): number {
  if (isMethodType(a) && isMethodType(b)) return compareStrength(a, b);
  return Number(!isMethodType(a)) - Number(!isMethodType(b));
}

/**
 * Strongest first, as sign-in lists them; among equals the oldest, then by id (rows written in one transaction
 * share their creation time), so the order is always the same.
 */
export function strongestFirst<T extends Pick<Method, 'id' | 'type' | 'createdAt'>>(rows: T[]): T[] {
  return [...rows].sort(
    (a, b) =>
      byStrength(a.type, b.type) ||
      a.createdAt.getTime() - b.createdAt.getTime() ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/** The strongest verified method that may be a default (see `strongestFirst` for ties); null when none may. */
export function strongestDefaultCandidate(remaining: Method[]): Method | null {
  return (
    strongestFirst(remaining).find((m) => isMethodType(m.type) && CATALOGUE[m.type].mayBeDefault) ?? null
  );
}

export interface Deleted {
  methodsDeleted: number;
  devicesDeactivated: number;
  newDefaultMethodId: string | null;
  /** Whether a deleted method was the default. */
  wasDefault: boolean;
  /** Whether the policy now wants more security info, so the person is asked at the next sign-in. */
  registrationRequired: boolean;
}

/**
 * Deletes one method of the account (found by the caller). An authenticator app's push method takes its
 * device with it: the device is deactivated and the same device's code method deleted. When the default went,
 * the strongest remaining verified method that may be a default becomes the default. When the policy now wants
 * more security info, the registration is required again and any snooze ends, so the next sign-in asks for it.
 */
export async function deleteMethod(
  scope: TenantScope,
  cipher: TenantCipher,
  account: Account,
  method: Method,
): Promise<Deleted> {
  const accountId = account.id;
  const removed: Method[] = [method];
  let devicesDeactivated = 0;
  if (method.type === 'authenticator_push') {
    const { deviceId } = await openDetails<PushDetails>(cipher, method);
    const device = await devices.findById(scope, deviceId);
    if (device?.accountId === accountId && device.status !== 'inactive') {
      await devices.deactivate(scope, deviceId);
      devicesDeactivated += 1;
    }
    for (const code of await methods.ofType(scope, accountId, 'authenticator_code'))
      if ((await openDetails<TotpDetails>(cipher, code)).deviceId === deviceId) removed.push(code);
  }
  let methodsDeleted = 0;
  for (const m of removed) if (await methods.remove(scope, accountId, m.id)) methodsDeleted += 1;
  const wasDefault = removed.some((m) => m.isDefault);
  const remaining = await methods.verifiedOf(scope, accountId);
  let newDefaultMethodId: string | null = null;
  if (wasDefault) {
    const next = strongestDefaultCandidate(remaining);
    if (next && (await methods.promoteToDefault(scope, accountId, next.id))) newDefaultMethodId = next.id;
  }
  // as sign-in decides it: what the policy wants from the methods left; a snooze must not postpone that
  const registration = decideRegistration(policyAccount(account, remaining), await policyOf(scope), {
    now: new Date(),
  });
  const registrationRequired = registration.outcome === 'required';
  if (registrationRequired) await accounts.requireRegistration(scope, accountId, { resetSnoozes: false });
  return { methodsDeleted, devicesDeactivated, newDefaultMethodId, wasDefault, registrationRequired };
}

/** How many of each type, for an audit row (types and counts only, never details). */
export function countByType(rows: { type: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { type } of rows) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}
