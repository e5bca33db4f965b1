import { Tenant } from '../entities/index.js';
import type { OperatorScope, TenantScope } from '../tenancy.js';
import { isUuid } from '../tenancy.js';

export interface NewTenant {
  slug: string;
  name: string;
  emailDomains: string[];
  policy: Record<string, unknown>;
}

export const tenants = {
  create(scope: OperatorScope, data: NewTenant): Promise<Tenant> {
    const repo = scope.manager.getRepository(Tenant);
    return repo.save(repo.create({ ...data, status: 'active', policyVersion: 1 }));
  },

  list(scope: OperatorScope): Promise<Tenant[]> {
    return scope.manager.getRepository(Tenant).find({ order: { slug: 'ASC' } });
  },

  findBySlug(scope: OperatorScope, slug: string): Promise<Tenant | null> {
    return scope.manager.getRepository(Tenant).findOne({ where: { slug } });
  },

  async findById(scope: OperatorScope, id: string): Promise<Tenant | null> {
    if (!isUuid(id)) return null;
    return scope.manager.getRepository(Tenant).findOne({ where: { id } });
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
