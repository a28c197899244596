/**
 * The digest's weeks: Monday 00:00 to Monday 00:00 in Europe/Warsaw, as a Polish wall calendar has them.
 * Boundaries are computed on the calendar and converted to instants one by one, so a week holding a DST change
 * is 167 or 169 hours long instead of shifting every boundary after it by an hour.
 */
import { toWarsawParts, warsawWallToUtc } from "../meetings/time.js";

/** A week of the digest: [from, to), both Monday 00:00 Warsaw time. `label`: its Monday, "3.11". */
export interface DigestWeek {
  from: Date;
  to: Date;
  label: string;
}

/** Weeks before the digest's own that its averages compare with. */
export const PREVIOUS_WEEKS = 4;
/** Weeks in the chart, the digest's own the last. */
export const CHART_WEEKS = 12;

interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

/** The calendar date `days` after a date (UTC arithmetic on the calendar only: no time zone involved). */
function addDays(date: CalendarDate, days: number): CalendarDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Midnight in Warsaw never falls in a DST gap (changes happen at 02:00/03:00), so this never fails. */
function warsawMidnight(date: CalendarDate): Date {
  return warsawWallToUtc(date.year, date.month, date.day, 0, 0)!;
}

/** The Monday (Warsaw calendar) of the week holding an instant. */
function mondayOf(instant: Date): CalendarDate {
  const p = toWarsawParts(instant);
  return addDays(p, -p.weekday);
}

/** "3.11": day and month of a date, Polish style — no leading zero on the day, two-digit month. */
function labelOf(date: CalendarDate): string {
  return `${date.day}.${String(date.month).padStart(2, "0")}`;
}

/** The label of the week starting at an instant (a Monday 00:00 Warsaw): "3.11". */
export function weekLabel(monday: Date): string {
  return labelOf(toWarsawParts(monday));
}

/** The last Monday 00:00 Warsaw time at or before `now`: where the digest's week ends. */
export function weekStart(now: Date): Date {
  return warsawMidnight(mondayOf(now));
}

/**
 * `count` consecutive weeks, oldest first, the last ending at the last Monday 00:00 at or before `now`
 * (a digest sent on Monday 8:00 ends with Mon–Sun of the week before).
 */
export function weeksBefore(now: Date, count: number): DigestWeek[] {
  const end = mondayOf(now);
  const weeks: DigestWeek[] = [];
  for (let i = count; i >= 1; i--) {
    const monday = addDays(end, -7 * i);
    weeks.push({ from: warsawMidnight(monday), to: warsawMidnight(addDays(monday, 7)), label: labelOf(monday) });
  }
  return weeks;
}

/** The digest's week: the 7 days ending at the last Monday 00:00 Warsaw time at or before `now`. */
export function digestWeek(now: Date): DigestWeek {
  return weeksBefore(now, 1)[0]!;
}

/** The weeks before the digest's week (4 by default), oldest first. */
export function previousWeeks(now: Date, count = PREVIOUS_WEEKS): DigestWeek[] {
  return weeksBefore(now, count + 1).slice(0, count);
}

/** The chart's weeks (12 by default), oldest first, the last being the digest's week. */
export function chartWeeks(now: Date, count = CHART_WEEKS): DigestWeek[] {
  return weeksBefore(now, count);
}

/** Index of the week holding an instant in consecutive weeks sorted oldest first, or -1 outside them all. */
export function weekIndex(instant: Date, weeks: readonly DigestWeek[]): number {
  const t = instant.getTime();
  let lo = 0;
  let hi = weeks.length - 1;
  // Binary search: the digest looks up every report of twelve weeks.
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const w = weeks[mid]!;
    if (t < w.from.getTime()) hi = mid - 1;
    else if (t >= w.to.getTime()) lo = mid + 1;
    else return mid;
  }
  return -1;
}
