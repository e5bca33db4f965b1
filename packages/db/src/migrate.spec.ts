import { databaseWarnings } from './migrate.js';

describe('databaseWarnings', () => {
  const settings = (autovacuum: string) => async () => [{ autovacuum }];

  it('warns when autovacuum is off, naming it and what to do', async () => {
    const [warning, ...more] = await databaseWarnings(settings('off'));
    expect(more).toEqual([]);
    expect(warning).toMatch(/autovacuum off/);
    expect(warning).toMatch(/ANALYZE/);
  });

  it('says nothing when autovacuum is on', async () => {
    expect(await databaseWarnings(settings('on'))).toEqual([]);
  });
});
