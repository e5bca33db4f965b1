#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '@verity/config';
import { createTenant, issueApiKey, rewrapKeys, runMigrations, seedDemo, services } from './cli/commands.js';
import { DEMO_PASSWORD, demoOrganisations } from './cli/demo.js';
import { API_SCOPES, PORTAL_SCOPES, parseScopes } from './auth/scope-names.js';

const USAGE = `Usage: verity <command> [options]

  migrate                         create the database if needed, run migrations, set up the application role
  seed-demo                       create the two demo organisations and their staff (idempotent)
  create-tenant --slug S --name N --domain D [--domain D2] --admin-username U --admin-name A [--admin-email E]
                                  onboard an organisation and its first local administrator
  issue-api-key --tenant SLUG --name NAME --scopes SCOPE[,SCOPE…]
                                  issue an API key for an organisation's console or relying app, able to do
                                  only what its scopes allow: ${API_SCOPES.join(', ')}
                                  (the portal's key: ${PORTAL_SCOPES.join(',')})
  rewrap-keys                     after putting a new master key first in MASTER_KEYS, re-wrap every data key`;

const print = (line: string) => console.log(line);

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      slug: { type: 'string' },
      name: { type: 'string' },
      domain: { type: 'string', multiple: true },
      'admin-username': { type: 'string' },
      'admin-name': { type: 'string' },
      'admin-email': { type: 'string' },
      tenant: { type: 'string' },
      scopes: { type: 'string' },
    },
    strict: true,
  });
  if (command === 'migrate') {
    await runMigrations(loadConfig(['database']), print);
    return 0;
  }
  if (!['seed-demo', 'create-tenant', 'issue-api-key', 'rewrap-keys'].includes(command ?? '')) {
    console.error(USAGE);
    return command ? 2 : 0;
  }
  const s = await services(loadConfig(['runtime', 'database', 'secrets']));
  try {
    if (command === 'seed-demo') {
      const seeded = await seedDemo(s, print);
      for (const org of demoOrganisations) {
        print(
          `${org.name}: administrator ${org.administrator.username}, staff ${org.staff.map((p) => p.username).join(', ')}`,
        );
      }
      print(`demo password for every demo account: "${DEMO_PASSWORD}"`);
      // scripts/verity.mjs reads these lines: the portal's key for the portal, the console key for people's curls
      for (const { slug, portalKey, consoleKey } of seeded) {
        if (portalKey) print(`Portal key for ${slug} (shown once): ${portalKey}`);
        if (consoleKey) print(`Console key for ${slug} (shown once): ${consoleKey}`);
      }
    } else if (command === 'create-tenant') {
      const need = ['slug', 'name', 'admin-username', 'admin-name'] as const;
      const missing = need.filter((k) => !values[k]);
      if (missing.length > 0 || !values.domain)
        throw new Error(`missing --${[...missing, ...(values.domain ? [] : ['domain'])].join(', --')}`);
      await createTenant(
        s,
        {
          slug: values.slug!,
          name: values.name!,
          domains: values.domain,
          adminUsername: values['admin-username']!,
          adminName: values['admin-name']!,
          adminEmail: values['admin-email'],
        },
        print,
      );
    } else if (command === 'issue-api-key') {
      if (!values.tenant || !values.name || !values.scopes)
        throw new Error('missing --tenant, --name or --scopes');
      await issueApiKey(s, values.tenant, values.name, parseScopes(values.scopes), print);
    } else {
      await rewrapKeys(s, print);
    }
    return 0;
  } finally {
    await s.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const issues = (error as { issues?: { path: unknown[]; message: string }[] }).issues;
    if (error instanceof ConfigError) console.error(error.message);
    else if (issues) for (const i of issues) console.error(`${i.path.join('.')}: ${i.message}`);
    else console.error(`verity: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
