#!/usr/bin/env node
// The two commands of the README: `npm start` and `npm test`. Needs only Node.js and npm;
// pnpm, the dependencies, Postgres and Redis are found, installed or started from here.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ensureChromiumInstalled,
  ensureOpenLdapInstalled,
  ensureServices,
  stopServices,
} from './services.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stateDir = path.join(root, '.verity');
const PNPM_VERSION = '10.34.9';
const log = (line) => console.log(`[verity] ${line}`);

function pnpm() {
  const global = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  if (global.status === 0 && global.stdout.trim() === PNPM_VERSION)
    return execFileSync('sh', ['-c', 'command -v pnpm'], { encoding: 'utf8' }).trim();
  const local = path.join(root, '.tools/node_modules/.bin/pnpm');
  if (!existsSync(local)) {
    log(`installing pnpm ${PNPM_VERSION} into .tools/`);
    execFileSync(
      'npm',
      ['install', '--prefix', path.join(root, '.tools'), '--no-audit', '--no-fund', `pnpm@${PNPM_VERSION}`],
      {
        stdio: 'inherit',
      },
    );
  }
  return local;
}

function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0)
    throw Object.assign(new Error(`${path.basename(command)} ${args.join(' ')} failed`), {
      exitCode: result.status ?? 1,
    });
}

function install() {
  const pm = pnpm();
  // turbo and every script it starts find pnpm on the PATH, so the one in .tools/ must be there too
  const PATH = [path.dirname(pm), path.join(root, 'node_modules/.bin'), process.env.PATH]
    .filter((part) => part && part !== '.')
    .join(path.delimiter);
  const env = { ...process.env, PATH, TURBO_TELEMETRY_DISABLED: '1', COREPACK_ENABLE_STRICT: '0' };
  run(pm, ['install', '--frozen-lockfile'], env);
  // a task's output only when it fails: a newcomer sees what matters
  run(pm, ['run', 'build', '--output-logs=errors-only'], env);
  return { pm, env };
}

/** Development keys, made once and kept in .verity/dev.env (never used in production). */
function devSecrets() {
  const file = path.join(stateDir, 'dev.env');
  mkdirSync(stateDir, { recursive: true });
  if (!existsSync(file)) {
    writeFileSync(
      file,
      `MASTER_KEYS=dev1:${randomBytes(32).toString('base64')}\nOPERATOR_API_KEY=${randomBytes(32).toString('base64url')}\nPORTAL_COOKIE_SECRET=${randomBytes(32).toString('base64url')}\n`,
      { mode: 0o600 },
    );
  }
  // made before the portal existed: add its cookie key
  if (!readFileSync(file, 'utf8').includes('PORTAL_COOKIE_SECRET='))
    appendFileSync(file, `PORTAL_COOKIE_SECRET=${randomBytes(32).toString('base64url')}\n`);
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

async function waitUntilReady(url, seconds) {
  for (let i = 0; i < seconds * 4; i += 1) {
    try {
      if ((await fetch(url)).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

async function start(check) {
  const { env: buildEnv } = install();
  // variables already set in the environment win over the development keys
  const env = { ...devSecrets(), ...buildEnv, ...(await ensureServices(root, log)) };
  const cli = path.join(root, 'apps/api/dist/cli.js');
  run(process.execPath, [cli, 'migrate'], env);
  const seeded = spawnSync(process.execPath, [cli, 'seed-demo'], { cwd: root, env, encoding: 'utf8' });
  if (seeded.status !== 0) throw new Error(`demo seed failed:\n${seeded.stderr}`);
  const keysFile = path.join(stateDir, 'demo-keys.txt');
  const newKeys = seeded.stdout.split('\n').filter((l) => /^(Portal|Console) key for /.test(l));
  if (newKeys.length > 0) writeFileSync(keysFile, `${newKeys.join('\n')}\n`, { mode: 0o600 });

  const port = env.API_PORT ?? '3000';
  const base = `http://127.0.0.1:${port}`;
  // the portal serves each demo organisation with the key made for it, which can do only what the portal does
  // ("Portal key for <slug> (shown once): <key>"; "API key for" in files written before keys had scopes)
  const organisations = Object.fromEntries(
    (existsSync(keysFile) ? readFileSync(keysFile, 'utf8') : '')
      .split('\n')
      .map((line) => /^(?:Portal|API) key for (\S+) \(shown once\): (\S+)$/.exec(line))
      .filter(Boolean)
      .map((m) => [m[1], m[2]]),
  );
  // the demo administrator's own key (every scope), for trying the organisation's API by hand
  const consoleKey = /^Console key for \S+ \(shown once\): (\S+)$/m.exec(
    existsSync(keysFile) ? readFileSync(keysFile, 'utf8') : '',
  )?.[1];
  const portalPort = env.PORTAL_PORT ?? '3200';
  const authenticatorPort = env.AUTHENTICATOR_PORT ?? '3100';
  const portalEnv = {
    ...env,
    PORTAL_PORT: portalPort,
    VERITY_API_URL: base,
    PORTAL_ORGANISATIONS: env.PORTAL_ORGANISATIONS ?? JSON.stringify(organisations),
    PORTAL_DEV_INBOX: env.PORTAL_DEV_INBOX ?? 'true',
  };
  const children = [
    spawn(process.execPath, [path.join(root, 'apps/api/dist/main.js')], {
      cwd: root,
      env: { ...env, API_PORT: port },
      stdio: ['ignore', 'inherit', 'inherit'],
    }),
    spawn(process.execPath, [path.join(root, 'apps/worker/dist/main.js')], {
      cwd: root,
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    }),
    spawn(process.execPath, [path.join(root, 'apps/portal/dist/main.js')], {
      cwd: root,
      env: portalEnv,
      stdio: ['ignore', 'inherit', 'inherit'],
    }),
    spawn(process.execPath, [path.join(root, 'apps/authenticator/dist/main.js')], {
      cwd: root,
      env: { ...env, VERITY_API_URL: base, AUTHENTICATOR_PORT: authenticatorPort },
      stdio: ['ignore', 'inherit', 'inherit'],
    }),
  ];
  const stopAll = async (code) => {
    children.forEach((c) => c.exitCode === null && c.kill('SIGTERM'));
    await Promise.all(
      children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)),
    );
    await stopServices();
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  for (const child of children) child.on('exit', (code) => code && void stopAll(code));

  if (!(await waitUntilReady(`${base}/health/ready`, 60))) {
    console.error(`[verity] the API did not become ready at ${base}/health/ready`);
    await stopAll(1);
  }
  console.log(`
Verity is running.
  Portal         ${
    Object.keys(organisations)
      .map((slug) => `http://localhost:${portalPort}/${slug}/sign-in`)
      .join('\n                 ') ||
    '(no key for the demo organisations here: another checkout made them with other development keys; set PORTAL_ORGANISATIONS, or drop the verity database to start afresh)'
  }
  Authenticator  http://localhost:${authenticatorPort}   (the reference app: paste an activation link)
  API            ${base}
  OpenAPI        ${base}/docs
  Health         ${base}/health/ready
  Metrics        ${base}/metrics
  Operator key   ${env.OPERATOR_API_KEY}   (Authorization: Bearer …, for /admin)

${seeded.stdout
  .split('\n')
  .filter((l) => l && !/^(Portal|Console) key for /.test(l))
  .join('\n')}
${existsSync(keysFile) ? readFileSync(keysFile, 'utf8').trim() : ''}
Try: curl -H "Authorization: Bearer ${env.OPERATOR_API_KEY}" ${base}/admin/tenants${
    consoleKey ? `\n     curl -H "Authorization: Bearer ${consoleKey}" ${base}/v1/accounts` : ''
  }
Press Ctrl-C to stop.`);
  if (check) await stopAll(0);
}

async function test() {
  const { pm, env: buildEnv } = install();
  run(pm, ['run', 'typecheck'], buildEnv);
  run(pm, ['run', 'lint'], buildEnv);
  // the OpenAPI document, written from the built API, against Redocly's rules (apps/api/redocly.yaml)
  run(pm, ['--filter', '@verity/api', 'run', 'openapi:lint'], {
    ...buildEnv,
    REDOCLY_TELEMETRY: 'off',
    REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
  });
  ensureOpenLdapInstalled(log);
  ensureChromiumInstalled(log);
  const env = { ...buildEnv, ...(await ensureServices(root, log)) };
  mkdirSync(stateDir, { recursive: true });
  const results = path.join(stateDir, 'jest-results.json');
  rmSync(results, { force: true });
  const jest = spawnSync(
    process.execPath,
    [
      '--experimental-vm-modules',
      path.join(root, 'node_modules/jest/bin/jest.js'),
      '--ci',
      '--json',
      `--outputFile=${results}`,
      ...process.argv.slice(3),
    ],
    { cwd: root, stdio: 'inherit', env: { ...env, NODE_NO_WARNINGS: '1' } },
  );
  await stopServices();
  const summary = existsSync(results) ? JSON.parse(readFileSync(results, 'utf8')) : null;
  if (summary)
    console.log(
      `${summary.numPassedTests} passed, ${summary.numFailedTests + summary.numRuntimeErrorTestSuites} failed`,
    );
  process.exit(jest.status ?? 1);
}

const command = process.argv[2];
try {
  if (command === 'start') await start(process.argv.includes('--check'));
  else if (command === 'test') await test();
  else {
    console.error('usage: node scripts/verity.mjs start [--check] | test [jest arguments]');
    process.exit(2);
  }
} catch (error) {
  console.error(`[verity] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(error?.exitCode ?? 1);
}
