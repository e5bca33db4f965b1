import type { DataSource, EntityManager } from 'typeorm';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** The SQL functions `Tenancy.call` may run (each sets the organisation itself; see migrations 004 and 007). */
export type TenantFunction =
  | 'verity_claim_deliveries'
  | 'verity_deliveries_sent'
  | 'verity_sign_in_account'
  | 'verity_sign_in_started'
  | 'verity_sign_in_context'
  | 'verity_challenge_created'
  | 'verity_answer_accepted';

/** A transaction bound to one organisation. Only `Tenancy.run` makes one. */
export interface TenantScope {
  readonly tenantId: string;
  readonly manager: EntityManager;
}

/**
 * A transaction in which the operator may list and create organisations (and see nothing inside them), through
 * the owner's functions in `tenants`: no variable the runtime role can set widens what it sees.
 */
export interface OperatorScope {
  readonly operator: true;
  readonly manager: EntityManager;
}

/**
 * The only way to reach tenant data. Every transaction sets `app.tenant_id`, which the database's
 * row-level security compares with each row's `tenant_id`, so a query that forgets its filter still
 * sees only this organisation.
 */
export class Tenancy {
  constructor(readonly dataSource: DataSource) {}

  run<T>(tenantId: string, work: (scope: TenantScope) => Promise<T>): Promise<T> {
    if (!isUuid(tenantId)) return Promise.reject(new Error('a tenant scope needs an organisation id'));
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
      return work({ tenantId, manager });
    });
  }

  /**
   * One call of a batch SQL function in a single round trip, outside any transaction (`DataSource.query` takes a
   * pooled connection for the one statement): the worker's hot path. The function's first argument holds each
   * row's organisation, and the function sets `app.tenant_id` to it before touching that row, so row-level
   * security holds as in `run`.
   */
  async call<T>(fn: TenantFunction, tenantIds: string[], ...columns: unknown[][]): Promise<T[]> {
    if (!tenantIds.every(isUuid)) throw new Error('a tenant scope needs an organisation id');
    const placeholders = columns.map((_, i) => `$${i + 2}`).join(', ');
    return this.dataSource.query<T[]>(`SELECT * FROM ${fn}($1, ${placeholders})`, [tenantIds, ...columns]);
  }

  /** One call of a single-organisation SQL function (its first argument), in one round trip: its one value. */
  async callOne<T>(fn: TenantFunction, tenantId: string, ...args: unknown[]): Promise<T> {
    if (!isUuid(tenantId)) throw new Error('a tenant scope needs an organisation id');
    const placeholders = args.map((_, i) => `$${i + 2}`).join(', ');
    const rows = await this.dataSource.query<{ value: T }[]>(`SELECT ${fn}($1, ${placeholders}) AS value`, [
      tenantId,
      ...args,
    ]);
    return rows[0]!.value;
  }

  asOperator<T>(work: (scope: OperatorScope) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((manager) => work({ operator: true, manager }));
  }

  /** Routes a username's domain to its organisation; the one cross-organisation read staff can trigger. */
  async tenantForDomain(domain: string): Promise<string | null> {
    return this.lookup('verity_tenant_for_domain', domain.toLowerCase());
  }

  async tenantForSlug(slug: string): Promise<string | null> {
    return this.lookup('verity_tenant_for_slug', slug);
  }

  async tenantForApiKey(prefix: string): Promise<string | null> {
    return this.lookup('verity_tenant_for_api_key', prefix);
  }

  private async lookup(fn: string, arg: string): Promise<string | null> {
    const rows: { id: string | null }[] = await this.dataSource.query(`SELECT ${fn}($1) AS id`, [arg]);
    return rows[0]?.id ?? null;
  }
}
