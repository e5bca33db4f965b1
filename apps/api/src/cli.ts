#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '@verity/config';
import { createTenant, issueApiKey, rewrapKeys, runMigrations, seedDemo, services } from './cli/commands.js';
import { DEMO_PASSWORD, demoOrganisations } from './cli/demo.js';

const USAGE = `Usage: verity <command> [options]

  migrate                         create the database if needed, run migrations, set up the application role
  seed-demo                       create the two demo organisations and their staff (idempotent)
  create-tenant --slug S --name N --domain D [--domain D2] --admin-username U --admin-name A [--admin-email E]
                                  onboard an organisation and its first local administrator
  issue-api-key --tenant SLUG --name NAME
                                  issue an API key for an organisation's console or relying app
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
      for (const { slug, apiKey } of seeded) if (apiKey) print(`API key for ${slug} (shown once): ${apiKey}`);
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
      if (!values.tenant || !values.name) throw new Error('missing --tenant or --name');
      await issueApiKey(s, values.tenant, values.name, print);
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
