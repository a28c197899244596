// The overall cap (DELIVERY_PER_SECOND) holds across restarts: a worker that starts right after another
// one sent a burst (stopped cleanly, or killed mid-broadcast) counts those sends. Measured on the workers'
// virtual clock (clock.ts), except after a real process was killed: there at the (fake) Telegram, by the
// arrival time of every call in real time.
import type { ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { enqueue } from "../../src/delivery/outbox.js";
import { broadcast, byChat, exited, harness, maxInWindow, ok, statusCounts, waitUntil, workerProcess, type Harness } from "./support.js";

const PER_SECOND = 25;

let h: Harness | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  child = undefined;
  await h?.cleanup();
  h = undefined;
});

describe("delivery pace across restarts", () => {
  it("a worker started right after a clean stop mid-broadcast stays under the cap", async () => {
    h = await harness();
    const N = 100;
    await enqueue(h.db, broadcast({ chats: N, batchKey: "restart" }));

    // Stopped well into the broadcast, so that the last second before the stop is full.
    let sent = 0;
    let stopped: Promise<void> | undefined;
    const first = h.worker({ perSecond: PER_SECOND, onSent: () => void (++sent === 40 && (stopped = first.stop())) });
    await waitUntil(() => stopped !== undefined, 20_000);
    await stopped;
    expect(sent).toBeLessThan(N);
    const second = h.worker({ perSecond: PER_SECOND });
    await second.drain();

    const calls = h.calls("sendMessage");
    expect(byChat(ok(calls)).size).toBe(N);
    expect(ok(calls)).toHaveLength(N);
    expect(maxInWindow(calls.map((c) => c.at))).toBeLessThanOrEqual(PER_SECOND);
  }, 60_000);

  it("a worker started right after a SIGKILL mid-broadcast counts what was sent and in flight before it", async () => {
    h = await harness();
    const tg = h.tg;
    const N = 120;
    await enqueue(h.db, broadcast({ chats: N, batchKey: "crash" }));
    // Answers a little slow, so that the kill may leave rows "sending" that Telegram has already seen.
    tg.setDelay("sendMessage", 40);

    child = workerProcess(h, { perSecond: PER_SECOND, concurrency: 8 });
    await waitUntil(() => tg.callsOf("sendMessage").length >= 50, 30_000);
    child.kill("SIGKILL");
    expect((await exited(child)).signal).toBe("SIGKILL");

    // Restarted at once, in this process (no start-up delay that would let the last second pass), on the
    // real clocks (the default ones) like the killed process.
    const worker = h.worker({ perSecond: PER_SECOND, monotonic: undefined, sleep: undefined, now: undefined, api: h.api });
    await worker.drain();

    const calls = tg.callsOf("sendMessage");
    expect(byChat(ok(calls)).size).toBe(N);
    expect(maxInWindow(calls.map((c) => c.at))).toBeLessThanOrEqual(PER_SECOND);
    expect(await statusCounts(h.db)).toEqual({ sent: N });
  }, 60_000);

  it("counts rows sent in the last second and rows a crash left 'sending' as sends just made", async () => {
    h = await harness();
    // What a killed worker leaves: 15 rows sent 200 ms ago, 10 claimed ("sending": Telegram may have them).
    await enqueue(h.db, broadcast({ chats: 15, firstChat: 10_000, prefix: "sent", batchKey: "before" }));
    await enqueue(h.db, broadcast({ chats: 10, firstChat: 20_000, prefix: "claimed", batchKey: "inflight" }));
    await enqueue(h.db, broadcast({ chats: 30, firstChat: 30_000, prefix: "next", batchKey: "after" }));
    const start = h.clock.now().getTime();
    await h.db
      .updateTable("Delivery")
      .set({ status: "sent", sentAt: new Date(start - 200) })
      .where("batchKey", "=", "before")
      .execute();
    await h.db.updateTable("Delivery").set({ status: "sending", attempts: 1 }).where("batchKey", "=", "inflight").execute();

    const worker = h.worker({ perSecond: PER_SECOND });
    await worker.drain();

    const calls = h.calls("sendMessage");
    expect(ok(calls)).toHaveLength(40); // the 10 claimed ones go again, and the 30 new ones
    // As Telegram counted: the 15 sent, the 10 claimed ones at the latest just before this start, then ours.
    const before = [...Array<number>(15).fill(start - 200), ...Array<number>(10).fill(start)];
    expect(maxInWindow([...before, ...calls.map((c) => c.at)])).toBeLessThanOrEqual(PER_SECOND);
    expect(await statusCounts(h.db)).toEqual({ sent: 55 });
  }, 60_000);
});
