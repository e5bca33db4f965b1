import { Tenancy } from '@verity/db';
import type { TestApi } from './api.js';

/**
 * Writes policy settings straight into the organisation's row, past the save-time safety rules: an organisation
 * whose policy was saved before a rule existed. Top-level settings given replace the saved ones.
 */
export function policySavedBefore(api: TestApi, tenantId: string, settings: Record<string, unknown>) {
  return api.app
    .get(Tenancy)
    .run(tenantId, (scope) =>
      scope.manager.query(
        `UPDATE tenants SET policy = policy || $1::jsonb, policy_version = policy_version + 1 WHERE id = $2`,
        [JSON.stringify(settings), tenantId],
      ),
    );
}
