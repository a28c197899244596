import { describe, expect, it } from "vitest";
import {
  closingAfterDays,
  formatPlanPeriod,
  isValidChoice,
  OTHER_OPTION,
  parseActions,
  parseClosingDate,
  parseOptionsText,
  planPeriods,
  suggestOptions,
  tally,
} from "../../../src/domain/consultations/consultation.js";

/** Monday 7 December 2026, 10:00 in Warsaw. */
const NOW = new Date("2026-12-07T09:00:00Z");

describe("suggested options", () => {
  it("are the district's most reported categories, most first, at most five", () => {
    const counts = [
      { categoryCode: "vandalism", count: 2 },
      { categoryCode: "parking", count: 9 },
      { categoryCode: "speeding", count: 4 },
      { categoryCode: "alcohol", count: 4 },
      { categoryCode: "illegal_dumping", count: 1 },
      { categoryCode: "poaching", count: 1 },
      { categoryCode: "no_such_category", count: 50 },
    ];
    expect(suggestOptions(counts)).toEqual([
      { category: "parking" },
      { category: "alcohol" },
      { category: "speeding" },
      { category: "vandalism" },
      { category: "illegal_dumping" },
    ]);
  });

  it("are topped up to three with the categories most reported nationally", () => {
    expect(suggestOptions([{ categoryCode: "vandalism", count: 1 }])).toEqual([{ category: "vandalism" }, { category: "speeding" }, { category: "parking" }]);
    expect(suggestOptions([])).toHaveLength(3);
  });
});

describe("the officer's own options", () => {
  it("are one per line, bullets and numbers dropped", () => {
    expect(parseOptionsText("1. Parkowanie\n- Prędkość\n\n• Oświetlenie  ")).toEqual({
      ok: true,
      options: [{ text: "Parkowanie" }, { text: "Prędkość" }, { text: "Oświetlenie" }],
    });
  });

  it("are three to six, each short and different", () => {
    expect(parseOptionsText("a\nb")).toMatchObject({ ok: false, error: "tooFew" });
    expect(parseOptionsText("a\nb\nc\nd\ne\nf\ng")).toMatchObject({ ok: false, error: "tooMany" });
    expect(parseOptionsText(`a\nb\n${"x".repeat(81)}`)).toMatchObject({ ok: false, error: "tooLong", max: 80 });
    expect(parseOptionsText("Parkowanie\nprędkość\nPARKOWANIE")).toMatchObject({ ok: false, error: "duplicate" });
  });
});

describe("the closing date", () => {
  it("is the end of the given day in Warsaw", () => {
    expect(parseClosingDate("15.01.2027", NOW)).toEqual({ ok: true, closesAt: new Date("2027-01-15T22:59:00Z") });
    // Summer time: 23:59 CEST.
    expect(parseClosingDate("1.03.2027", NOW)).toEqual({ ok: true, closesAt: new Date("2027-03-01T22:59:00Z") });
    expect(closingAfterDays(NOW, 7)).toEqual(new Date("2026-12-14T22:59:00Z"));
  });

  it("without a year is the next such date", () => {
    expect(parseClosingDate("20.12", NOW)).toEqual({ ok: true, closesAt: new Date("2026-12-20T22:59:00Z") });
    expect(parseClosingDate("10.01", NOW)).toEqual({ ok: true, closesAt: new Date("2027-01-10T22:59:00Z") });
  });

  it("is refused when malformed, past, today or more than 90 days ahead", () => {
    expect(parseClosingDate("31.02.2027", NOW)).toEqual({ ok: false, error: "format" });
    expect(parseClosingDate("jutro", NOW)).toEqual({ ok: false, error: "format" });
    expect(parseClosingDate("01.12.2026", NOW)).toEqual({ ok: false, error: "past" });
    expect(parseClosingDate("07.12.2026", NOW)).toEqual({ ok: false, error: "tooSoon" });
    expect(parseClosingDate("08.12.2026", NOW)).toMatchObject({ ok: true });
    expect(parseClosingDate("07.03.2027", NOW)).toMatchObject({ ok: true });
    expect(parseClosingDate("08.03.2027", NOW)).toEqual({ ok: false, error: "tooLate" });
  });
});

describe("the tally", () => {
  it("counts each option and Inne, with whole percentages and the winners", () => {
    const votes = [0, 0, 0, 1, 1, OTHER_OPTION, 7, -5];
    expect(tally(3, votes)).toEqual({ counts: [3, 2, 0, 1], total: 6, percents: [50, 33, 0, 17], winners: [0] });
  });

  it("names every option tied for first, never Inne, and none without votes", () => {
    expect(tally(3, [0, 1, OTHER_OPTION, OTHER_OPTION, OTHER_OPTION]).winners).toEqual([0, 1]);
    expect(tally(3, [OTHER_OPTION]).winners).toEqual([]);
    expect(tally(3, [])).toEqual({ counts: [0, 0, 0, 0], total: 0, percents: [0, 0, 0, 0], winners: [] });
  });

  it("accepts only an existing option or Inne", () => {
    expect(isValidChoice(2, 3)).toBe(true);
    expect(isValidChoice(OTHER_OPTION, 3)).toBe(true);
    expect(isValidChoice(3, 3)).toBe(false);
    expect(isValidChoice(1.5, 3)).toBe(false);
  });
});

describe("the plan", () => {
  it("periods are 1 Feb–31 Jul and 1 Aug–31 Jan", () => {
    expect(planPeriods(NOW)).toEqual({ current: "2026-08-01/2027-01-31", next: "2027-02-01/2027-07-31" });
    expect(planPeriods(new Date("2027-01-20T12:00:00Z"))).toEqual({ current: "2026-08-01/2027-01-31", next: "2027-02-01/2027-07-31" });
    expect(planPeriods(new Date("2027-05-20T12:00:00Z"))).toEqual({ current: "2027-02-01/2027-07-31", next: "2027-08-01/2028-01-31" });
    // 31 July, 23:30 in Warsaw is still the summer half-year.
    expect(planPeriods(new Date("2027-07-31T21:30:00Z")).current).toBe("2027-02-01/2027-07-31");
    expect(formatPlanPeriod("2027-02-01/2027-07-31")).toBe("01.02.2027–31.07.2027");
  });

  it("actions are one per line, one to eight, each short", () => {
    expect(parseActions("- Kontrole rano\n\n2) Rozmowy z zarządcą")).toEqual({ ok: true, actions: ["Kontrole rano", "Rozmowy z zarządcą"] });
    expect(parseActions("  \n")).toEqual({ ok: false, error: "none" });
    expect(parseActions(Array.from({ length: 9 }, (_, i) => `a${i}`).join("\n"))).toEqual({ ok: false, error: "tooMany" });
    expect(parseActions("x".repeat(201))).toEqual({ ok: false, error: "tooLong" });
  });
});
