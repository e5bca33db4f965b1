import { Tenant } from '../entities/index.js';
import type { OperatorScope, TenantScope } from '../tenancy.js';
import { isUuid } from '../tenancy.js';

export interface NewTenant {
  slug: string;
  name: string;
  emailDomains: string[];
  policy: Record<string, unknown>;
}

/** What the operator sees of every organisation: its entry in the directory, never its policy. */
export type TenantSummary = Omit<Tenant, 'policy'>;

interface DirectoryRow {
  id: string;
  slug: string;
  name: string;
  email_domains: string[];
  status: Tenant['status'];
  policy_version: number;
  created_at: Date;
  updated_at: Date;
}

function summary(row: DirectoryRow): TenantSummary {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    emailDomains: row.email_domains,
    status: row.status,
    policyVersion: row.policy_version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

async function directory(scope: OperatorScope, where: string, values: unknown[]): Promise<TenantSummary[]> {
  const rows: DirectoryRow[] = await scope.manager.query(
    `SELECT * FROM verity_tenant_directory() ${where} ORDER BY slug`,
    values,
  );
  return rows.map(summary);
}

// The operator's reads and writes go through the owner's functions (migration 016): the runtime role
// sees one organisation at a time, whatever variable it sets.
export const tenants = {
  async create(scope: OperatorScope, data: NewTenant): Promise<Tenant> {
    const [created]: { id: string }[] = await scope.manager.query(
      `SELECT verity_create_tenant($1, $2, $3, $4) AS id`,
      [data.slug, data.name, data.emailDomains, data.policy],
    );
    const id = created!.id;
    // the new organisation's own row, read in its own scope as every organisation's row is
    await scope.manager.query(`SELECT set_config('app.tenant_id', $1, true)`, [id]);
    const tenant = await scope.manager.getRepository(Tenant).findOneOrFail({ where: { id } });
    await scope.manager.query(`SELECT set_config('app.tenant_id', '', true)`);
    return tenant;
  },

  list(scope: OperatorScope): Promise<TenantSummary[]> {
    return directory(scope, '', []);
  },

  async findBySlug(scope: OperatorScope, slug: string): Promise<TenantSummary | null> {
    return (await directory(scope, 'WHERE slug = $1', [slug]))[0] ?? null;
  },

  async findById(scope: OperatorScope, id: string): Promise<TenantSummary | null> {
    if (!isUuid(id)) return null;
    return (await directory(scope, 'WHERE id = $1', [id]))[0] ?? null;
  },

  /** The organisation of the scope itself. */
  own(scope: TenantScope): Promise<Tenant> {
    return scope.manager.getRepository(Tenant).findOneOrFail({ where: { id: scope.tenantId } });
  },

  async savePolicy(
    scope: TenantScope,
    policy: Record<string, unknown>,
    expectedVersion: number,
  ): Promise<boolean> {
    const result = await scope.manager
      .createQueryBuilder()
      .update(Tenant)
      .set({ policy: policy as never, policyVersion: () => 'policy_version + 1' })
      .where('id = :id AND policy_version = :expectedVersion', { id: scope.tenantId, expectedVersion })
      .execute();
    return (result.affected ?? 0) === 1;
  },
};
