import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../../..');

/** Needed without being imported by name. */
const ALLOWED: Record<string, string> = {
  // a peer dependency of @nestjs/common and @nestjs/core
  rxjs: '*',
  // orders the build before the browser tests' type check (they import the API's test helpers, which use it)
  '@verity/testing': '@verity/e2e',
};

function workspacePackages(): string[] {
  return ['apps', 'packages']
    .flatMap((dir) => readdirSync(join(root, dir)).map((name) => join(root, dir, name)))
    .filter((dir) => existsSync(join(dir, 'package.json')));
}

function sourceText(dir: string): string {
  let text = '';
  for (const name of readdirSync(dir)) {
    if (['node_modules', 'dist', '.turbo'].includes(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) text += sourceText(path);
    else if (/\.(c|m)?(j|t)sx?$/.test(name)) text += readFileSync(path, 'utf8');
  }
  return text;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The commands a dependency installs (its package.json `bin`), by which a script may run it. */
function commandsOf(dir: string, dep: string): string[] {
  const manifest = join(dir, 'node_modules', dep, 'package.json');
  if (!existsSync(manifest)) return [dep];
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin?: string | Record<string, string> };
  if (typeof bin === 'string') return [dep.replace(/^@[^/]+\//, '')];
  return [dep, ...Object.keys(bin ?? {})];
}

describe('dependencies', () => {
  it.each(workspacePackages().map((dir) => [dir.slice(root.length + 1), dir]))(
    '%s uses every dependency it declares',
    (_name, dir) => {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name: string;
        scripts?: Record<string, string>;
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      const code = sourceText(dir);
      const scripts = Object.values(pkg.scripts ?? {}).join('\n');
      const unused = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((dep) => {
        if (ALLOWED[dep] === '*' || ALLOWED[dep] === pkg.name) return false;
        const imported = new RegExp(`['"\`]${escape(dep.replace(/^@types\//, ''))}(/[^'"\`]*)?['"\`]`);
        const run = (command: string) => new RegExp(`(^|[\\s&|;])${escape(command)}\\s`, 'm').test(scripts);
        return !imported.test(code) && !commandsOf(dir, dep).some(run);
      });
      expect(unused).toEqual([]);
    },
  );
});
