// SIGKILL mid-broadcast: nobody is missed, and the only duplicates are the few sends that were in flight.
import type { ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { enqueue } from "../../src/delivery/outbox.js";
import { broadcast, byChat, deliveryCount, exited, harness, ok, statusCounts, waitUntil, workerProcess, type Harness } from "./support.js";

const CONCURRENCY = 8;

let h: Harness | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  child = undefined;
  await h?.cleanup();
  h = undefined;
});

const startWorker = (h: Harness) => workerProcess(h, { perSecond: 300, concurrency: CONCURRENCY });

describe("delivery worker killed with SIGKILL", () => {
  it("resumes after a restart: no one missed, duplicates only among the sends in flight", async () => {
    h = await harness();
    const tg = h.tg;
    const N = 1000;
    await enqueue(h.db, broadcast({ chats: N, batchKey: "crash" }));
    // Slow answers keep several sends in flight at any moment, so the kill lands mid-send.
    tg.setDelay("sendMessage", 25);

    child = startWorker(h);
    await waitUntil(() => tg.callsOf("sendMessage").length >= 300, 20_000);
    // From now on Telegram holds each answer 2 s, so every slot soon holds a send on the wire: the kill
    // lands mid-send whatever the machine's speed.
    tg.setDelay("sendMessage", 2000);
    await waitUntil(async () => (await deliveryCount(h!.db, "sending")) === CONCURRENCY, 20_000);
    child.kill("SIGKILL");
    expect((await exited(child)).signal).toBe("SIGKILL");
    tg.setDelay("sendMessage", 25);
    // Requests that reached the fake before the kill are still answered (into the void) and recorded.

    const inFlight = await h.db.selectFrom("Delivery").select("chatId").where("status", "=", "sending").execute();
    expect(inFlight.length).toBeGreaterThan(0);
    expect(inFlight.length).toBeLessThanOrEqual(CONCURRENCY);
    const sentBeforeRestart = tg.callsOf("sendMessage").length;
    expect(sentBeforeRestart).toBeLessThan(N);

    child = startWorker(h);
    expect(await exited(child)).toEqual({ code: 0, signal: null });

    const calls = ok(tg.callsOf("sendMessage"));
    const chats = byChat(calls);
    expect(chats.size).toBe(N); // no one missed
    const duplicated = [...chats].filter(([, list]) => list.length > 1);
    const extra = duplicated.reduce((sum, [, list]) => sum + list.length - 1, 0);
    expect(extra).toBeLessThanOrEqual(CONCURRENCY);
    // Only a row caught "sending" can have gone twice.
    const caught = new Set(inFlight.map((r) => Number(r.chatId)));
    for (const [chat] of duplicated) expect(caught.has(chat)).toBe(true);
    expect(await statusCounts(h.db)).toEqual({ sent: N });
  }, 60_000);
});
