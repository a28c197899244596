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

  it("counts a call still running: the next one starts a full interval after it ends", async () => {
    const pacer = new Pacer(200);
    let finish!: () => void;
    const running = pacer.run(() => new Promise<void>((resolve) => (finish = resolve)));
    await new Promise((r) => setTimeout(r, 20));
    // Queued (waiting) is 0 now and no interval has been set yet: only the running call says "busy".
    expect(pacer.expectedWait()).toBeGreaterThanOrEqual(200);
    finish();
    await running;
    expect(pacer.expectedWait()).toBeGreaterThan(150);
    expect(pacer.expectedWait()).toBeLessThanOrEqual(200);
  });

  it("counts a call waiting for its start: whoever comes next waits for it and a full interval more", async () => {
    const pacer = new Pacer(200);
    let finish!: () => void;
    const first = pacer.run(() => new Promise<void>((resolve) => (finish = resolve)));
    const second = pacer.run(async () => undefined);
    await new Promise((r) => setTimeout(r, 20));
    finish();
    await first;
    await new Promise((r) => setTimeout(r, 0));
    // The second call now sleeps until the first one's interval is over; a third would start 200 ms after it.
    expect(pacer.expectedWait()).toBeGreaterThan(300);
    await second;
  });
});
