/**
 * What the weekly digest of a district (or a coordinator's area) says, as plain data: counts against the weeks
 * before, overdue reports, places where reports cluster, when problems happen, follow-up answers and a 12-week
 * series for the chart. Pure: the caller passes the reports and `now`; rendering is someone else's.
 */
import { toWarsawParts } from "../meetings/time.js";
import { followUpShare, type FollowUpShare } from "../reports/followUp.js";
import { CONFIRMED_STATUSES, type Status } from "../reports/status.js";
import { DAY_SETS, TIMES_OF_DAY, type DaySet, type TimeOfDay } from "../reports/timing.js";
import { findClusters, type Cluster } from "./clusters.js";
import { streetOf } from "./streets.js";
import { chartWeeks, PREVIOUS_WEEKS, weekIndex, type DigestWeek } from "./weeks.js";

export interface DigestReport {
  id: number;
  ref: string;
  categoryCode: string;
  status: Status;
  createdAt: Date;
  firstReviewedAt: Date | null;
  verifiedAt: Date | null;
  lat: number;
  lon: number;
  address: string;
  timesOfDay: TimeOfDay[];
  days: DaySet[];
  mergedIntoId: number | null;
}

export interface DigestFollowUp {
  reportId: number;
  ref: string;
  answer: "yes" | "no" | "unknown";
  answeredAt: Date;
}

export interface DigestInput {
  now: Date;
  /**
   * The district's (or area's) reports created in the last 12 weeks, plus every report still open (new or
   * verification) whatever its age. Merged duplicates may be included: they never count.
   */
  reports: readonly DigestReport[];
  /** A new report is overdue this many days after it was made (at exactly that time included). */
  newDeadlineDays: number;
  /** A report in verification is overdue this many days after it was first reviewed. */
  verificationDeadlineDays: number;
  cluster?: { radiusM: number; minReports: number };
  followUps?: readonly DigestFollowUp[];
}

export type Trend = "up" | "down" | "same" | "new";

export interface CategoryCount {
  code: string;
  thisWeek: number;
  /** Mean reports per week over the 4 weeks before the digest's week. */
  previousAverage: number;
  /** thisWeek − previousAverage, rounded to 1 decimal (halves away from zero). */
  change: number;
  /** "new": none in the 4 weeks before; otherwise the sign of the change. */
  trend: Trend;
}

export interface OverdueReport {
  ref: string;
  /** createdAt (review) or firstReviewedAt (verification): where the deadline counts from. */
  since: Date;
  /** Whole days (24 h) from `since` to `now`. */
  days: number;
}

export interface DigestCluster extends Cluster {
  /** Refs of its reports, in the order of `ids`. */
  refs: string[];
  /** How many of its reports were made in the digest's week (the rest in the 4 weeks before). */
  thisWeek: number;
}

/** The follow-up's answers (domain/reports/followUp.ts): of those who knew, how many saw the problem gone. */
export type FollowUpCounts = FollowUpShare;

export interface WeeklyCount {
  /** Its Monday, "3.11". */
  label: string;
  from: Date;
  /** Reports made that week by category code (categories with none are absent). */
  counts: Record<string, number>;
}

export interface DigestFacts {
  week: { from: Date; to: Date };
  /** Every category with a report in the week or the 4 before: thisWeek descending, then code. */
  byCategory: CategoryCount[];
  totals: { thisWeek: number; previousAverage: number; change: number };
  /** Reports whose verdict (verifiedAt) fell in the week and whose status is a confirmed one. */
  confirmedThisWeek: number;
  /** Reports whose verdict fell in the week and whose status is not_confirmed. */
  notConfirmedThisWeek: number;
  /** As at `now`, oldest first. */
  overdue: { review: OverdueReport[]; verification: OverdueReport[] };
  /** Over the week's and the 4 previous weeks' reports: one week alone has too few points. */
  clusters: DigestCluster[];
  /** The week's reports by each time of day / set of days they name (a report counts once per value). */
  timesOfDay: Record<TimeOfDay, number>;
  days: Record<DaySet, number>;
  /** The week's reports by Warsaw hour of creation, 0–23. */
  createdHours: number[];
  /** The week's reports by Warsaw weekday of creation, Monday first. */
  createdWeekdays: number[];
  /** "Yes, still there" answers given in the week, oldest first. */
  recurring: { ref: string; answeredAt: Date }[];
  /** Answers given in the 12 weeks of the chart. */
  followUpShare: FollowUpCounts;
  /** 12 weeks, oldest first, the last being the digest's week. */
  weeklySeries: WeeklyCount[];
}

const DAY_MS = 24 * 3600_000;
const HOUR_MS = 3600_000;

/** Rounded to 1 decimal, halves away from zero (so +1.75 and −1.75 read 1.8 and −1.8). */
function round1(x: number): number {
  return (Math.sign(x) * Math.round(Math.abs(x) * 10)) / 10;
}

function trendOf(thisWeek: number, previousAverage: number): Trend {
  if (previousAverage === 0) return thisWeek > 0 ? "new" : "same";
  return thisWeek > previousAverage ? "up" : thisWeek < previousAverage ? "down" : "same";
}

export function computeDigest(input: DigestInput): DigestFacts {
  const { now } = input;
  const weeks = chartWeeks(now);
  const last = weeks.length - 1;
  const week: DigestWeek = weeks[last]!;
  /** Index of the first of the previous weeks in `weeks`. */
  const firstPrevious = last - PREVIOUS_WEEKS;
  const inWeek = (d: Date | null): boolean => d !== null && d >= week.from && d < week.to;

  const reports = input.reports.filter((r) => r.mergedIntoId === null);

  // Each report's week among the 12 (or -1): looked up once, used by every count below.
  const series: WeeklyCount[] = weeks.map((w) => ({ label: w.label, from: w.from, counts: {} }));
  const thisWeekReports: DigestReport[] = [];
  const fiveWeekReports: { report: DigestReport; thisWeek: boolean }[] = [];
  for (const r of reports) {
    const i = weekIndex(r.createdAt, weeks);
    if (i < 0) continue;
    const counts = series[i]!.counts;
    counts[r.categoryCode] = (counts[r.categoryCode] ?? 0) + 1;
    if (i >= firstPrevious) fiveWeekReports.push({ report: r, thisWeek: i === last });
    if (i === last) thisWeekReports.push(r);
  }

  // Categories against the mean of the 4 weeks before.
  const codes = new Set<string>();
  for (let i = firstPrevious; i <= last; i++) for (const code of Object.keys(series[i]!.counts)) codes.add(code);
  const byCategory: CategoryCount[] = [...codes].map((code) => {
    const thisWeek = series[last]!.counts[code] ?? 0;
    let previous = 0;
    for (let i = firstPrevious; i < last; i++) previous += series[i]!.counts[code] ?? 0;
    const previousAverage = previous / PREVIOUS_WEEKS;
    return { code, thisWeek, previousAverage, change: round1(thisWeek - previousAverage), trend: trendOf(thisWeek, previousAverage) };
  });
  byCategory.sort((a, b) => b.thisWeek - a.thisWeek || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  const totalThis = thisWeekReports.length;
  const totalPrevious = fiveWeekReports.length - totalThis;
  const totalAverage = totalPrevious / PREVIOUS_WEEKS;

  // Verdicts given in the week (whenever the report was made).
  let confirmedThisWeek = 0;
  let notConfirmedThisWeek = 0;
  for (const r of reports) {
    if (!inWeek(r.verifiedAt)) continue;
    if (CONFIRMED_STATUSES.includes(r.status)) confirmedThisWeek++;
    else if (r.status === "not_confirmed") notConfirmedThisWeek++;
  }

  // Overdue as at now. At exactly the deadline a report is overdue, as the staff reminders count it.
  const review: OverdueReport[] = [];
  const verification: OverdueReport[] = [];
  const addIfOverdue = (list: OverdueReport[], ref: string, since: Date, deadlineDays: number): void => {
    const elapsed = now.getTime() - since.getTime();
    if (elapsed >= deadlineDays * DAY_MS) list.push({ ref, since, days: Math.floor(elapsed / DAY_MS) });
  };
  for (const r of reports) {
    if (r.status === "new") addIfOverdue(review, r.ref, r.createdAt, input.newDeadlineDays);
    // A report in verification always has firstReviewedAt; createdAt only guards data imported without it.
    else if (r.status === "verification") addIfOverdue(verification, r.ref, r.firstReviewedAt ?? r.createdAt, input.verificationDeadlineDays);
  }
  const oldestFirst = (a: OverdueReport, b: OverdueReport) => a.since.getTime() - b.since.getTime() || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0);
  review.sort(oldestFirst);
  verification.sort(oldestFirst);

  // Clusters over five weeks.
  const byId = new Map(fiveWeekReports.map((f) => [f.report.id, f]));
  const clusters: DigestCluster[] = findClusters(
    fiveWeekReports.map(({ report: r }) => ({ id: r.id, lat: r.lat, lon: r.lon, street: streetOf(r.address) })),
    input.cluster ?? {},
  ).map((c) => ({
    ...c,
    refs: c.ids.map((id) => byId.get(id)!.report.ref),
    thisWeek: c.ids.filter((id) => byId.get(id)!.thisWeek).length,
  }));

  // When: what residents said, and when they reported.
  const timesOfDay = Object.fromEntries(TIMES_OF_DAY.map((t) => [t, 0])) as Record<TimeOfDay, number>;
  const days = Object.fromEntries(DAY_SETS.map((d) => [d, 0])) as Record<DaySet, number>;
  const createdHours = new Array<number>(24).fill(0);
  const createdWeekdays = new Array<number>(7).fill(0);
  // Warsaw's offset is whole hours, so one UTC hour is one Warsaw hour: Intl runs at most 169 times a week.
  const partsByHour = new Map<number, { hour: number; weekday: number }>();
  for (const r of thisWeekReports) {
    for (const t of new Set(r.timesOfDay)) if (t in timesOfDay) timesOfDay[t]++;
    for (const d of new Set(r.days)) if (d in days) days[d]++;
    const utcHour = Math.floor(r.createdAt.getTime() / HOUR_MS);
    let parts = partsByHour.get(utcHour);
    if (!parts) {
      const p = toWarsawParts(r.createdAt);
      parts = { hour: p.hour, weekday: p.weekday };
      partsByHour.set(utcHour, parts);
    }
    createdHours[parts.hour]!++;
    createdWeekdays[parts.weekday]!++;
  }

  // Follow-up answers.
  const chartFrom = weeks[0]!.from;
  const followUps = input.followUps ?? [];
  const recurring = followUps
    .filter((f) => f.answer === "yes" && inWeek(f.answeredAt))
    .map((f) => ({ ref: f.ref, answeredAt: f.answeredAt }))
    .sort((a, b) => a.answeredAt.getTime() - b.answeredAt.getTime() || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
  const answers = followUps.filter((f) => f.answeredAt >= chartFrom && f.answeredAt < week.to);
  const followUps12Weeks: FollowUpCounts = followUpShare(answers.map((f) => f.answer));

  return {
    week: { from: week.from, to: week.to },
    byCategory,
    totals: { thisWeek: totalThis, previousAverage: totalAverage, change: round1(totalThis - totalAverage) },
    confirmedThisWeek,
    notConfirmedThisWeek,
    overdue: { review, verification },
    clusters,
    timesOfDay,
    days,
    createdHours,
    createdWeekdays,
    recurring,
    followUpShare: followUps12Weeks,
    weeklySeries: series,
  };
}
