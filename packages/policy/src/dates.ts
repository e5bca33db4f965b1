// Dates in policies are UK calendar days ("This change comes in on 30th November 2023"). A rule that
// takes effect on a day takes effect at midnight UK time, which is 23:00 UTC the evening before
// during British Summer Time. The UK rule (since 1996): BST runs from 01:00 UTC on the last Sunday
// of March to 01:00 UTC on the last Sunday of October. No time-zone database is needed.

export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

function lastSundayUtc(year: number, monthIndex: number): number {
  const lastDay = new Date(Date.UTC(year, monthIndex + 1, 0));
  return Date.UTC(year, monthIndex, lastDay.getUTCDate() - lastDay.getUTCDay(), 1);
}

export function isBritishSummerTime(instantMs: number): boolean {
  const year = new Date(instantMs).getUTCFullYear();
  return instantMs >= lastSundayUtc(year, 2) && instantMs < lastSundayUtc(year, 9);
}

/** The instant a UK calendar day ("2023-11-30") begins. */
export function ukStartOfDay(isoDate: string): number {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  const utcMidnight = Date.UTC(y, m - 1, d);
  const ifSummer = utcMidnight - HOUR_MS;
  return isBritishSummerTime(ifSummer) ? ifSummer : utcMidnight;
}

/** Whole days left until an instant, rounded up: 1 on the evening before, 0 once it has passed. */
export function daysUntil(nowMs: number, targetMs: number): number {
  return targetMs <= nowMs ? 0 : Math.ceil((targetMs - nowMs) / DAY_MS);
}
