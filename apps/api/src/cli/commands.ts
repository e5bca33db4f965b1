import {
  ApiKeyRepository,
  DataKeyRepository,
  Tenancy,
  accounts,
  createDataSource,
  migrate,
  tenants,
} from '@verity/db';
import { KeyRing, PasswordHasher, TenantCipher } from '@verity/secrets';
import { Onboarding } from '../admin/onboarding.service.js';
import { createTenantBody } from '../admin/schemas.js';
import { API_SCOPES, type ApiScope, PORTAL_SCOPES } from '../auth/scope-names.js';
import type { Config } from '@verity/config';
import type { ApiConfig } from '../config.js';

export type CliConfig = Config<'runtime' | 'database' | 'secrets'>;
import { DEMO_PASSWORD, demoOrganisations } from './demo.js';

export type Print = (line: string) => void;

/** The same services the API uses, for one command. */
export async function services(config: CliConfig) {
  const dataSource = createDataSource({
    url: config.DATABASE_URL,
    poolSize: 4,
    applicationName: 'verity-cli',
  });
  await dataSource.initialize();
  const tenancy = new Tenancy(dataSource);
  const cipher = new TenantCipher(new KeyRing(config.MASTER_KEYS), new DataKeyRepository(tenancy));
  const hasher = new PasswordHasher({
    memoryKib: config.PASSWORD_HASH_MEMORY_KIB,
    iterations: config.PASSWORD_HASH_ITERATIONS,
    parallelism: config.PASSWORD_HASH_PARALLELISM,
  });
  return {
    tenancy,
    cipher,
    onboarding: new Onboarding(tenancy, cipher, hasher),
    apiKeys: new ApiKeyRepository(tenancy, (id) => cipher.codeKey(id)),
    hasher,
    close: () => dataSource.destroy(),
  };
}

export type Services = Awaited<ReturnType<typeof services>>;

export function runMigrations(
  config: Pick<ApiConfig, 'DATABASE_MIGRATION_URL' | 'DATABASE_URL'>,
  print: Print,
) {
  return migrate({ migrationUrl: config.DATABASE_MIGRATION_URL, appUrl: config.DATABASE_URL, log: print });
}

export interface TenantArgs {
  slug: string;
  name: string;
  domains: string[];
  adminUsername: string;
  adminName: string;
  adminEmail?: string;
}

export async function createTenant(s: Services, args: TenantArgs, print: Print) {
  const body = createTenantBody.parse({
    slug: args.slug,
    name: args.name,
    emailDomains: args.domains,
    administrator: {
      username: args.adminUsername,
      displayName: args.adminName,
      contactEmail: args.adminEmail,
    },
  });
  const { tenant, administrator, temporaryPassword } = await s.onboarding.createTenant(body);
  print(`created organisation ${tenant.slug} (${tenant.id})`);
  print(
    `local administrator ${administrator.username}, temporary password (shown once): ${temporaryPassword}`,
  );
  return tenant;
}

export async function issueApiKey(
  s: Services,
  slug: string,
  name: string,
  scopes: readonly ApiScope[],
  print: Print,
) {
  const tenant = await s.tenancy.asOperator((scope) => tenants.findBySlug(scope, slug));
  if (!tenant) throw new Error(`no organisation with slug "${slug}"`);
  const issued = await s.tenancy.run(tenant.id, (scope) => s.apiKeys.issue(scope, name, [...scopes]));
  print(`API key for ${slug} with scopes ${scopes.join(', ')} (shown once): ${issued.key}`);
  return issued.key;
}

export async function rewrapKeys(s: Services, print: Print) {
  const all = await s.tenancy.asOperator((scope) => tenants.list(scope));
  let count = 0;
  for (const t of all) count += await s.cipher.rewrap(t.id);
  print(`re-wrapped ${count} data keys across ${all.length} organisations`);
}

/** The demo portal's key: what the portal uses, and `sandbox` for its developer inbox. */
export const DEMO_PORTAL_SCOPES: readonly ApiScope[] = [...PORTAL_SCOPES, 'sandbox'];

export interface SeededOrganisation {
  slug: string;
  /** For the portal (DEMO_PORTAL_SCOPES); null when the organisation was there already. */
  portalKey: string | null;
  /** For the demo administrator's own calls (every scope); null when the organisation was there already. */
  consoleKey: string | null;
}

/** Creates the demo organisations, their staff and two keys each; running it again changes nothing. */
export async function seedDemo(s: Services, print: Print): Promise<SeededOrganisation[]> {
  const out: SeededOrganisation[] = [];
  for (const demo of demoOrganisations) {
    let tenant = await s.tenancy.asOperator((scope) => tenants.findBySlug(scope, demo.slug));
    let portalKey: string | null = null;
    let consoleKey: string | null = null;
    if (!tenant) {
      const { staff: _staff, ...organisation } = demo;
      ({ tenant } = await s.onboarding.createTenant(createTenantBody.parse(organisation)));
      const id = tenant.id;
      const issue = (name: string, scopes: readonly ApiScope[]) =>
        s.tenancy.run(id, async (scope) => (await s.apiKeys.issue(scope, name, [...scopes])).key);
      portalKey = await issue('demo portal', DEMO_PORTAL_SCOPES);
      consoleKey = await issue('demo console', API_SCOPES);
      print(`created demo organisation ${demo.name}`);
    }
    const passwordHash = await s.hasher.hash(DEMO_PASSWORD);
    await s.tenancy.run(tenant.id, async (scope) => {
      const admin = await accounts.findByUsername(scope, demo.administrator.username);
      if (admin) await accounts.setPasswordHash(scope, admin.id, passwordHash);
      for (const person of demo.staff) {
        if (await accounts.findByUsername(scope, person.username)) continue;
        const account = await s.onboarding.createAccount(scope, person, { actorType: 'system' });
        await accounts.setPasswordHash(scope, account.id, passwordHash);
      }
    });
    out.push({ slug: demo.slug, portalKey, consoleKey });
  }
  return out;
}
