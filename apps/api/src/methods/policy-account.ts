import { type Account as AccountRow, type Method, type Tenant, type TenantScope, tenants } from '@verity/db';
import { type Account, type Policy, deviceKeyFor, isMethodType, policyFrom } from '@verity/policy';

/** The organisation's policy, as saved. */
export async function policyOf(scope: TenantScope): Promise<Policy> {
  return policyOfTenant(await tenants.own(scope));
}

const parsed = new Map<string, { version: number; policy: Policy }>();

/** The policy of an organisation row, parsed once per saved version (every save bumps it). */
export function policyOfTenant(tenant: Pick<Tenant, 'id' | 'policy' | 'policyVersion'>): Policy {
  const known = parsed.get(tenant.id);
  if (known?.version === tenant.policyVersion) return known.policy;
  const policy = policyFrom(tenant.policy);
  parsed.set(tenant.id, { version: tenant.policyVersion, policy });
  return policy;
}

/** An account and its verified methods as the policy sees them (devices told apart by their HMAC). */
export function policyAccount(account: AccountRow, registered: Method[]): Account {
  return {
    id: account.id,
    elevatedRights: account.elevated,
    hybrid: account.hybrid,
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
