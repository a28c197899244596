import { describe, expect, it } from "vitest";
import { computeDigest, type DigestFollowUp, type DigestInput, type DigestReport } from "../../../src/domain/digest/digest.js";
import { METRES_PER_DEGREE } from "../../../src/domain/geo/measure.js";
import { warsawWallToUtc } from "../../../src/domain/meetings/time.js";

const DAY = 24 * 3600_000;
/** Warsaw wall time in 2026. */
const w = (month: number, day: number, hour = 12, minute = 0) => warsawWallToUtc(2026, month, day, hour, minute)!;
const ms = (d: Date, delta: number) => new Date(d.getTime() + delta);

// Monday 9 November 2026, 08:00 CET: the digest covers Mon 2 – Sun 8 November.
const NOW = w(11, 9, 8, 0);
const WEEK_FROM = w(11, 2, 0, 0);
const WEEK_TO = w(11, 9, 0, 0);

// Near ul. Wapienna: metres north/east as a position. Every other report sits alone, 550 m from the next, 10 km west.
const near = (northM: number, eastM: number) => ({
  lat: 49.8168 + northM / METRES_PER_DEGREE,
  lon: 19.0425 + eastM / (METRES_PER_DEGREE * Math.cos((49.8168 * Math.PI) / 180)),
});

const ref = (id: number) => `KMZB-2026-${String(id).padStart(6, "0")}`;
/**
 * A report; by default a "joke or mistake" dismissed at first review, so it counts among the week's reports (as
 * the police's statistics count every report) but never as a verdict or an overdue one.
 */
function report(id: number, categoryCode: string, createdAt: Date, extra: Partial<DigestReport> = {}): DigestReport {
  return {
    id,
    ref: ref(id),
    categoryCode,
    status: "joke",
    createdAt,
    firstReviewedAt: createdAt,
    verifiedAt: null,
    lat: 49.7 + id * 0.005,
    lon: 18.9,
    address: `ul. Polna ${id}, Bielsko-Biała`,
    timesOfDay: [],
    days: [],
    mergedIntoId: null,
    ...extra,
  };
}

const REPORTS: DigestReport[] = [
  // The digest's week: 7 reports.
  report(1, "parking", w(11, 3, 18, 30), { ...near(0, 0), address: "ul. Wapienna 45, Bielsko-Biała", timesOfDay: ["evening", "night"], days: ["workdays"] }),
  report(2, "parking", w(11, 7, 22, 10), { ...near(30, 10), address: "Wapienna 47, 43-300 Bielsko-Biała", timesOfDay: ["evening"], days: ["weekend"] }),
  report(3, "parking", WEEK_FROM, { timesOfDay: ["unknown"], days: ["unknown"] }),
  // New, made exactly 3 days before now (overdue) and a millisecond later (not yet).
  report(4, "alcohol", ms(NOW, -3 * DAY), { status: "new", firstReviewedAt: null, timesOfDay: ["night", "night"], days: ["weekend", "weekend"] }),
  report(5, "alcohol", ms(NOW, -3 * DAY + 1), { status: "new", firstReviewedAt: null }),
  report(6, "speeding", w(11, 8, 23, 59)),
  report(7, "begging", w(11, 4, 12, 0)),
  // A duplicate merged into report 1: counts nowhere, though confirmed in the week, at the cluster, with timings.
  report(8, "parking", w(11, 5, 9, 0), {
    ...near(0, 5),
    mergedIntoId: 1,
    status: "confirmed",
    verifiedAt: w(11, 5, 10),
    timesOfDay: ["afternoon"],
    days: ["everyday"],
  }),
  // Made this Monday morning, after the week: not in it.
  report(9, "parking", w(11, 9, 7, 30), { status: "new", firstReviewedAt: null }),

  // Week of 26 October.
  report(10, "parking", ms(WEEK_FROM, -1)),
  report(11, "speeding", w(10, 27, 9), { status: "confirmed", verifiedAt: WEEK_TO }), // verdict just after the week
  report(12, "begging", w(10, 28, 12)),
  // Week of 19 October (169 hours: the clocks went back on the 25th).
  report(13, "parking", w(10, 20, 10), { ...near(-20, 40), address: "ul. Sternicza 2, Bielsko-Biała", timesOfDay: ["morning"] }),
  report(14, "speeding", w(10, 25, 2, 30)),
  report(15, "begging", w(10, 20, 12), { status: "confirmed", verifiedAt: WEEK_FROM }), // verdict at the week's first instant
  // Week of 12 October.
  report(16, "vandalism", w(10, 12, 0, 0)),
  report(17, "vandalism", w(10, 14), { status: "confirmed", verifiedAt: w(10, 30) }), // confirmed before the week
  report(18, "vandalism", w(10, 16), { status: "not_confirmed", verifiedAt: w(11, 6) }),
  report(19, "vandalism", w(10, 18, 23), { status: "joke", verifiedAt: w(11, 6) }),
  report(20, "speeding", w(10, 13)),
  report(21, "begging", w(10, 13), { status: "confirmed_eliminated", verifiedAt: w(11, 5) }),
  // Week of 5 October.
  report(22, "speeding", w(10, 6, 9), { status: "confirmed", verifiedAt: w(11, 3, 10) }),
  report(23, "speeding", w(10, 7, 9)),
  report(24, "begging", w(10, 5, 12)),
  // Week of 28 September: in the chart, not in the comparison nor the clusters (though at the cluster's place).
  report(25, "stray_dogs", w(10, 1), { ...near(10, 10), address: "ul. Wapienna 40" }),
  // Before the chart's first week (17 August).
  report(26, "parking", w(8, 10)),

  // Still open, whatever their age.
  report(27, "parking", ms(NOW, -100 * DAY), { status: "new", firstReviewedAt: null }),
  report(28, "parking", ms(NOW, -50 * DAY), { status: "new", firstReviewedAt: null, mergedIntoId: 27 }),
  report(29, "speeding", w(6, 1), { status: "verification", firstReviewedAt: ms(NOW, -5 * DAY) }),
  report(30, "speeding", w(6, 1), { status: "verification", firstReviewedAt: ms(NOW, -5 * DAY + 1) }),
  report(31, "speeding", w(6, 1), { status: "verification", firstReviewedAt: ms(NOW, -30.5 * DAY) }),
];

const FOLLOW_UPS: DigestFollowUp[] = [
  { reportId: 40, ref: ref(40), answer: "yes", answeredAt: w(11, 4, 10) },
  { reportId: 41, ref: ref(41), answer: "yes", answeredAt: w(11, 3, 10) },
  { reportId: 42, ref: ref(42), answer: "yes", answeredAt: w(10, 20) }, // before the week: in the share only
  { reportId: 43, ref: ref(43), answer: "no", answeredAt: w(11, 5) },
  { reportId: 44, ref: ref(44), answer: "no", answeredAt: w(9, 1) },
  { reportId: 45, ref: ref(45), answer: "unknown", answeredAt: w(10, 1) },
  { reportId: 46, ref: ref(46), answer: "yes", answeredAt: w(8, 1) }, // before the 12 weeks
  { reportId: 47, ref: ref(47), answer: "yes", answeredAt: w(11, 9, 7, 30) }, // after the week
];

const INPUT: DigestInput = { now: NOW, reports: REPORTS, newDeadlineDays: 3, verificationDeadlineDays: 5, followUps: FOLLOW_UPS };

describe("the district digest's facts (issue 17)", () => {
  const facts = computeDigest(INPUT);

  it("covers Monday to Sunday of the week before the Monday it is sent", () => {
    expect(facts.week).toEqual({ from: WEEK_FROM, to: WEEK_TO });
    expect(facts.week).toEqual({ from: new Date("2026-11-01T23:00:00Z"), to: new Date("2026-11-08T23:00:00Z") });
  });

  it("counts the week's reports by category against the mean of the four weeks before", () => {
    expect(facts.byCategory).toEqual([
      // 3 this week (one at its first instant); 1 + 1 in the four before (one at the last instant before).
      { code: "parking", thisWeek: 3, previousAverage: 0.5, change: 2.5, trend: "up" },
      { code: "alcohol", thisWeek: 2, previousAverage: 0, change: 2, trend: "new" },
      { code: "begging", thisWeek: 1, previousAverage: 1, change: 0, trend: "same" },
      // 1 − (1 + 1 + 1 + 2) / 4 = −0.25, which rounds away from zero.
      { code: "speeding", thisWeek: 1, previousAverage: 1.25, change: -0.3, trend: "down" },
      { code: "vandalism", thisWeek: 0, previousAverage: 1, change: -1, trend: "down" },
    ]);
    // stray_dogs (five weeks back) is not compared; merged report 8, Monday's report 9, August's 26 count nowhere.
    expect(facts.totals).toEqual({ thisWeek: 7, previousAverage: 3.75, change: 3.3 });
  });

  it("counts verdicts given in the week, whenever the report was made", () => {
    // 22 (confirmed), 21 (eliminated), 15 (confirmed at the week's first instant); not 17 (before), 11 (at its end), 8 (merged).
    expect(facts.confirmedThisWeek).toBe(3);
    // 18; not 19 (a joke, though decided in the week).
    expect(facts.notConfirmedThisWeek).toBe(1);
  });

  it("lists overdue reports as at now, oldest first, overdue from exactly the deadline", () => {
    expect(facts.overdue).toEqual({
      review: [
        { ref: ref(27), since: ms(NOW, -100 * DAY), days: 100 },
        { ref: ref(4), since: ms(NOW, -3 * DAY), days: 3 },
      ],
      verification: [
        { ref: ref(31), since: ms(NOW, -30.5 * DAY), days: 30 },
        { ref: ref(29), since: ms(NOW, -5 * DAY), days: 5 },
      ],
    });
  });

  it("finds clusters over five weeks, with their streets, refs and how many are the week's", () => {
    expect(facts.clusters).toHaveLength(1);
    const [c] = facts.clusters;
    expect(c).toMatchObject({
      count: 3,
      ids: [1, 2, 13],
      refs: [ref(1), ref(2), ref(13)],
      thisWeek: 2,
      radiusM: 75,
      streets: [
        { street: "ul. Wapienna", count: 2 },
        { street: "ul. Sternicza", count: 1 },
      ],
    });
    const centre = near(10 / 3, 50 / 3);
    expect(c!.lat).toBeCloseTo(centre.lat, 9);
    expect(c!.lon).toBeCloseTo(centre.lon, 9);
    expect(computeDigest({ ...INPUT, cluster: { radiusM: 150, minReports: 4 } }).clusters).toEqual([]);
    // 1 and 2 are 32 m apart; 13 is 45 m from 1 and 58 m from 2.
    expect(computeDigest({ ...INPUT, cluster: { radiusM: 40, minReports: 2 } }).clusters.map((k) => k.ids)).toEqual([[1, 2]]);
  });

  it("counts when the week's problems happen, once per report and value", () => {
    expect(facts.timesOfDay).toEqual({ morning: 0, afternoon: 0, evening: 2, night: 2, unknown: 1 });
    expect(facts.days).toEqual({ workdays: 1, weekend: 2, everyday: 0, unknown: 1 });
  });

  it("counts when the week's reports were made, Warsaw time, Monday first", () => {
    const hours = new Array<number>(24).fill(0);
    // 1: Tue 18:30, 2: Sat 22:10, 3: Mon 00:00, 4 and 5: Fri 08:00, 6: Sun 23:59, 7: Wed 12:00.
    Object.assign(hours, { 0: 1, 8: 2, 12: 1, 18: 1, 22: 1, 23: 1 });
    expect(facts.createdHours).toEqual(hours);
    expect(facts.createdWeekdays).toEqual([1, 1, 1, 0, 2, 1, 1]);
  });

  it("lists 'still there' answers of the week and the share of answers over 12 weeks", () => {
    expect(facts.recurring).toEqual([
      { ref: ref(41), answeredAt: w(11, 3, 10) },
      { ref: ref(40), answeredAt: w(11, 4, 10) },
    ]);
    expect(facts.followUpShare).toEqual({ answered: 6, gone: 2, stillThere: 3, unknown: 1, goneShare: 0.4 });
  });

  it("gives 12 weeks of counts by category for the chart, oldest first", () => {
    expect(facts.weeklySeries.map((s) => s.label)).toEqual([
      "17.08",
      "24.08",
      "31.08",
      "7.09",
      "14.09",
      "21.09",
      "28.09",
      "5.10",
      "12.10",
      "19.10",
      "26.10",
      "2.11",
    ]);
    expect(facts.weeklySeries[0]!.from).toEqual(w(8, 17, 0, 0));
    expect(facts.weeklySeries[11]!.from).toEqual(WEEK_FROM);
    expect(facts.weeklySeries.map((s) => s.counts)).toEqual([
      {},
      {},
      {},
      {},
      {},
      {},
      { stray_dogs: 1 },
      { speeding: 2, begging: 1 },
      { vandalism: 4, speeding: 1, begging: 1 },
      { parking: 1, speeding: 1, begging: 1 },
      { parking: 1, speeding: 1, begging: 1 },
      { parking: 3, alcohol: 2, speeding: 1, begging: 1 },
    ]);
  });

  it("does not depend on the order of the reports", () => {
    expect(computeDigest({ ...INPUT, reports: [...REPORTS].reverse(), followUps: [...FOLLOW_UPS].reverse() })).toEqual(facts);
  });

  it("says nothing happened when nothing did", () => {
    const empty = computeDigest({ now: NOW, reports: [], newDeadlineDays: 3, verificationDeadlineDays: 5 });
    expect(empty).toMatchObject({
      byCategory: [],
      totals: { thisWeek: 0, previousAverage: 0, change: 0 },
      confirmedThisWeek: 0,
      notConfirmedThisWeek: 0,
      overdue: { review: [], verification: [] },
      clusters: [],
      timesOfDay: { morning: 0, afternoon: 0, evening: 0, night: 0, unknown: 0 },
      days: { workdays: 0, weekend: 0, everyday: 0, unknown: 0 },
      createdHours: new Array(24).fill(0),
      createdWeekdays: new Array(7).fill(0),
      recurring: [],
      followUpShare: { answered: 0, gone: 0, stillThere: 0, unknown: 0, goneShare: null },
    });
    expect(empty.weeklySeries).toHaveLength(12);
  });
});
