import { readFileSync } from 'node:fs';
import { chooseLanguage, strings, t, useLanguage } from '../public/strings.js';
import { MAP, locate } from '../public/map.js';

const read = (name: string) => readFileSync(new URL(`../public/${name}`, import.meta.url), 'utf8');

describe('the app’s strings (public/strings.js)', () => {
  const keys = new Set(Object.keys(strings.en));

  it('has every key the page and the code use', () => {
    const used = new Set<string>();
    for (const [, key] of read('index.html').matchAll(/data-i18n="([^"]+)"/g)) used.add(key!);
    for (const file of ['app.js', 'push-rules.js'])
      for (const [, key] of read(file).matchAll(/\bt\('([^']+)'/g)) used.add(key!);
    for (const outcome of ['approved', 'denied', 'wrong_number', 'fraud'])
      used.add(`outcome_${outcome}`).add(`outcomeDetail_${outcome}`);
    for (const reason of ['empty', 'unsupported', 'incomplete', 'secret', 'settings'])
      used.add(`link_${reason}`);
    expect(used.size).toBeGreaterThan(30);
    expect([...used].filter((key) => !keys.has(key))).toEqual([]);
  });

  it('is Welsh ready: the same keys in cy, English until translated', () => {
    expect(Object.keys(strings.cy).sort()).toEqual([...keys].sort());
    expect(chooseLanguage(['cy-GB', 'en-GB'])).toBe('en');
    expect(chooseLanguage(['fr-FR'])).toBe('en');
  });

  it('fills in placeholders', () => {
    useLanguage('en');
    expect(t('numberHint', { digits: 2 })).toBe('Type the 2 digit number shown on the sign-in screen.');
    expect(t('linkLabel')).toBe('Activation link');
    expect(t('numberLabel')).toBe('Enter the number shown to sign in');
  });

  it('keeps user-facing text out of the HTML: it is filled in from strings.js', () => {
    const body = read('index.html').split('<body>')[1]!.split('<noscript>')[0]!;
    const text = body.replace(/<[^>]+>/g, ' ').trim();
    expect(text).toBe('');
  });
});

describe('the service worker (public/sw.js)', () => {
  it('keeps every module the page loads, so the app starts offline', () => {
    const shell = new Set([...read('sw.js').matchAll(/^ {2}'(\/[^']*)',$/gm)].map(([, path]) => path));
    const modules = new Set(['/app.js']);
    for (const module of modules)
      for (const [, name] of read(module.slice(1)).matchAll(/\bfrom '\.\/([^']+)'/g)) modules.add(`/${name}`);
    expect(modules.size).toBeGreaterThan(8);
    expect([...modules].filter((path) => !shell.has(path))).toEqual([]);
  });
});

describe('the request map (public/map.js)', () => {
  const [, , width, height] = MAP.viewBox.split(' ').map(Number);
  const inside = (spot: { x: number; y: number } | null) =>
    spot !== null && spot.x > 0 && spot.x < width! && spot.y > 0 && spot.y < height!;

  it('puts a town as a dot, a nation or the UK as a wider circle, and nothing outside the UK', () => {
    const leeds = locate('Leeds, England, United Kingdom');
    const london = locate('London, England, United Kingdom');
    expect(leeds).toMatchObject({ radius: 4 });
    expect(inside(leeds) && inside(london)).toBe(true);
    expect(london!.y).toBeGreaterThan(leeds!.y); // south is down
    expect(london!.x).toBeGreaterThan(leeds!.x); // east is right
    expect(locate('Scotland, United Kingdom')).toMatchObject({ radius: 18 });
    expect(locate('Somewhere, Wales, United Kingdom')).toMatchObject({ radius: 18 });
    expect(locate('United Kingdom')).toMatchObject({ radius: 40 });
    expect(locate('Paris, Île-de-France, France')).toBeNull();
    expect(locate(null)).toBeNull();
  });

  it('draws outlines within the view box', () => {
    const numbers = MAP.greatBritain.match(/-?\d+(\.\d+)?/g)!.map(Number);
    expect(Math.min(...numbers)).toBeGreaterThan(0);
    expect(Math.max(...numbers)).toBeLessThan(height!);
  });
});
