// Broadcasts at scale: everyone exactly once, and never faster than Telegram allows, measured on the
// worker's clock (a virtual one: see clock.ts) at the moment each call was made and answered.
import { afterEach, describe, expect, it } from "vitest";
import { batchProgress, enqueue } from "../../src/delivery/outbox.js";
import { broadcast, byChat, harness, maxInWindow, minGapPerChat, ok, type Harness } from "./support.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

describe("delivery pacing", () => {
  it("delivers 10,000 subscribers exactly once, under a raised cap of 2,000/s", async () => {
    h = await harness();
    const items = broadcast({ chats: 10_000, batchKey: "big" });
    expect(await enqueue(h.db, items)).toBe(10_000);

    // At 2,000/s a token comes every 0.5 ms: let time move in 5 ms steps while sends are in flight.
    h.clock.slackWhileHeldMs = 5;
    const worker = h.worker({ perSecond: 2000, concurrency: 16 });
    await worker.drain();

    const calls = h.calls("sendMessage");
    expect(h.tg.callsOf("sendMessage")).toHaveLength(10_000);
    const chats = byChat(calls);
    expect(chats.size).toBe(10_000);
    const counts = [...chats.values()].map((list) => list.length);
    expect(Math.max(...counts)).toBe(1);
    expect(ok(calls)).toHaveLength(10_000);
    for (const item of items) expect(chats.has(Number(item.chatId))).toBe(true);
    const times = calls.map((c) => c.at);
    expect(maxInWindow(times)).toBeLessThanOrEqual(2000);
    // …and uses it: 10,000 at 2,000/s take about 4 s after the first second's quota.
    expect(Math.max(...times) - Math.min(...times)).toBeLessThan(5000);
    expect(await batchProgress(h.db, "big")).toEqual({ total: 10_000, sent: 10_000, failed: 0, cancelled: 0, pending: 0 });
  }, 60_000);

  it("keeps to 25/s overall and 1/s per chat at the defaults, without starving other chats", async () => {
    h = await harness();
    // 20 chats get 3 messages each and come first (lowest ids); 280 get one.
    const busy = broadcast({ chats: 20, perChat: 3, firstChat: 50_000, prefix: "busy" });
    const rest = broadcast({ chats: 280, firstChat: 60_000, prefix: "rest" });
    await enqueue(h.db, [...busy, ...rest]);
    const total = busy.length + rest.length; // 340

    const worker = h.worker();
    await worker.drain();

    const calls = h.calls("sendMessage");
    expect(h.tg.callsOf("sendMessage")).toHaveLength(total);
    expect(ok(calls)).toHaveLength(total);
    const times = calls.map((c) => c.at);
    expect(maxInWindow(times)).toBeLessThanOrEqual(25);
    // Evenly spread, not a second's quota in one burst: at most 3 at once plus one per 40 ms.
    expect(maxInWindow(times, 200)).toBeLessThanOrEqual(3 + 5);
    expect(minGapPerChat(calls)).toBeGreaterThanOrEqual(1000);
    // Each busy chat got its three messages, in order.
    const chats = byChat(calls);
    for (let c = 0; c < 20; c++) {
      const texts = (chats.get(50_000 + c) ?? []).map((call) => call.payload.text);
      expect(texts).toEqual([0, 1, 2].map((m) => `message ${m} for ${50_000 + c}`));
    }
    for (let c = 0; c < 280; c++) expect(chats.get(60_000 + c)).toHaveLength(1);
    // Pacing is not wasteful either: close to 340 / 25 = 13.6 s (the bucket's burst is small, and each window is 5 ms longer than a second, for clock granularity).
    const elapsed = Math.max(...times) - Math.min(...times);
    expect(elapsed).toBeLessThan((total / 25) * 1005);
    // The one-message chats were not held back behind the busy chats' later messages: the first of
    // them went out in the first second, right after the 20 busy chats' first messages.
    const firstRest = Math.min(...rest.map((r) => chats.get(Number(r.chatId))![0]!.at));
    expect(firstRest - Math.min(...times)).toBeLessThan(1000);
  }, 60_000);

  it("keeps to 20 a minute in a group and 1/s in a private chat at the defaults", async () => {
    h = await harness();
    const group = broadcast({ chats: 1, perChat: 4, firstChat: -1_001_234, prefix: "group" });
    const person = broadcast({ chats: 1, perChat: 4, firstChat: 70_000, prefix: "person" });
    await enqueue(h.db, [...group, ...person]);
    // Rows are read every 100 ms, so a chat's messages are spaced by the chat pacer, not by the reads.
    await h.worker({ pollMs: 100 }).drain();

    const chats = byChat(h.calls("sendMessage"));
    const gaps = (chat: number) => {
      const times = chats.get(chat)!.map((c) => c.at);
      expect(times).toHaveLength(4);
      return times.slice(1).map((t, i) => t - times[i]!);
    };
    for (const gap of gaps(-1_001_234)) expect(gap).toBeGreaterThanOrEqual(3000);
    for (const gap of gaps(70_000)) {
      expect(gap).toBeGreaterThanOrEqual(1000);
      expect(gap).toBeLessThan(3000);
    }
  });
});
