import { loadConfig } from '@verity/config';
import { accounts, tenants } from '@verity/db';
import { API_SCOPES } from '../auth/scope-names.js';
import {
  DEMO_PORTAL_SCOPES,
  createTenant,
  issueApiKey,
  seedDemo,
  services,
  type Services,
} from './commands.js';
import { DEMO_PASSWORD, demoOrganisations } from './demo.js';

describe('the command line', () => {
  let s: Services;
  const lines: string[] = [];
  const print = (line: string) => lines.push(line);
  beforeAll(async () => {
    s = await services(loadConfig(['runtime', 'database', 'secrets']));
  });
  afterAll(() => s.close());

  it('seeds the two demo organisations, and a second run changes nothing', async () => {
    const first = await seedDemo(s, print);
    for (const seeded of first) {
      // the portal's key can do only what the portal does; the console key, everything
      expect((await s.apiKeys.authenticate(seeded.portalKey!))?.scopes).toEqual([...DEMO_PORTAL_SCOPES]);
      expect((await s.apiKeys.authenticate(seeded.consoleKey!))?.scopes).toEqual([...API_SCOPES]);
    }
    const count = async () => {
      const all = await s.tenancy.asOperator((scope) => tenants.list(scope));
      const demo = all.filter((t) => demoOrganisations.some((d) => d.slug === t.slug));
      let people = 0;
      for (const t of demo)
        people += (await s.tenancy.run(t.id, (scope) => accounts.list(scope, { limit: 100, offset: 0 })))[1];
      return { organisations: demo.length, people };
    };
    const before = await count();
    expect(before).toEqual({
      organisations: 2,
      people: demoOrganisations.reduce((n, d) => n + d.staff.length + 1, 0),
    });
    const second = await seedDemo(s, print);
    expect(second.every((o) => o.portalKey === null && o.consoleKey === null)).toBe(true);
    expect(await count()).toEqual(before);
  });

  it('gives demo staff the demo password, and makes administrators elevated', async () => {
    const org = demoOrganisations[0]!;
    const tenant = await s.tenancy.asOperator((scope) => tenants.findBySlug(scope, org.slug));
    await s.tenancy.run(tenant!.id, async (scope) => {
      const admin = await accounts.findByUsername(scope, org.administrator.username);
      expect(admin?.elevated).toBe(true);
      expect(await s.hasher.verify(admin!.passwordHash!, DEMO_PASSWORD)).toBe(true);
      const nurse = await accounts.findByUsername(scope, org.staff[0]!.username);
      expect(nurse?.elevated).toBe(false);
      expect(await s.hasher.verify(nurse!.passwordHash!, 'wrong password entirely')).toBe(false);
    });
  });

  it('creates an organisation and refuses bad arguments with the field named', async () => {
    const slug = `cli-${Date.now().toString(36)}`;
    const tenant = await createTenant(
      s,
      {
        slug,
        name: 'CLI Test NHS Trust',
        domains: [`${slug}.nhs.uk`],
        adminUsername: `la@${slug}.nhs.uk`,
        adminName: 'LA',
      },
      print,
    );
    expect(tenant.slug).toBe(slug);
    expect(lines.some((l) => l.includes('temporary password'))).toBe(true);
    const key = await issueApiKey(s, slug, 'service desk', ['people', 'audit'], print);
    expect((await s.apiKeys.authenticate(key))?.scopes).toEqual(['people', 'audit']);
    expect(lines.at(-1)).toMatch(/^API key for cli-\S+ with scopes people, audit \(shown once\): vty_/);
    await expect(
      createTenant(
        s,
        { slug: 'Bad Slug', name: 'X Trust', domains: [], adminUsername: 'nope', adminName: 'A' },
        print,
      ),
    ).rejects.toMatchObject({
      issues: expect.arrayContaining([expect.objectContaining({ path: ['slug'] })]),
    });
  });
});
