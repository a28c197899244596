import { describe, expect, it } from "vitest";
import { EDITABLE_FROM_SUMMARY, FORM_STEPS, nextAfter, previousBefore } from "../../../src/domain/reports/form.js";

const firstPass = { editing: false, placeKnown: false };

describe("the report form's order", () => {
  it("asks every question once, in the KMZB order, then reviews", () => {
    const visited: string[] = [FORM_STEPS[0]];
    let at = nextAfter(FORM_STEPS[0], firstPass);
    while (at !== "review") {
      visited.push(at);
      at = nextAfter(at, firstPass);
    }
    expect(visited).toEqual(["category", "place", "times", "days", "description", "photos", "contact"]);
  });

  it("skips the place question both ways when the place came with the form", () => {
    const known = { editing: false, placeKnown: true };
    expect(nextAfter("category", known)).toBe("times");
    expect(previousBefore("times", known)).toBe("category");
    expect(nextAfter("category", firstPass)).toBe("place");
    expect(previousBefore("times", firstPass)).toBe("place");
  });

  it("goes back one question, and stays at the first", () => {
    expect(previousBefore("description", firstPass)).toBe("days");
    expect(previousBefore("contact", firstPass)).toBe("photos");
    expect(previousBefore("category", firstPass)).toBe("category");
  });

  it("returns to the summary after a change made from it, asking the days with the times", () => {
    const editing = { editing: true, placeKnown: false };
    expect(nextAfter("category", editing)).toBe("review");
    expect(nextAfter("times", editing)).toBe("days");
    expect(nextAfter("days", editing)).toBe("review");
    expect(previousBefore("description", editing)).toBe("review");
  });

  it("asks for a required description that a change from the summary left missing, before the summary", () => {
    const missing = { editing: true, placeKnown: false, descriptionMissing: true };
    expect(nextAfter("category", missing)).toBe("description");
    expect(previousBefore("category", missing)).toBe("description");
    expect(nextAfter("days", missing)).toBe("description");
    expect(nextAfter("times", missing)).toBe("days");
    expect(nextAfter("description", { ...missing, descriptionMissing: false })).toBe("review");
  });

  it("offers every field for change from the summary, the days together with the times", () => {
    expect(EDITABLE_FROM_SUMMARY).toEqual(["category", "place", "times", "description", "photos", "contact"]);
  });
});
