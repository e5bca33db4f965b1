import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Every table-driven case names where its rule comes from: a seed document and the sentence in it,
// or (where the seeds are silent) shared/DESIGN.md or shared/reference/security.md. The quotes are
// checked word for word against the documents when they are available.

export type SeedFile =
  | '000_79374132da62cfc5.txt'
  | '001_7ab364164b39ca30.txt'
  | '002_f9397ffc2d38fb9f.txt'
  | '003_666bc4a499d5e8a3.txt'
  | '004_45c6962a3a3fcc05.txt';

export type Source =
  | { readonly seed: SeedFile; readonly says: string }
  | { readonly doc: 'DESIGN.md' | 'reference/security.md'; readonly says: string };

export const seed = (file: SeedFile, says: string): Source => ({ seed: file, says });
export const design = (says: string): Source => ({ doc: 'DESIGN.md', says });
export const security = (says: string): Source => ({ doc: 'reference/security.md', says });

export function describeSource(source: Source): string {
  return 'seed' in source ? `seeds/${source.seed}` : source.doc;
}

/** Adds `from` ("seeds/002_….txt") to each row, for test titles: it.each(cases(rows))('… ($from)'). */
export function cases<T extends { readonly source: Source }>(
  rows: readonly T[],
): (T & { readonly from: string })[] {
  return rows.map((row) => ({ ...row, from: describeSource(row.source) }));
}

// The documents are kept in the repository (docs/sources), so the check always runs.
const repositoryRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const shared = join(repositoryRoot, 'docs/sources');

function normalise(text: string): string {
  return text.replace(/[‘’]/g, "'").replace(/[“”]/g, '"').replace(/\*/g, '').replace(/\s+/g, ' ').trim();
}

const documents = new Map<string, string>();
function document(source: Source): string {
  const path = 'seed' in source ? join(shared, 'seeds', source.seed) : join(shared, source.doc);
  let text = documents.get(path);
  if (text === undefined) {
    text = normalise(readFileSync(path, 'utf8'));
    documents.set(path, text);
  }
  return text;
}

/** Adds a test asserting that every quoted sentence appears in the document it names. */
export function itQuotesItsSources(sources: readonly Source[]): void {
  it('quotes its sources word for word', () => {
    expect(existsSync(join(shared, 'seeds'))).toBe(true);
    const missing = sources.filter((s) => !document(s).includes(normalise(s.says)));
    expect(missing).toEqual([]);
  });
}
