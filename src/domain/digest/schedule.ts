/**
 * When the weekly digest goes out: a weekday (1 = Monday … 7 = Sunday) and an hour, Warsaw time, once per calendar
 * week. A digest sent later in the week still covers the last full Mon–Sun week (weeks.ts).
 */
import { warsawDateString, warsawWallToUtc, toWarsawParts } from "../meetings/time.js";
import { weekStart } from "./weeks.js";

export interface DigestSchedule {
  weekday: number;
  hour: number;
}

/** This week's send instant, and the week's key ("2026-11-30", its Monday): one digest per recipient and key. */
export function weeklyDigestSlot(now: Date, schedule: DigestSchedule): { at: Date; weekKey: string } {
  const monday = weekStart(now);
  const p = toWarsawParts(monday);
  const day = new Date(Date.UTC(p.year, p.month - 1, p.day + schedule.weekday - 1));
  // An hour that a DST change skips is sent at the first instant after the gap (warsawWallToUtc's rule).
  const at = warsawWallToUtc(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), schedule.hour, 0)!;
  return { at, weekKey: warsawDateString(monday) };
}

/** The week's key if its digest is due at `now` (its instant has come), else null. */
export function dueDigestWeek(now: Date, schedule: DigestSchedule): string | null {
  const slot = weeklyDigestSlot(now, schedule);
  return now >= slot.at ? slot.weekKey : null;
}
