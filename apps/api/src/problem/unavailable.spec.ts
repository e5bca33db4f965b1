import { toProblem } from './problem.filter.js';
import { isDependencyDown } from './unavailable.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe(isDependencyDown.name, () => {
  it.each([
    ['refused', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['reset', withCode('ECONNRESET')],
    ['admin shutdown', withCode('57P01', 'terminating connection due to administrator command')],
    ['starting up', withCode('57P03', 'the database system is starting up')],
    ['a connection exception', withCode('08006')],
    ['the pool could not connect in time', new Error('timeout exceeded when trying to connect')],
    ['the server went away mid-query', new Error('Connection terminated unexpectedly')],
    [
      "TypeORM's wrapper",
      Object.assign(new Error('Query failed'), { driverError: new Error('Connection terminated') }),
    ],
    ['every address refused', new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')])],
    ['a cause', new Error('dispatch failed', { cause: withCode('ETIMEDOUT') })],
    [
      'Redis with no offline queue',
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
    ],
  ])('%s: yes', (_, error) => {
    expect(isDependencyDown(error)).toBe(true);
    expect(toProblem(error)).toMatchObject({ status: 503, code: 'unavailable' });
  });

  it.each([
    ['a unique violation', withCode('23505')],
    ['a syntax error', withCode('42601')],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
  ])('%s: no', (_, error) => {
    expect(isDependencyDown(error)).toBe(false);
    expect(toProblem(error).status).toBe(500);
  });

  it('no for what is not an error', () => {
    for (const thrown of [undefined, null, 'ECONNREFUSED', 42]) expect(isDependencyDown(thrown)).toBe(false);
  });
});
