import { daysUntil, isBritishSummerTime, ukStartOfDay } from './dates.js';

describe('UK calendar days', () => {
  const starts: { day: string; instant: string }[] = [
    { day: '2023-11-30', instant: '2023-11-30T00:00:00.000Z' }, // GMT
    { day: '2024-07-01', instant: '2024-06-30T23:00:00.000Z' }, // BST
    { day: '2024-03-31', instant: '2024-03-31T00:00:00.000Z' }, // clocks go forward at 01:00 UTC that day
    { day: '2024-04-01', instant: '2024-03-31T23:00:00.000Z' },
    { day: '2024-10-27', instant: '2024-10-26T23:00:00.000Z' }, // clocks go back at 01:00 UTC that day
    { day: '2024-10-28', instant: '2024-10-28T00:00:00.000Z' },
  ];

  it.each(starts)('$day begins at $instant', ({ day, instant }) => {
    expect(new Date(ukStartOfDay(day)).toISOString()).toBe(instant);
  });

  it('knows British Summer Time', () => {
    expect(isBritishSummerTime(Date.parse('2024-03-31T00:59:59Z'))).toBe(false);
    expect(isBritishSummerTime(Date.parse('2024-03-31T01:00:00Z'))).toBe(true);
    expect(isBritishSummerTime(Date.parse('2024-10-27T00:59:59Z'))).toBe(true);
    expect(isBritishSummerTime(Date.parse('2024-10-27T01:00:00Z'))).toBe(false);
  });

  it('counts days left rounding up, and 0 once passed', () => {
    const target = ukStartOfDay('2023-11-30');
    expect(daysUntil(Date.parse('2023-11-29T23:59:00Z'), target)).toBe(1);
    expect(daysUntil(Date.parse('2023-11-20T09:00:00Z'), target)).toBe(10);
    expect(daysUntil(target, target)).toBe(0);
    expect(daysUntil(target + 1, target)).toBe(0);
  });
});
