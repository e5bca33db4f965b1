import { cases, itQuotesItsSources, security, type Source } from '../test-support/sources.js';
import { SESSION_LIMITS, STEP_UP_SECONDS, sessionLimits } from './sessions.js';

const R30 = security('AAL2 sessions: overall limit and inactivity limit enforced');
const R31 = security('require a fresh authentication with an existing factor (window ≤20 min)');

const table: { elevatedRights: boolean; absolute: number; idle: number; source: Source }[] = [
  {
    elevatedRights: false,
    absolute: 12 * 3600,
    idle: 30 * 60,
    source: security('12 h overall / 30 min inactivity'),
  },
  {
    elevatedRights: true,
    absolute: 12 * 3600,
    idle: 15 * 60,
    source: security('admin sessions 12 h / 15 min'),
  },
];

describe(sessionLimits.name, () => {
  it.each(cases(table))(
    'elevated rights $elevatedRights: $absolute s overall, $idle s idle ($from)',
    ({ elevatedRights, absolute, idle }) => {
      expect(sessionLimits({ elevatedRights })).toEqual({ absoluteSeconds: absolute, idleSeconds: idle });
    },
  );

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(SESSION_LIMITS)).toBe(true);
    expect(Object.isFrozen(SESSION_LIMITS.standard)).toBe(true);
    expect(Object.isFrozen(SESSION_LIMITS.elevated)).toBe(true);
  });

  itQuotesItsSources([R30, ...table.map((row) => row.source)]);
});

describe('STEP_UP_SECONDS', () => {
  it('is the Security info issue’s 10 minutes, within the 20 of R31', () => {
    expect(STEP_UP_SECONDS).toBe(600);
    expect(STEP_UP_SECONDS).toBeLessThanOrEqual(20 * 60);
  });

  itQuotesItsSources([R31]);
});
