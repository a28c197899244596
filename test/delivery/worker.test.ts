// The delivery worker against Telegram's refusals: flood control, server errors, blocked users,
// and against the app changing its mind (cancel) or repeating itself (dedupeKey). Times are the worker's
// (virtual) clock's: see clock.ts.
import { Api } from "grammy";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { batchProgress, cancel, enqueue } from "../../src/delivery/outbox.js";
import type { DeliveryEvent } from "../../src/delivery/worker.js";
import { broadcast, byChat, harness, ok, statusCounts, TOKEN, waitUntil, type Harness } from "./support.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

const sends = (h: Harness) => h.calls("sendMessage");
const row = (h: Harness, chatId: number) =>
  h.db.selectFrom("Delivery").selectAll().where("chatId", "=", chatId).orderBy("id").limit(1).executeTakeFirstOrThrow();
const byKey = (h: Harness, dedupeKey: string) => h.db.selectFrom("Delivery").selectAll().where("dedupeKey", "=", dedupeKey).executeTakeFirstOrThrow();
const setDelivery = (h: Harness, dedupeKey: string, set: { status?: string; payload?: string }) =>
  h.db.updateTable("Delivery").set(set).where("dedupeKey", "=", dedupeKey).execute();
const addUser = (h: Harness, telegramId: number, firstName: string) => {
  const now = new Date();
  return h.db.insertInto("User").values({ telegramId, firstName, firstSeen: now, lastSeen: now }).execute();
};
const blocked = async (h: Harness, telegramId: number) =>
  (await h.db.selectFrom("User").select("blocked").where("telegramId", "=", telegramId).executeTakeFirstOrThrow()).blocked;

describe("flood control (429)", () => {
  it("pauses all sending for retry_after, then retries the same row first", async () => {
    h = await harness();
    await enqueue(h.db, broadcast({ chats: 5 }));
    h.tg.failNext("sendMessage", { code: 429, retryAfter: 2 });
    const worker = h.worker({ perSecond: 1000, concurrency: 1 });
    await worker.drain();

    const calls = sends(h);
    expect(calls).toHaveLength(6);
    const [flood, ...rest] = calls;
    expect(flood!.failed).toBe(true);
    for (const call of rest) expect(call.at - flood!.at).toBeGreaterThanOrEqual(2000);
    expect(rest[0]!.payload.chat_id).toBe(flood!.payload.chat_id);
    expect(byChat(ok(calls)).size).toBe(5);
    // A 429 is not the message's fault: it does not use up an attempt.
    expect((await row(h, Number(flood!.payload.chat_id))).attempts).toBe(1);
  }, 20_000);

  it("stops every send, not only the refused one, with several in flight", async () => {
    h = await harness();
    await enqueue(h.db, broadcast({ chats: 200 }));
    h.tg.failNext("sendMessage", { code: 429, retryAfter: 2 });
    h.tg.setDelay("sendMessage", 5);
    const worker = h.worker({ perSecond: 1000, concurrency: 8 });
    await worker.drain();

    const calls = sends(h);
    const flood = calls.find((c) => c.failed)!;
    // Sends already on the wire when the 429 came back were made at its instant; nothing is started later.
    const inPause = calls.filter((c) => c.at > flood.at && c.at < flood.at + 2000);
    expect(inPause).toEqual([]);
    expect(calls.filter((c) => c.at >= flood.at + 2000).length).toBeGreaterThan(150);
    expect(byChat(ok(calls)).size).toBe(200);
    expect(ok(calls)).toHaveLength(200);
  }, 20_000);
});

describe("server and network errors", () => {
  it("retries a 500 after 2 s (exponential backoff from 2^attempts s)", async () => {
    h = await harness();
    await enqueue(h.db, broadcast({ chats: 3, firstChat: 100 }));
    h.tg.failNext("sendMessage", { code: 500 }, { chatId: 101 });
    const worker = h.worker();
    await worker.drain();

    const failed = sends(h).find((c) => c.failed)!;
    const pending = await row(h, 101);
    expect(pending).toMatchObject({ status: "pending", attempts: 1, lastError: "500: Internal Server Error" });
    expect(pending.notBefore.getTime() - failed.at).toBe(2000);

    await worker.drain({ includeDelayed: true });
    const to101 = byChat(sends(h)).get(101)!;
    expect(to101).toHaveLength(2);
    expect(to101[1]!.failed).toBeUndefined();
    expect(to101[1]!.at - failed.at).toBeGreaterThanOrEqual(2000);
    expect(to101[1]!.at - failed.at).toBeLessThanOrEqual(2100);
    expect(await row(h, 101)).toMatchObject({ status: "sent", attempts: 2, lastError: null });
  }, 20_000);

  it("gives up after maxAttempts", async () => {
    h = await harness();
    await enqueue(h.db, broadcast({ chats: 2, firstChat: 200 }));
    h.tg.failNext("sendMessage", { code: 500, description: "Internal Server Error: upstream down" }, { chatId: 200, times: 10 });
    const worker = h.worker({ maxAttempts: 3, backoffBaseMs: 20 });
    await worker.drain({ includeDelayed: true });

    expect(byChat(sends(h)).get(200)).toHaveLength(3);
    expect(await row(h, 200)).toMatchObject({
      status: "failed",
      attempts: 3,
      lastError: "gave up after 3 attempts: 500: Internal Server Error: upstream down",
    });
    expect(await row(h, 201)).toMatchObject({ status: "sent" });
  }, 20_000);

  it("retries network errors and keeps the token out of logs and the database", async () => {
    h = await harness();
    // A port nobody listens on: every call fails before reaching anything.
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((r) => server.close(() => r()));
    await enqueue(h.db, broadcast({ chats: 1, firstChat: 300 }));
    const worker = h.worker({ api: new Api(TOKEN, { apiRoot: `http://127.0.0.1:${port}` }), maxAttempts: 2, backoffBaseMs: 20 });
    await worker.drain({ includeDelayed: true });

    const failed = await row(h, 300);
    expect(failed).toMatchObject({ status: "failed", attempts: 2 });
    expect(failed.lastError).toContain("Network request for 'sendMessage' failed");
    const logs = h.logs.join("");
    expect(logs).toContain("will retry");
    expect(logs).not.toContain(TOKEN);
    expect(failed.lastError).not.toContain(TOKEN);
  }, 20_000);
});

describe("recipients who are gone", () => {
  it("403: fails the chat's rows without retrying and marks the user blocked", async () => {
    h = await harness();
    await addUser(h, 400, "Ala");
    await addUser(h, 401, "Ola");
    await enqueue(h.db, broadcast({ chats: 3, firstChat: 400, perChat: 2 }));
    h.tg.failNext("sendMessage", { code: 403, description: "Forbidden: bot was blocked by the user" }, { chatId: 400 });
    const unreachable: bigint[] = [];
    const worker = h.worker({ onUnreachable: (chatId) => void unreachable.push(chatId) });
    await worker.drain({ includeDelayed: true });

    expect(byChat(sends(h)).get(400)).toHaveLength(1);
    const rows = await h.db.selectFrom("Delivery").selectAll().where("chatId", "=", 400).orderBy("id").execute();
    expect(rows.map((r) => r.status)).toEqual(["failed", "failed"]);
    expect(rows[0]!.lastError).toBe("403: Forbidden: bot was blocked by the user");
    expect(await blocked(h, 400)).toBe(true);
    expect(await blocked(h, 401)).toBe(false);
    expect(unreachable).toEqual([400n]);
    expect(ok(sends(h))).toHaveLength(4); // the other two chats, two messages each
    // Still nothing to 400 after ten more seconds of polling.
    const later = h.clock.monotonic() + 10_000;
    await waitUntil(() => h!.clock.monotonic() >= later);
    expect(byChat(sends(h)).get(400)).toHaveLength(1);
  }, 20_000);

  it("400 chat not found: the same, never retried", async () => {
    h = await harness();
    await addUser(h, 500, "Ewa");
    await enqueue(h.db, broadcast({ chats: 2, firstChat: 500 }));
    h.tg.failNext("sendMessage", { code: 400, description: "Bad Request: chat not found" }, { chatId: 500 });
    const worker = h.worker();
    await worker.drain({ includeDelayed: true });

    expect(byChat(sends(h)).get(500)).toHaveLength(1);
    expect(await row(h, 500)).toMatchObject({ status: "failed", attempts: 1, lastError: "400: Bad Request: chat not found" });
    expect(await blocked(h, 500)).toBe(true);
  }, 20_000);

  it("other 400s fail that message only, with Telegram's description", async () => {
    h = await harness();
    await addUser(h, 600, "Jan");
    await enqueue(h.db, [
      { dedupeKey: "bad", chatId: 600, kind: "test", message: { method: "sendMessage", text: "<b>unclosed", parse_mode: "HTML" } },
      { dedupeKey: "good", chatId: 600, kind: "test", message: { method: "sendMessage", text: "<b>fine</b>", parse_mode: "HTML" } },
    ]);
    const worker = h.worker();
    await worker.drain({ includeDelayed: true });

    const bad = await byKey(h, "bad");
    expect(bad.status).toBe("failed");
    expect(bad.lastError).toMatch(/^400: Bad Request: can't parse entities/);
    expect((await byKey(h, "good")).status).toBe("sent");
    expect(sends(h)).toHaveLength(2);
    expect(await blocked(h, 600)).toBe(false);
  }, 20_000);
});

describe("cancel and dedupe", () => {
  it("cancel({ userId }) mid-broadcast: that resident gets nothing more", async () => {
    h = await harness();
    const items = broadcast({ chats: 40, firstChat: 700, batchKey: "meeting:1" });
    // Resident 8 (chat 707) has four messages queued.
    items.push(...[1, 2, 3].map((m) => ({ ...items[7]!, dedupeKey: `extra:${m}`, message: { method: "sendMessage" as const, text: `extra ${m}` } })));
    await enqueue(h.db, items);
    // Time stops once 707's first message is recorded (its next one is a second away), until cancel() returns.
    let firstTo707 = false;
    const onSent = (e: DeliveryEvent) => {
      if (e.chatId !== 707n || firstTo707) return;
      firstTo707 = true;
      h!.clock.hold();
    };
    const worker = h.worker({ perSecond: 1000, onSent });
    await waitUntil(() => firstTo707);
    expect(await cancel(h.db, { userId: 8 })).toBe(3);
    h.clock.release();
    await worker.drain({ includeDelayed: true });

    expect(byChat(sends(h)).get(707)).toHaveLength(1);
    expect(ok(sends(h))).toHaveLength(40);
    expect(await batchProgress(h.db, "meeting:1")).toEqual({ total: 43, sent: 40, failed: 0, cancelled: 3, pending: 0 });
  }, 20_000);

  it("cancel({ batchKey }) stops the rest of a broadcast", async () => {
    h = await harness();
    await enqueue(h.db, broadcast({ chats: 200, firstChat: 1000, batchKey: "meeting:2" }));
    await enqueue(h.db, broadcast({ chats: 10, firstChat: 5000, batchKey: "other", prefix: "o" }));
    // Time stops after the 30th message, until cancel() returns.
    let sent = 0;
    const worker = h.worker({ perSecond: 50, concurrency: 4, onSent: () => void (++sent === 30 && h!.clock.hold()) });
    await waitUntil(() => sent >= 30);
    const cancelled = await cancel(h.db, { batchKey: "meeting:2" });
    const madeBefore = sends(h).length;
    h.clock.release();
    await worker.drain({ includeDelayed: true });

    const progress = await batchProgress(h.db, "meeting:2");
    expect(cancelled).toBeGreaterThan(100);
    expect(progress.cancelled).toBe(cancelled);
    expect(progress.sent + progress.cancelled).toBe(200);
    const toBatch = ok(sends(h)).filter((c) => Number(c.payload.chat_id) < 5000);
    expect(toBatch).toHaveLength(progress.sent);
    // At most the sends already claimed (concurrency) reach Telegram after cancel returned.
    expect(
      sends(h)
        .slice(madeBefore)
        .filter((c) => Number(c.payload.chat_id) < 5000).length,
    ).toBeLessThanOrEqual(4);
    expect(byChat(sends(h)).size).toBe(progress.sent + 10);
  }, 20_000);

  it("the same dedupeKey is queued and sent once", async () => {
    h = await harness();
    const items = broadcast({ chats: 100 });
    expect(await enqueue(h.db, items)).toBe(100);
    expect(await enqueue(h.db, items)).toBe(0);
    const worker = h.worker({ perSecond: 1000 });
    await worker.drain();
    expect(await enqueue(h.db, [...items, ...broadcast({ chats: 1, firstChat: 99_999 })])).toBe(1);
    worker.wake();
    await worker.drain();
    expect(ok(sends(h))).toHaveLength(101);
    expect(Math.max(...[...byChat(sends(h)).values()].map((l) => l.length))).toBe(1);
  }, 20_000);
});

describe("worker life cycle", () => {
  it("keeps its claims and marks when a transaction of the app fails meanwhile: they wait for it, never join it", async () => {
    h = await harness();
    await enqueue(h.db, broadcast({ chats: 20, firstChat: 700 }));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let worker!: ReturnType<Harness["worker"]>;
    // The app's transaction holds the one connection while the worker starts and wants to claim rows.
    const failing = h.db.transaction().execute(async (tx) => {
      await tx.updateTable("Delivery").set({ lastError: "inside" }).execute();
      worker = h!.worker({ perSecond: 1000 });
      await held;
      throw new Error("rolled back");
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sends(h)).toEqual([]); // the worker's first read waits for the transaction
    release();
    await expect(failing).rejects.toThrow("rolled back");
    await worker.drain();
    expect(ok(sends(h))).toHaveLength(20);
    expect(byChat(sends(h)).size).toBe(20);
    expect(await statusCounts(h.db)).toEqual({ sent: 20 });
    const rows = await h.db.selectFrom("Delivery").select(["lastError", "attempts"]).execute();
    expect(rows.every((r) => r.lastError === null && r.attempts === 1)).toBe(true);
  });

  it("sends rows left 'sending' by a crash again at start", async () => {
    h = await harness();
    await enqueue(h.db, broadcast({ chats: 3, firstChat: 800 }));
    await h.db.updateTable("Delivery").set({ status: "sending", attempts: 1 }).where("chatId", "=", 801).execute();
    const worker = h.worker();
    await worker.drain();
    expect(byChat(ok(sends(h))).size).toBe(3);
    expect(await statusCounts(h.db)).toEqual({ sent: 3 });
  });

  it("never sends a row that is not pending", async () => {
    h = await harness();
    await enqueue(h.db, broadcast({ chats: 4, firstChat: 900 }));
    await setDelivery(h, "t:900:0", { status: "failed" });
    await setDelivery(h, "t:901:0", { status: "cancelled" });
    await setDelivery(h, "t:902:0", { status: "sent" });
    const worker = h.worker();
    await worker.drain({ includeDelayed: true });
    expect(sends(h).map((c) => c.payload.chat_id)).toEqual([903]);
  });

  it("wake() delivers at once; a scheduled row waits for notBefore", async () => {
    h = await harness();
    // Time may not reach the first poll (60 s): only wake() or the scheduled row can get a row sent.
    h.clock.limit(30_000);
    const worker = h.worker({ pollMs: 60_000 });
    await worker.drain();
    const now = h.clock.now().getTime();
    await enqueue(
      h.db,
      [{ ...broadcast({ chats: 1, firstChat: 950 })[0]! }, { ...broadcast({ chats: 1, firstChat: 951 })[0]!, notBefore: new Date(now + 800) }],
      { now: h.clock.now() },
    );
    worker.wake();
    await waitUntil(() => sends(h!).length === 2, 5000);
    await worker.drain({ includeDelayed: true });
    const [first, later] = sends(h);
    expect(first!.payload.chat_id).toBe(950);
    // At once, give or take the 100 ms by which a wake's read may be put off after the previous read.
    expect(first!.at - now).toBeLessThanOrEqual(100);
    expect(later!.payload.chat_id).toBe(951);
    expect(later!.at).toBeGreaterThanOrEqual(now + 800);
    // …and not at the next poll: while rows are going out the worker reads again within a second.
    expect(later!.at).toBeLessThanOrEqual(now + 100 + 1000);
  });

  it("an idle worker wakes for its next scheduled row, not at the next poll", async () => {
    h = await harness();
    h.clock.limit(30_000); // the first poll would come at 60 s
    const at = new Date(h.clock.now().getTime() + 5000);
    await enqueue(h.db, [{ ...broadcast({ chats: 1, firstChat: 960 })[0]!, notBefore: at }], { now: h.clock.now() });
    const worker = h.worker({ pollMs: 60_000 });
    await waitUntil(() => sends(h!).length === 1, 5000);
    await worker.drain({ includeDelayed: true });
    expect(sends(h)[0]!.at).toBe(at.getTime());
  });

  it("paces a media group as one message per item, and fails an unreadable row without a call", async () => {
    h = await harness();
    const photo = await h.api.sendPhoto(1200, "https://example.org/poster.jpg");
    const fileId = photo.photo.at(-1)!.file_id;
    h.tg.clearCalls();
    await enqueue(h.db, [
      {
        dedupeKey: "album",
        chatId: 1200,
        kind: "test",
        message: { method: "sendMediaGroup", media: [1, 2, 3].map(() => ({ type: "photo", media: fileId })) },
      },
      { dedupeKey: "after", chatId: 1200, kind: "test", message: { method: "sendMessage", text: "after the album" } },
      { dedupeKey: "broken", chatId: 1201, kind: "test", message: { method: "sendMessage", text: "x" } },
    ]);
    await setDelivery(h, "broken", { payload: "{not json" });
    const worker = h.worker();
    await worker.drain({ includeDelayed: true });

    const [album, after] = h.calls().filter((c) => c.payload.chat_id === 1200);
    expect(album!.method).toBe("sendMediaGroup");
    expect(after!.at - album!.at).toBeGreaterThanOrEqual(3000);
    const broken = await byKey(h, "broken");
    expect(broken.status).toBe("failed");
    expect(broken.lastError).toMatch(/^invalid payload/);
    expect(h.calls().filter((c) => c.payload.chat_id === 1201)).toEqual([]);
    expect(h.tg.calls.filter((c) => c.payload.chat_id === 1201)).toEqual([]);
  }, 20_000);

  it("stop() lets in-flight sends finish and records them", async () => {
    h = await harness();
    await enqueue(h.db, broadcast({ chats: 50, firstChat: 1100 }));
    h.tg.setDelay("sendMessage", 300);
    const sent: DeliveryEvent[] = [];
    const worker = h.worker({ perSecond: 1000, concurrency: 4, onSent: (e) => void sent.push(e) });
    // Four calls on the wire (each answered after 300 ms).
    await waitUntil(() => h!.clock.held === 4);
    await worker.stop();
    const counts = await statusCounts(h.db);
    expect(counts.sending).toBeUndefined();
    expect(counts.sent).toBe(4);
    expect(sends(h)).toHaveLength(4);
    expect(sent).toHaveLength(4);
    expect(sent[0]).toMatchObject({ status: "sent", kind: "test", method: "sendMessage", attempts: 1 });
    expect((sent[0]!.result as { message_id: number }).message_id).toBeGreaterThan(0);
  });
});
