import type { Account as AccountRow, Method } from '@verity/db';
import { type Account, deviceKeyFor, isMethodType } from '@verity/policy';

/** An account and its verified methods as the policy sees them (devices told apart by their HMAC). */
export function policyAccount(account: AccountRow, registered: Method[]): Account {
  return {
    id: account.id,
    elevatedRights: account.elevated,
    snoozesUsed: account.registrationSnoozes,
    methods: registered.flatMap((m) =>
      isMethodType(m.type)
        ? [
            {
              id: m.id,
              type: m.type,
              deviceKey: deviceKeyFor(m.type, m.deviceRef.toString('hex')),
              isDefault: m.isDefault,
            },
          ]
        : [],
    ),
  };
}
