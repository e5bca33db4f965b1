import type { Method } from '@verity/db';
import type { SignInDecision } from '@verity/policy';
import type { TenantCipher } from '@verity/secrets';
import { type MethodDetails, masked, openDetails } from '../methods/method-details.js';

/** A policy reason as the API shows it. */
export function reasonView(r: { code: string; message: string }) {
  return { code: r.code, message: r.message };
}

/**
 * What the person may choose from for a second factor: with an `mfa` decision the methods (masked), the
 * default and why; with any decision that asks something of the person, each registered method that cannot be
 * used, with the policy's reasons.
 */
export async function choicesView(
  cipher: TenantCipher,
  decision: Exclude<SignInDecision, { outcome: 'no_mfa' }>,
  registered: Method[],
) {
  return {
    ...(decision.outcome === 'mfa'
      ? {
          methods: await Promise.all(
            decision.methods.map((m) =>
              methodView(
                cipher,
                registered.find((r) => r.id === m.id)!,
              ),
            ),
          ),
          defaultMethodId: decision.defaultMethod.id,
          defaultReason: reasonView(decision.defaultReason),
        }
      : {}),
    unavailable: decision.unavailable.map((u) => ({
      methodId: u.method.id,
      type: u.method.type,
      reasons: u.reasons.map(reasonView),
    })),
  };
}

export async function methodView(cipher: TenantCipher, method: Method) {
  const details = await openDetails<MethodDetails>(cipher, method);
  return {
    id: method.id,
    type: method.type,
    label: method.label,
    display: masked(details),
    isDefault: method.isDefault,
  };
}
