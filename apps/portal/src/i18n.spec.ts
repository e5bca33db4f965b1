import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { translator } from './i18n.js';
import { cy } from './locales/cy.js';
import { en } from './locales/en.js';
import { portalDirectory } from './views.js';

/** Every file under a folder, with its path. */
function filesOf(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' }).map((file) => path.join(folder, file));
}

/**
 * The keys the views and the code ask for: `t('a.b')`, `visit.t("a.b")`; a key made up at run time
 * (`t('method.' ~ m.type)`, `` t(`method.${type}`) ``) as its fixed beginning, ending in a dot.
 */
function keysAsked(): { key: string; where: string; prefix: boolean }[] {
  const sources = [
    ...filesOf(path.join(portalDirectory, 'views')).filter((f) => f.endsWith('.njk')),
    ...filesOf(path.join(portalDirectory, 'src')).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts')),
  ];
  return sources.flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/\bt\(\s*(?:(['"])([^'"]+)\1\s*(~|\+)?|`([^`$]*)\$\{)/g)].map(
      ([, , quoted, joined, templated]) => ({
        key: quoted ?? templated ?? '',
        where: path.relative(portalDirectory, file),
        prefix: Boolean(joined) || templated !== undefined,
      }),
    ),
  );
}

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map(([, name]) => name).sort();

describe('the translation layer', () => {
  const keys = Object.keys(en);

  it('is asked only for keys the English catalogue has', () => {
    const asked = keysAsked();
    expect(asked.length).toBeGreaterThan(50);
    const missing = asked.filter(({ key, prefix }) =>
      prefix ? !keys.some((k) => k.startsWith(key)) : !keys.includes(key),
    );
    expect(missing).toEqual([]);
  });

  it('has no Welsh key that English lacks, and the same placeholders in each', () => {
    for (const [key, welsh] of Object.entries(cy)) {
      expect(keys).toContain(key);
      expect({ key, placeholders: placeholders(welsh) }).toEqual({
        key,
        placeholders: placeholders(en[key as keyof typeof en]),
      });
    }
  });

  it('gives the Welsh where there is one, and English where there is not yet', () => {
    const welsh = translator('cy');
    expect(welsh('signIn.title')).toBe('Mewngofnodi');
    expect(welsh('signIn.username')).toBe('Username');
    expect(welsh('verify.remember', { days: 14 })).toBe("Don't ask again for 14 days");
  });
});
