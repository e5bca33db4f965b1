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
        const command = new RegExp(`(^|[\\s&|;])${escape(dep)}\\s`, 'm');
        return !imported.test(code) && !command.test(scripts);
      });
      expect(unused).toEqual([]);
    },
  );
});
