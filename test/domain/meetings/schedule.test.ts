import { describe, expect, it } from "vitest";
import { dueReminders, isUpcoming, questionDigestDue, reminderKey, reminderTimes, type SchedulableMeeting } from "../../../src/domain/meetings/schedule.js";
import { toWarsawParts, warsawToUtc } from "../../../src/domain/meetings/time.js";

const H = 3_600_000;
const START = new Date("2027-01-27T17:00:00Z");
const before = (hours: number, start = START): Date => new Date(start.getTime() - hours * H);

const meeting = (over: Partial<SchedulableMeeting> = {}): SchedulableMeeting => ({
  id: 12,
  startsAt: START,
  status: "published",
  ...over,
});

const keys = (r: { sentKey: string }[]): string[] => r.map((x) => x.sentKey);

describe("reminderTimes", () => {
  it("defaults to 24 h and 2 h before, earliest first", () => {
    expect(reminderTimes(START)).toEqual([
      { key: "24h", at: before(24) },
      { key: "2h", at: before(2) },
    ]);
  });

  it("takes custom offsets, drops duplicates and names fractions in minutes", () => {
    expect(reminderTimes(START, [2, 48, 0.5, 2]).map((r) => r.key)).toEqual(["48h", "2h", "30m"]);
    expect(reminderKey(1.5)).toBe("90m");
    expect(() => reminderTimes(START, [0])).toThrow(RangeError);
    expect(() => reminderTimes(START, [-2])).toThrow(RangeError);
  });

  it("counts elapsed hours across the spring DST change", () => {
    const start = warsawToUtc("2027-03-28", "18:00"); // CEST, the day of the change
    const day = reminderTimes(start)[0]!;
    const p = toWarsawParts(day.at);
    expect([p.day, p.hour]).toEqual([27, 17]); // Saturday 17:00 CET is 24 real hours before
  });
});

describe("dueReminders", () => {
  const none = new Set<string>();

  it("sends nothing before the first reminder is due", () => {
    expect(dueReminders([meeting()], none, before(24.01))).toEqual([]);
  });

  it("sends the 24 h reminder when due, once", () => {
    const due = dueReminders([meeting()], none, before(24));
    expect(due).toEqual([{ meeting: meeting(), key: "24h", at: before(24), sentKey: "12:24h" }]);
    expect(dueReminders([meeting()], new Set(["12:24h"]), before(23))).toEqual([]);
  });

  it("sends the 2 h reminder when due, once", () => {
    const sent = new Set(["12:24h"]);
    expect(keys(dueReminders([meeting()], sent, before(2)))).toEqual(["12:2h"]);
    expect(dueReminders([meeting()], new Set(["12:24h", "12:2h"]), before(1))).toEqual([]);
  });

  it("sends an overdue 24 h reminder late while the meeting is more than 2 h away (bot was down)", () => {
    const due = dueReminders([meeting()], none, before(5));
    expect(keys(due)).toEqual(["12:24h"]);
    expect(due[0]!.at).toEqual(before(24));
  });

  it("sends only the nearest reminder when both are overdue", () => {
    expect(keys(dueReminders([meeting()], none, before(1)))).toEqual(["12:2h"]);
    // …and the missed 24 h one is not sent after the 2 h one.
    expect(dueReminders([meeting()], new Set(["12:2h"]), before(0.5))).toEqual([]);
  });

  it("sends nothing for cancelled or draft meetings", () => {
    expect(dueReminders([meeting({ status: "cancelled" })], none, before(2))).toEqual([]);
    expect(dueReminders([meeting({ status: "draft" })], none, before(2))).toEqual([]);
  });

  it("sends nothing at or after the start", () => {
    expect(dueReminders([meeting()], none, START)).toEqual([]);
    expect(dueReminders([meeting()], none, new Date(START.getTime() + H))).toEqual([]);
  });

  it("skips reminders that fell before the announcement", () => {
    const announcedLate = meeting({ announcedAt: before(5) });
    expect(dueReminders([announcedLate], none, before(4))).toEqual([]);
    expect(keys(dueReminders([announcedLate], none, before(2)))).toEqual(["12:2h"]);
    const announcedEarly = meeting({ announcedAt: before(72) });
    expect(keys(dueReminders([announcedEarly], none, before(5)))).toEqual(["12:24h"]);
  });

  it("handles several meetings, ordered by due time, with custom offsets", () => {
    const a = meeting({ id: "a", startsAt: new Date(START.getTime() + 3 * H) });
    const b = meeting({ id: "b" });
    const c = meeting({ id: "c", status: "cancelled" });
    const due = dueReminders([a, b, c], new Set(["b:24h"]), before(1), [24, 2]);
    // a is 4 h away: its overdue 24 h reminder goes out late (due earlier, so first); b is 1 h away: 2 h.
    expect(keys(due)).toEqual(["a:24h", "b:2h"]);
    expect(keys(dueReminders([b], none, before(47), [48]))).toEqual(["b:48h"]);
  });
});

describe("questionDigestDue", () => {
  it("is due from 24 h before the start until the start", () => {
    expect(questionDigestDue(START, before(24.02))).toBe(false);
    expect(questionDigestDue(START, before(24))).toBe(true);
    expect(questionDigestDue(START, before(0.01))).toBe(true);
    expect(questionDigestDue(START, START)).toBe(false);
  });
});

describe("isUpcoming", () => {
  const m = { startsAt: START, endsAt: new Date(START.getTime() + 2 * H), status: "published" as const };
  it("is true until the meeting ends, false once over or cancelled", () => {
    expect(isUpcoming(m, before(100))).toBe(true);
    expect(isUpcoming(m, new Date(START.getTime() + H))).toBe(true); // in progress
    expect(isUpcoming(m, m.endsAt)).toBe(false);
    expect(isUpcoming({ ...m, status: "cancelled" }, before(100))).toBe(false);
    expect(isUpcoming({ startsAt: START, status: "published" }, START)).toBe(false);
  });
});
