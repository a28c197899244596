import { describe, expect, it } from "vitest";
import { CATEGORIES, categoriesInGroup, CATEGORY_GROUPS, findCategory, MOST_REPORTED } from "../../../src/domain/reports/categories.js";
import { checkDescription } from "../../../src/domain/reports/limits.js";
import { formatReference, parseReference } from "../../../src/domain/reports/reference.js";
import {
  allowedTransitions,
  canTransition,
  isActive,
  isFinal,
  statusCode,
  statusFromCode,
  STATUSES,
  verdictsFrom,
} from "../../../src/domain/reports/status.js";
import { toggleTimeOfDay } from "../../../src/domain/reports/timing.js";

describe("categories", () => {
  it("are the 24 KMZB categories with unique codes and names", () => {
    expect(CATEGORIES).toHaveLength(24);
    expect(new Set(CATEGORIES.map((c) => c.code)).size).toBe(24);
    expect(new Set(CATEGORIES.map((c) => c.kmzbName)).size).toBe(24);
  });
  it("puts every category in exactly one group, and the most reported first in theirs", () => {
    const grouped = CATEGORY_GROUPS.flatMap((g) => categoriesInGroup(g).map((c) => c.code));
    expect(grouped.sort()).toEqual(CATEGORIES.map((c) => c.code).sort());
    expect(
      categoriesInGroup("traffic")
        .slice(0, 3)
        .map((c) => c.code),
    ).toEqual(["speeding", "parking", "road_infrastructure"]);
    expect(categoriesInGroup("order")[0]!.code).toBe("alcohol");
    expect(MOST_REPORTED.every((code) => findCategory(code))).toBe(true);
  });
  it("carries the KMZB rules: a required description and hidden categories", () => {
    expect(findCategory("dangerous_entertainment")).toMatchObject({ requiresDescription: true, publicVisibility: "confirmed" });
    expect(findCategory("animal_cruelty")!.publicVisibility).toBe("never");
    expect(findCategory("drugs")!.publicVisibility).toBe("never");
    expect(CATEGORIES.filter((c) => c.requiresDescription)).toHaveLength(1);
  });
});

describe("status transitions", () => {
  it("follow Wytyczne KGP: coordinator accepts or rejects new, officer verifies", () => {
    expect(canTransition("new", "verification", "coordinator")).toBe(true);
    expect(canTransition("new", "verification", "officer")).toBe(false);
    expect(canTransition("new", "confirmed", "officer")).toBe(false);
    expect(canTransition("new", "joke", "coordinator")).toBe(true);
    expect(allowedTransitions("verification", "officer").sort()).toEqual(
      ["confirmed", "confirmed_eliminated", "confirmed_referred", "joke", "not_confirmed"].sort(),
    );
    expect(canTransition("verification", "confirmed", "coordinator")).toBe(true);
    expect(canTransition("verification", "new", "coordinator")).toBe(false);
    expect(canTransition("confirmed", "confirmed_eliminated", "officer")).toBe(true);
  });
  it("never leave a final status and never move to new", () => {
    for (const s of STATUSES) expect(canTransition(s, "new", "coordinator") || canTransition(s, "new", "officer")).toBe(false);
    expect(STATUSES.filter(isFinal).sort()).toEqual(["confirmed_eliminated", "joke", "not_confirmed"].sort());
  });
  it("count new, verification and confirmed reports as active", () => {
    expect(STATUSES.filter(isActive)).toEqual(["new", "verification", "confirmed", "confirmed_referred"]);
  });
});

describe("when it happens", () => {
  it("toggles times of day and keeps 'różnie / nie wiem' exclusive", () => {
    expect(toggleTimeOfDay([], "night")).toEqual(["night"]);
    expect(toggleTimeOfDay(["night"], "morning")).toEqual(["morning", "night"]);
    expect(toggleTimeOfDay(["morning", "night"], "night")).toEqual(["morning"]);
    expect(toggleTimeOfDay(["morning"], "unknown")).toEqual(["unknown"]);
    expect(toggleTimeOfDay(["unknown"], "evening")).toEqual(["evening"]);
    expect(toggleTimeOfDay(["unknown"], "unknown")).toEqual([]);
  });
});

describe("description", () => {
  it("refuses more than 500 characters with the length, never truncating", () => {
    expect(checkDescription("a".repeat(500))).toEqual({ ok: true, text: "a".repeat(500) });
    expect(checkDescription("ż".repeat(10_000))).toEqual({ ok: false, reason: "too_long", length: 10_000 });
  });
  it("counts emoji as one character each and refuses emoji-only text", () => {
    expect(checkDescription("🚗".repeat(501))).toMatchObject({ ok: false, length: 501 });
    expect(checkDescription("🚗🚗🚗 !!!")).toEqual({ ok: false, reason: "empty" });
    expect(checkDescription("  Auta parkują na chodniku 🚗 ")).toEqual({ ok: true, text: "Auta parkują na chodniku 🚗" });
  });
});

describe("reference numbers", () => {
  it("read PREFIX-YEAR-NNNNNN and parse back", () => {
    expect(formatReference("BB", 2026, 123)).toBe("BB-2026-000123");
    expect(parseReference("bb-2026-000123")).toEqual({ prefix: "BB", year: 2026, seq: 123 });
    expect(parseReference("BB-26-1")).toBeNull();
  });
});

describe("statuses in callback data", () => {
  it("travel as stable one-letter codes, each its own, and old index codes are still read", () => {
    const codes = STATUSES.map(statusCode);
    expect(new Set(codes).size).toBe(STATUSES.length);
    for (const s of STATUSES) expect(statusFromCode(statusCode(s))).toBe(s);
    expect(statusCode("verification")).toBe("v");
    expect(statusFromCode("1")).toBe("verification");
    expect(statusFromCode("z")).toBeNull();
    expect(statusFromCode("vv")).toBeNull();
    expect(statusFromCode(undefined)).toBeNull();
  });

  it("give the officer's verdicts from the table of transitions", () => {
    expect(verdictsFrom("verification")).toEqual(["confirmed", "confirmed_referred", "confirmed_eliminated", "not_confirmed"]);
    expect(verdictsFrom("confirmed_referred")).toEqual(["confirmed_eliminated"]);
    expect(verdictsFrom("new")).toEqual([]);
  });
});
