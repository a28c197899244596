import { describe, expect, it } from "vitest";
import { dueDigestWeek, weeklyDigestSlot } from "../../../src/domain/digest/schedule.js";

describe("when the weekly digest goes out (issue 17)", () => {
  it("is the week's weekday and hour in Warsaw, keyed by the week's Monday", () => {
    // Monday 30 November 2026 (CET, UTC+1), 8:00.
    expect(weeklyDigestSlot(new Date("2026-12-02T12:00:00Z"), { weekday: 1, hour: 8 })).toEqual({
      at: new Date("2026-11-30T07:00:00Z"),
      weekKey: "2026-11-30",
    });
    expect(weeklyDigestSlot(new Date("2026-12-02T12:00:00Z"), { weekday: 7, hour: 18 }).at).toEqual(new Date("2026-12-06T17:00:00Z"));
    // Summer time (CEST, UTC+2): Monday 6 July 2026.
    expect(weeklyDigestSlot(new Date("2026-07-08T00:00:00Z"), { weekday: 1, hour: 8 }).at).toEqual(new Date("2026-07-06T06:00:00Z"));
    // The week of the change to summer time (Sunday 29 March 2026): Monday is still winter time, Sunday summer.
    expect(weeklyDigestSlot(new Date("2026-03-25T00:00:00Z"), { weekday: 1, hour: 8 }).at).toEqual(new Date("2026-03-23T07:00:00Z"));
    expect(weeklyDigestSlot(new Date("2026-03-25T00:00:00Z"), { weekday: 7, hour: 8 }).at).toEqual(new Date("2026-03-29T06:00:00Z"));
  });

  it("is due from its instant until the week ends", () => {
    const schedule = { weekday: 1, hour: 8 };
    expect(dueDigestWeek(new Date("2026-11-30T06:59:59Z"), schedule)).toBeNull();
    expect(dueDigestWeek(new Date("2026-11-30T07:00:00Z"), schedule)).toBe("2026-11-30");
    expect(dueDigestWeek(new Date("2026-12-06T22:59:00Z"), schedule)).toBe("2026-11-30");
    // Monday 00:00 Warsaw: a new week, not due before 8:00.
    expect(dueDigestWeek(new Date("2026-12-06T23:00:00Z"), schedule)).toBeNull();
    // A Friday digest is not due on Thursday.
    expect(dueDigestWeek(new Date("2026-12-03T12:00:00Z"), { weekday: 5, hour: 8 })).toBeNull();
  });
});
