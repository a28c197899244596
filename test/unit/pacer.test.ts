import { describe, expect, it } from "vitest";
import { Pacer } from "../../src/geocoding/pacer.js";

describe("Pacer", () => {
  it("starts calls in order, at least the interval apart, even when one fails", async () => {
    const pacer = new Pacer(100);
    const starts: number[] = [];
    const tasks = Array.from({ length: 5 }, (_, i) =>
      pacer.run(async () => {
        starts.push(Date.now());
        if (i === 2) throw new Error("boom");
        return i;
      }),
    );
    const results = await Promise.allSettled(tasks);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled"]);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(99);
  });
});

describe("Pacer spacing from completion", () => {
  it("starts the next call a full interval after a slow call finished", async () => {
    const pacer = new Pacer(100);
    const events: [string, number][] = [];
    await Promise.all([
      pacer.run(async () => {
        events.push(["start1", Date.now()]);
        await new Promise((r) => setTimeout(r, 150));
        events.push(["end1", Date.now()]);
      }),
      pacer.run(async () => {
        events.push(["start2", Date.now()]);
      }),
    ]);
    const at = Object.fromEntries(events);
    expect(at.start2! - at.end1!).toBeGreaterThanOrEqual(99);
  });
});
