import { describe, expect, it } from "vitest";
import { Pacer } from "../../src/geocoding/pacer.js";

describe("Pacer.expectedWait", () => {
  it("grows with the queue and falls back to zero when idle", async () => {
    const pacer = new Pacer(200);
    expect(pacer.expectedWait()).toBe(0);
    const runs = [1, 2, 3].map(() => pacer.run(async () => undefined));
    expect(pacer.expectedWait()).toBeGreaterThanOrEqual(3 * 200 - 10);
    await Promise.all(runs);
    await new Promise((r) => setTimeout(r, 250));
    expect(pacer.expectedWait()).toBe(0);
  });
});
