// The pacing and error-classification pieces on their own (no network, no clock: times are given).
import { GrammyError, HttpError } from "grammy";
import { describe, expect, it } from "vitest";
import { backoffMs, classify } from "../../src/delivery/errors.js";
import { ChatPacer, SlidingWindow, TokenBucket } from "../../src/delivery/rate.js";

describe("SlidingWindow", () => {
  it("counts in-flight sends and frees a place `window` after the oldest answer", () => {
    const w = new SlidingWindow(3, 1000);
    for (let i = 0; i < 3; i++) {
      expect(w.waitMs(0)).toBe(0);
      w.begin();
    }
    expect(w.waitMs(0)).toBe(Infinity); // all three in flight: only an answer can help
    w.end(10);
    w.end(20);
    expect(w.waitMs(30)).toBe(980); // the answer at 10 leaves the window at 1010
    w.end(40);
    expect(w.waitMs(1009)).toBe(1);
    expect(w.waitMs(1010)).toBe(0);
    w.begin();
    expect(w.waitMs(1010)).toBe(10);
    w.abort();
    expect(w.waitMs(1010)).toBe(0);
  });

  it("starts with the sends it is seeded with (a restart): places free as they age out", () => {
    const w = new SlidingWindow(3, 1000);
    w.seed([500, 100, 300]); // any order
    expect(w.waitMs(600)).toBe(500); // the send answered at 100 leaves the window at 1100
    expect(w.waitMs(1100)).toBe(0);
    w.begin();
    expect(w.waitMs(1100)).toBe(200);
    w.end(1150);
    expect(w.waitMs(1400)).toBe(0);
    expect(w.waitMs(1400, 2)).toBe(100); // two places: the seeded send at 500 must age out too
  });

  it("never allows more than `limit` starts within any window", () => {
    const w = new SlidingWindow(25, 1000);
    const starts: number[] = [];
    let now = 0;
    while (starts.length < 500) {
      const wait = w.waitMs(now);
      if (wait === 0) {
        w.begin();
        starts.push(now);
        w.end(now + 3); // answered 3 ms later
      } else now += Math.min(wait, 7);
    }
    for (let i = 25; i < starts.length; i++) expect(starts[i]! - starts[i - 25]!).toBeGreaterThanOrEqual(1000);
    // …and keeps close to the limit: 500 sends in about 20 windows.
    expect(starts.at(-1)!).toBeLessThan(20 * 1003 + 50);
  });

  it("weighs a media group as one send per item", () => {
    const w = new SlidingWindow(5, 1000);
    w.begin(4);
    expect(w.waitMs(0, 1)).toBe(0);
    expect(w.waitMs(0, 2)).toBe(Infinity);
    w.end(10, 4);
    expect(w.waitMs(20, 2)).toBe(990);
    expect(w.waitMs(20, 9)).toBe(990); // heavier than the limit: waits for an empty window
  });

  it("is free without a limit", () => {
    const w = new SlidingWindow(Infinity, 1000);
    for (let i = 0; i < 10_000; i++) w.begin();
    expect(w.waitMs(0)).toBe(0);
  });
});

describe("TokenBucket", () => {
  it("lets a small burst through, then one send per 1/perSecond", () => {
    const b = new TokenBucket(25, 3);
    for (let i = 0; i < 3; i++) {
      expect(b.waitMs(0)).toBe(0);
      b.take(0);
    }
    expect(b.waitMs(0)).toBeCloseTo(40);
    expect(b.waitMs(40)).toBe(0);
    b.take(40);
    expect(b.waitMs(50)).toBeCloseTo(30);
    b.refund();
    expect(b.waitMs(50)).toBe(0);
    b.take(100, 5); // heavier than the burst: debt
    expect(b.waitMs(100)).toBeGreaterThan(80);
  });
});

describe("ChatPacer", () => {
  it("one send per chat at a time, then the chat's interval after the answer", () => {
    const p = new ChatPacer((chat) => (chat.startsWith("-") ? 3000 : 1000));
    expect(p.waitMs("1", 0)).toBe(0);
    p.begin("1");
    expect(p.waitMs("1", 0)).toBe(Infinity);
    expect(p.waitMs("2", 0)).toBe(0);
    p.end("1", 50);
    expect(p.waitMs("1", 60)).toBe(990);
    expect(p.waitMs("1", 1050)).toBe(0);
    p.begin("-5");
    p.end("-5", 0);
    expect(p.waitMs("-5", 1000)).toBe(2000);
    expect(p.active(1050)).toBe(1); // chat 1 is forgotten, the group is still cooling
    p.begin("7");
    p.abort("7");
    expect(p.waitMs("7", 0)).toBe(0);
  });
});

describe("classify", () => {
  const refusal = (error_code: number, description: string, parameters = {}) =>
    new GrammyError("Call failed", { ok: false, error_code, description, parameters }, "sendMessage", {});

  it("maps Telegram's answers to what happens to the row", () => {
    expect(classify(refusal(429, "Too Many Requests: retry after 7", { retry_after: 7 }))).toMatchObject({ kind: "flood", retryAfterMs: 7000 });
    expect(classify(refusal(403, "Forbidden: bot was blocked by the user")).kind).toBe("unreachable");
    expect(classify(refusal(403, "Forbidden: user is deactivated")).kind).toBe("unreachable");
    expect(classify(refusal(400, "Bad Request: chat not found")).kind).toBe("unreachable");
    expect(classify(refusal(400, "Bad Request: can't parse entities")).kind).toBe("failed");
    expect(classify(refusal(400, "Bad Request: message is not modified")).kind).toBe("done");
    expect(classify(refusal(500, "Internal Server Error")).kind).toBe("retry");
    expect(classify(refusal(502, "Bad Gateway")).kind).toBe("retry");
    expect(classify(refusal(401, "Unauthorized")).kind).toBe("halt");
    expect(classify(new HttpError("Network request for 'sendMessage' failed!", new Error("ECONNRESET"))).kind).toBe("retry");
  });

  it("backs off 2^attempts seconds, at most 5 minutes", () => {
    expect([1, 2, 3, 8, 9, 20].map((a) => backoffMs(a))).toEqual([2000, 4000, 8000, 256_000, 300_000, 300_000]);
  });
});
