import { describe, expect, it } from "vitest";
import {
  feedbackAskAt,
  feedbackCandidatesSince,
  feedbackStats,
  FEEDBACK_LATE_DAYS,
  formatAverage,
  isFeedbackDue,
  isRating,
  isSummaryDue,
} from "../../../src/domain/meetings/feedback.js";

const DAY = 24 * 3600_000;
const meeting = (endsAt: string, over: Partial<{ status: string; feedbackAskedAt: Date | null }> = {}) => ({
  status: "published",
  feedbackAskedAt: null,
  endsAt: new Date(endsAt),
  ...over,
});

describe("when the attendees are asked how the meeting went (issue 17, item 4)", () => {
  it("asks at 10:00 Warsaw time of the day after the meeting ended, in winter and in summer", () => {
    // 18:00–20:00 CET on 27 January → 10:00 CET (09:00 UTC) on 28 January.
    expect(feedbackAskAt(new Date("2027-01-27T19:00:00Z")).toISOString()).toBe("2027-01-28T09:00:00.000Z");
    // CEST: 10:00 is 08:00 UTC.
    expect(feedbackAskAt(new Date("2027-06-15T18:00:00Z")).toISOString()).toBe("2027-06-16T08:00:00.000Z");
    // Ending at 23:30 UTC on the 15th is already the 16th in Warsaw (01:30 CEST): the day after is the 17th.
    expect(feedbackAskAt(new Date("2027-06-15T23:30:00Z")).toISOString()).toBe("2027-06-17T08:00:00.000Z");
    // Over the spring DST change (Sunday 28 March 2027) and into the next month and year.
    expect(feedbackAskAt(new Date("2027-03-27T19:00:00Z")).toISOString()).toBe("2027-03-28T08:00:00.000Z");
    expect(feedbackAskAt(new Date("2026-12-31T19:00:00Z")).toISOString()).toBe("2027-01-01T09:00:00.000Z");
  });

  it("is due from 10:00 the day after, for a week, for published meetings not asked about yet", () => {
    const m = meeting("2027-01-27T19:00:00Z");
    expect(isFeedbackDue(m, new Date("2027-01-28T08:59:59Z"))).toBe(false);
    expect(isFeedbackDue(m, new Date("2027-01-28T09:00:00Z"))).toBe(true);
    expect(isFeedbackDue(m, new Date(Date.parse("2027-01-28T09:00:00Z") + FEEDBACK_LATE_DAYS * DAY - 1))).toBe(true);
    // After a long outage (or on the first deployment) an old meeting is never asked about out of the blue.
    expect(isFeedbackDue(m, new Date(Date.parse("2027-01-28T09:00:00Z") + FEEDBACK_LATE_DAYS * DAY))).toBe(false);
    expect(isFeedbackDue({ ...m, status: "cancelled" }, new Date("2027-01-28T12:00:00Z"))).toBe(false);
    expect(isFeedbackDue({ ...m, status: "draft" }, new Date("2027-01-28T12:00:00Z"))).toBe(false);
    expect(isFeedbackDue({ ...m, feedbackAskedAt: new Date("2027-01-28T09:00:00Z") }, new Date("2027-01-28T12:00:00Z"))).toBe(false);
    // A meeting that has not ended (a multi-day one) is not asked about.
    expect(isFeedbackDue(meeting("2027-01-30T19:00:00Z"), new Date("2027-01-28T12:00:00Z"))).toBe(false);
  });

  it("never lets the database's filter drop a meeting that is still due", () => {
    const now = new Date("2027-02-03T12:00:00Z");
    // The oldest end still due: its question time is just under a week before now.
    for (let hoursAgo = 0; hoursAgo < 12 * 24; hoursAgo++) {
      const endsAt = new Date(now.getTime() - hoursAgo * 3600_000);
      if (isFeedbackDue({ status: "published", feedbackAskedAt: null, endsAt }, now)) expect(endsAt > feedbackCandidatesSince(now)).toBe(true);
    }
  });

  it("sends the organiser's summary two days after asking, or once everyone asked has finished answering", () => {
    const asked = { feedbackAskedAt: new Date("2027-01-28T09:00:00Z"), feedbackSummaryAt: null };
    const at = (iso: string) => new Date(iso);
    expect(isSummaryDue(asked, { asked: 2, finished: 1 }, at("2027-01-30T08:59:00Z"))).toBe(false);
    expect(isSummaryDue(asked, { asked: 2, finished: 1 }, at("2027-01-30T09:00:00Z"))).toBe(true);
    expect(isSummaryDue(asked, { asked: 2, finished: 2 }, at("2027-01-28T10:00:00Z"))).toBe(true);
    expect(isSummaryDue(asked, { asked: 0, finished: 0 }, at("2027-01-28T10:00:00Z"))).toBe(false);
    expect(isSummaryDue({ ...asked, feedbackSummaryAt: at("2027-01-29T00:00:00Z") }, { asked: 2, finished: 2 }, at("2027-02-01T00:00:00Z"))).toBe(false);
    expect(isSummaryDue({ feedbackAskedAt: null, feedbackSummaryAt: null }, { asked: 0, finished: 0 }, at("2027-02-01T00:00:00Z"))).toBe(false);
  });
});

describe("what the ratings say", () => {
  it("counts, averages and spreads the ratings 1–5, ignoring anything else", () => {
    expect(feedbackStats([5, 2])).toEqual({ count: 2, average: 3.5, distribution: [0, 1, 0, 0, 1] });
    expect(feedbackStats([5, 4, 4])).toEqual({ count: 3, average: 13 / 3, distribution: [0, 0, 0, 2, 1] });
    expect(feedbackStats([])).toEqual({ count: 0, average: null, distribution: [0, 0, 0, 0, 0] });
    expect(feedbackStats([0, 6, 2.5, 3])).toEqual({ count: 1, average: 3, distribution: [0, 0, 1, 0, 0] });
  });

  it("accepts only the five ratings its buttons carry", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 1.5, NaN].filter(isRating)).toEqual([1, 2, 3, 4, 5]);
  });

  it("writes the average with a decimal comma in Polish and Ukrainian", () => {
    expect(formatAverage(3.5, "pl")).toBe("3,5");
    expect(formatAverage(13 / 3, "pl")).toBe("4,3");
    expect(formatAverage(5, "pl")).toBe("5,0");
    expect(formatAverage(3.5, "uk")).toBe("3,5");
    expect(formatAverage(3.5, "en")).toBe("3.5");
  });
});
