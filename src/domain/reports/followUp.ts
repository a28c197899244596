import { CONFIRMED_STATUSES, type Status } from "./status.js";

/**
 * "Czy problem nadal występuje?" — asked once, some weeks after a report was confirmed on site (as FixMyStreet asks
 * whether a fixed problem stayed fixed). Residents answer yes (still there), no (gone) or unknown.
 */
export const FOLLOW_UP_ANSWERS = ["yes", "no", "unknown"] as const;
export type FollowUpAnswer = (typeof FOLLOW_UP_ANSWERS)[number];

/** One letter each in callback data (`fu:<report id>:<letter>`). */
const ANSWER_CODES: Record<FollowUpAnswer, string> = { yes: "y", no: "n", unknown: "u" };

export function answerCode(answer: FollowUpAnswer): string {
  return ANSWER_CODES[answer];
}

export function answerFromCode(code: string): FollowUpAnswer | null {
  return FOLLOW_UP_ANSWERS.find((a) => ANSWER_CODES[a] === code) ?? null;
}

const DAY = 24 * 3600_000;

/**
 * A report confirmed longer ago than this past its due day is never asked: the question would come out of the blue
 * (a deployment switching the follow-up on must not ask about every report confirmed in past years), and a
 * scheduler stopped for up to two weeks still catches up.
 */
export const FOLLOW_UP_LATE_DAYS = 14;

/** The window of verdict times whose follow-up is due at `now`: (from, to]. */
export function followUpWindow(now: Date, afterDays: number): { from: Date; to: Date } {
  const to = new Date(now.getTime() - afterDays * DAY);
  return { from: new Date(to.getTime() - FOLLOW_UP_LATE_DAYS * DAY), to };
}

/** Whether a report with this status and verdict time is due for its follow-up at `now` (if not asked yet). */
export function isFollowUpDue(report: { status: Status; verifiedAt: Date | null; mergedIntoId: number | null }, now: Date, afterDays: number): boolean {
  if (!report.verifiedAt || report.mergedIntoId !== null || !CONFIRMED_STATUSES.includes(report.status)) return false;
  const { from, to } = followUpWindow(now, afterDays);
  return report.verifiedAt > from && report.verifiedAt <= to;
}

/** What the answers of a period say: of those who knew, how many saw the problem gone. */
export interface FollowUpShare {
  answered: number;
  gone: number;
  stillThere: number;
  unknown: number;
  /** gone ÷ (gone + stillThere), null when nobody knew. */
  goneShare: number | null;
}

export function followUpShare(answers: readonly FollowUpAnswer[]): FollowUpShare {
  const gone = answers.filter((a) => a === "no").length;
  const stillThere = answers.filter((a) => a === "yes").length;
  const knew = gone + stillThere;
  return { answered: answers.length, gone, stillThere, unknown: answers.length - knew, goneShare: knew ? gone / knew : null };
}
