import { type Account as AccountRow, type Method, type TenantScope, tenants } from '@verity/db';
import { type Account, type Policy, deviceKeyFor, isMethodType, policyFrom } from '@verity/policy';

/** The organisation's policy, as saved. */
export async function policyOf(scope: TenantScope): Promise<Policy> {
  return policyFrom((await tenants.own(scope)).policy);
}

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
