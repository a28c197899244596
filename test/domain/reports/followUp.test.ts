import { describe, expect, it } from "vitest";
import { answerCode, answerFromCode, FOLLOW_UP_ANSWERS, FOLLOW_UP_LATE_DAYS, followUpShare, isFollowUpDue } from "../../../src/domain/reports/followUp.js";

const DAY = 24 * 3600_000;
const NOW = new Date("2026-11-30T08:00:00Z");
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);

describe("the follow-up's rule (issue 17, item 3)", () => {
  it("is due from the day the wait is over, for two weeks, for the three confirmed statuses only", () => {
    const report = (status: string, verifiedDaysAgo: number | null, mergedIntoId: number | null = null) =>
      ({ status, verifiedAt: verifiedDaysAgo === null ? null : ago(verifiedDaysAgo), mergedIntoId }) as Parameters<typeof isFollowUpDue>[0];
    expect(isFollowUpDue(report("confirmed", 27.9), NOW, 28)).toBe(false);
    expect(isFollowUpDue(report("confirmed", 28), NOW, 28)).toBe(true);
    expect(isFollowUpDue(report("confirmed_referred", 30), NOW, 28)).toBe(true);
    expect(isFollowUpDue(report("confirmed_eliminated", 28 + FOLLOW_UP_LATE_DAYS - 0.01), NOW, 28)).toBe(true);
    // Confirmed long before the follow-up existed (or the scheduler stood still for weeks): never out of the blue.
    expect(isFollowUpDue(report("confirmed", 28 + FOLLOW_UP_LATE_DAYS), NOW, 28)).toBe(false);
    expect(isFollowUpDue(report("not_confirmed", 30), NOW, 28)).toBe(false);
    expect(isFollowUpDue(report("verification", 30), NOW, 28)).toBe(false);
    expect(isFollowUpDue(report("confirmed", null), NOW, 28)).toBe(false);
    expect(isFollowUpDue(report("confirmed", 30, 7), NOW, 28)).toBe(false);
    expect(isFollowUpDue(report("confirmed", 8), NOW, 7)).toBe(true);
  });

  it("reads back only the codes its buttons carry", () => {
    for (const a of FOLLOW_UP_ANSWERS) expect(answerFromCode(answerCode(a))).toBe(a);
    expect(answerFromCode("x")).toBeNull();
    expect(answerFromCode("")).toBeNull();
    expect(answerFromCode("yes")).toBeNull();
  });

  it("counts the share gone among those who knew", () => {
    expect(followUpShare(["no", "no", "yes", "unknown"])).toEqual({ answered: 4, gone: 2, stillThere: 1, unknown: 1, goneShare: 2 / 3 });
    expect(followUpShare(["unknown"])).toEqual({ answered: 1, gone: 0, stillThere: 0, unknown: 1, goneShare: null });
    expect(followUpShare([])).toEqual({ answered: 0, gone: 0, stillThere: 0, unknown: 0, goneShare: null });
  });
});
