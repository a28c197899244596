import { describe, expect, it } from "vitest";
import { chartWeeks, digestWeek, previousWeeks, weekIndex, weekLabel, weekStart } from "../../../src/domain/digest/weeks.js";
import { toWarsawParts } from "../../../src/domain/meetings/time.js";

const HOUR = 3600_000;
const utc = (iso: string) => new Date(iso);

describe("the digest's weeks (Europe/Warsaw, issue 17)", () => {
  it("ends at the last Monday 00:00 Warsaw time: a digest sent on Monday 8:00 covers Mon–Sun of the week before", () => {
    // Monday 9 November 2026, 08:00 CET.
    expect(digestWeek(utc("2026-11-09T07:00:00Z"))).toEqual({ from: utc("2026-11-01T23:00:00Z"), to: utc("2026-11-08T23:00:00Z"), label: "2.11" });
    // Monday 00:00 Warsaw exactly is "at or before": the week just ended.
    expect(digestWeek(utc("2026-11-08T23:00:00Z")).to).toEqual(utc("2026-11-08T23:00:00Z"));
    // A millisecond earlier it is still Sunday in Warsaw (and already Sunday 23:00 UTC, still Sunday either way).
    expect(digestWeek(utc("2026-11-08T22:59:59.999Z"))).toEqual({ from: utc("2026-10-25T23:00:00Z"), to: utc("2026-11-01T23:00:00Z"), label: "26.10" });
    // Sunday 23:30 UTC is Monday 00:30 in Warsaw: the Warsaw calendar decides, not UTC's.
    expect(weekStart(utc("2026-11-08T23:30:00Z"))).toEqual(utc("2026-11-08T23:00:00Z"));
    // Midweek: the week before the current one.
    expect(digestWeek(utc("2026-11-12T15:00:00Z")).from).toEqual(utc("2026-11-01T23:00:00Z"));
  });

  it("keeps Monday midnight across the last Sunday of March: that week is 167 hours", () => {
    // Monday 30 March 2026, 08:00 CEST; clocks went forward on Sunday 29 March.
    const week = digestWeek(utc("2026-03-30T06:00:00Z"));
    expect(week).toEqual({ from: utc("2026-03-22T23:00:00Z"), to: utc("2026-03-29T22:00:00Z"), label: "23.03" });
    expect((week.to.getTime() - week.from.getTime()) / HOUR).toBe(167);
    // The next week is a plain 168 h from CEST midnight to CEST midnight.
    const next = digestWeek(utc("2026-04-06T06:00:00Z"));
    expect(next).toEqual({ from: utc("2026-03-29T22:00:00Z"), to: utc("2026-04-05T22:00:00Z"), label: "30.03" });
  });

  it("keeps Monday midnight across the last Sunday of October: that week is 169 hours", () => {
    // Monday 26 October 2026, 08:00 CET; clocks went back on Sunday 25 October.
    const week = digestWeek(utc("2026-10-26T07:00:00Z"));
    expect(week).toEqual({ from: utc("2026-10-18T22:00:00Z"), to: utc("2026-10-25T23:00:00Z"), label: "19.10" });
    expect((week.to.getTime() - week.from.getTime()) / HOUR).toBe(169);
  });

  it("gives the four weeks before, oldest first, ending where the digest's week starts", () => {
    const now = utc("2026-11-09T07:00:00Z");
    const before = previousWeeks(now);
    expect(before.map((w) => w.label)).toEqual(["5.10", "12.10", "19.10", "26.10"]);
    expect(before[3]!.to).toEqual(digestWeek(now).from);
    expect(before[0]!.from).toEqual(utc("2026-10-04T22:00:00Z"));
  });

  it("gives 12 contiguous chart weeks, each from a Warsaw Monday 00:00, labelled by its Monday", () => {
    const now = utc("2026-11-09T07:00:00Z");
    const weeks = chartWeeks(now);
    expect(weeks.map((w) => w.label)).toEqual(["17.08", "24.08", "31.08", "7.09", "14.09", "21.09", "28.09", "5.10", "12.10", "19.10", "26.10", "2.11"]);
    expect(weeks[11]).toEqual(digestWeek(now));
    for (let i = 0; i < weeks.length; i++) {
      const w = weeks[i]!;
      expect(toWarsawParts(w.from), w.label).toMatchObject({ weekday: 0, hour: 0, minute: 0 });
      expect(weekLabel(w.from)).toBe(w.label);
      if (i > 0) expect(w.from, w.label).toEqual(weeks[i - 1]!.to);
    }
    // Across the spring change too, from a Monday in April.
    const spring = chartWeeks(utc("2026-04-13T06:00:00Z"));
    expect(spring.map((w) => (w.to.getTime() - w.from.getTime()) / HOUR)).toEqual([168, 168, 168, 168, 168, 168, 168, 168, 168, 167, 168, 168]);
    expect(spring[9]!.label).toBe("23.03");
  });

  it("finds the week of an instant: [from, to), -1 outside", () => {
    const weeks = chartWeeks(utc("2026-11-09T07:00:00Z"));
    expect(weekIndex(weeks[0]!.from, weeks)).toBe(0);
    expect(weekIndex(new Date(weeks[0]!.from.getTime() - 1), weeks)).toBe(-1);
    expect(weekIndex(weeks[5]!.to, weeks)).toBe(6);
    expect(weekIndex(new Date(weeks[5]!.to.getTime() - 1), weeks)).toBe(5);
    expect(weekIndex(new Date(weeks[11]!.to.getTime() - 1), weeks)).toBe(11);
    expect(weekIndex(weeks[11]!.to, weeks)).toBe(-1);
  });
});
