import { randomBytes } from 'node:crypto';
import { loadConfig } from '@verity/config';
import { DataKeyRepository, Tenancy, createDataSource, tenants, type Tenant } from '@verity/db';
import { KeyRing, TenantCipher } from '@verity/secrets';

/** The application's own connection (RLS applies), as the API and worker have it. */
export async function connectAsApp(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(['database', 'secrets'], env);
  const dataSource = createDataSource({
    url: config.DATABASE_URL,
    poolSize: 4,
    applicationName: 'verity-test',
  });
  await dataSource.initialize();
  const tenancy = new Tenancy(dataSource);
  const cipher = new TenantCipher(new KeyRing(config.MASTER_KEYS), new DataKeyRepository(tenancy));
  return { dataSource, tenancy, cipher, close: () => dataSource.destroy() };
}

export function uniqueSlug(base: string): string {
  return `${base}-${randomBytes(4).toString('hex')}`;
}

export async function createTenant(tenancy: Tenancy, cipher: TenantCipher, base = 'trust'): Promise<Tenant> {
  const slug = uniqueSlug(base);
  const tenant = await tenancy.asOperator((scope) =>
    tenants.create(scope, { slug, name: `${slug} NHS Trust`, emailDomains: [`${slug}.nhs.uk`], policy: {} }),
  );
  await cipher.provision(tenant.id);
  return tenant;
}
