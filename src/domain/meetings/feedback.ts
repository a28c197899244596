/**
 * "Jak oceniasz spotkanie?" — the day after a meeting, those who said "Będę" are asked for a rating (1–5) and an
 * optional comment; the organiser later gets the counts and the comments, never who wrote them.
 * Pure rules of time and arithmetic: the service (services/meetingFeedback.ts) stores and sends.
 */
import { toWarsawParts, warsawWallToUtc } from "./time.js";

export const RATINGS = [1, 2, 3, 4, 5] as const;
export type Rating = (typeof RATINGS)[number];

export function isRating(n: number): n is Rating {
  return Number.isInteger(n) && n >= 1 && n <= 5;
}

/** The question goes at this Warsaw hour of the day after the meeting: not at night, not over breakfast. */
export const FEEDBACK_ASK_HOUR = 10;

/**
 * A meeting whose question was due longer ago than this is never asked about: after a long outage, or when the
 * feature is first deployed, a question about a meeting weeks ago would come out of the blue.
 */
export const FEEDBACK_LATE_DAYS = 7;

/** The organiser's summary goes this long after the question, or earlier once everyone asked has rated. */
export const FEEDBACK_SUMMARY_AFTER_DAYS = 2;

/** Longest comment a resident may leave (one numbered line of the organiser's summary). */
export const FEEDBACK_COMMENT_MAX = 500;

/** Longest written summary an organiser may send to the attendees (fits one Telegram message with its header). */
export const MEETING_SUMMARY_MAX = 2000;

/** The written summary can be sent this long after the meeting: later it would come out of the blue. */
export const SUMMARY_WINDOW_DAYS = 30;

const DAY = 24 * 3600_000;

/** 10:00 Europe/Warsaw on the calendar day after the (Warsaw) day the meeting ended. */
export function feedbackAskAt(endsAt: Date): Date {
  const p = toWarsawParts(endsAt);
  // Calendar arithmetic in UTC (no zone involved), then the wall time in Warsaw, DST included.
  const next = new Date(Date.UTC(p.year, p.month - 1, p.day + 1));
  return warsawWallToUtc(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), FEEDBACK_ASK_HOUR, 0)!;
}

/** Whether a meeting's attendees are to be asked now: published, ended, its day-after 10:00 reached, and not stale. */
export function isFeedbackDue(meeting: { status: string; endsAt: Date; feedbackAskedAt: Date | null }, now: Date): boolean {
  if (meeting.status !== "published" || meeting.feedbackAskedAt !== null || meeting.endsAt > now) return false;
  const at = feedbackAskAt(meeting.endsAt);
  return now >= at && now.getTime() < at.getTime() + FEEDBACK_LATE_DAYS * DAY;
}

/**
 * The earliest end of a meeting that can still be due at `now` (a cheap filter for the database; isFeedbackDue
 * decides): the question is at most 35 hours after the end (midnight to 10:00 the next day, plus a DST hour).
 */
export function feedbackCandidatesSince(now: Date): Date {
  return new Date(now.getTime() - FEEDBACK_LATE_DAYS * DAY - 2 * DAY);
}

/**
 * Whether the organiser's summary is due: asked, not summarised, and either the wait is over or everyone asked has
 * finished (rated, and written a comment or declined to: `finished`). Only rated is not enough: the last one may be
 * typing their comment.
 */
export function isSummaryDue(
  meeting: { feedbackAskedAt: Date | null; feedbackSummaryAt: Date | null },
  counts: { asked: number; finished: number },
  now: Date,
): boolean {
  if (meeting.feedbackAskedAt === null || meeting.feedbackSummaryAt !== null) return false;
  if (now.getTime() >= meeting.feedbackAskedAt.getTime() + FEEDBACK_SUMMARY_AFTER_DAYS * DAY) return true;
  return counts.asked > 0 && counts.finished >= counts.asked;
}

export interface FeedbackStats {
  /** Ratings given. */
  count: number;
  /** Mean of the ratings, null when none. */
  average: number | null;
  /** How many of each rating: index 0 is "1", index 4 is "5". */
  distribution: [number, number, number, number, number];
}

export function feedbackStats(ratings: readonly number[]): FeedbackStats {
  const valid = ratings.filter(isRating);
  const distribution: FeedbackStats["distribution"] = [0, 0, 0, 0, 0];
  for (const r of valid) distribution[r - 1]! += 1;
  const sum = valid.reduce((s, r) => s + r, 0);
  return { count: valid.length, average: valid.length ? sum / valid.length : null, distribution };
}

/** "4,3" (pl, uk) or "4.3" (en): one decimal, as people read an average mark. */
export function formatAverage(average: number, locale: string): string {
  return new Intl.NumberFormat(locale === "en" ? "en-GB" : locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(average);
}
