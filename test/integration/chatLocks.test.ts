import type { Update } from "grammy/types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { chatLocks, type ChatLocks } from "../../src/db/chatLocks.js";
import { ChatPrefetch, dialogueKey, reportFormKey } from "../../src/db/chatPrefetch.js";
import type { Database } from "../../src/db/connection.js";
import { readConversationState, writeConversationState } from "../../src/db/conversationState.js";
import { createLogger } from "../../src/logger.js";
import { inboxRow, storeInbox } from "../../src/services/inbox.js";
import { prepareLockConnection } from "../../src/db/postgres/chatLocks.js";
import { ReportStore } from "../../src/db/reportStore.js";
import pg from "pg";
import { openTempDatabase } from "../support/database.js";
import { onPostgres } from "../support/testDatabase.js";

const CHAT = 5_550_001;
const NOW = new Date("2026-12-03T12:00:00.000Z");
const logger = createLogger("silent");

function message(updateId: number, chatId = CHAT): Update {
  const from = { id: chatId, is_bot: false, first_name: "Ala" };
  return {
    update_id: updateId,
    message: { message_id: updateId, date: 0, chat: { id: chatId, type: "private", first_name: "Ala" }, from, text: `m${updateId}` },
  };
}

const ids = (updates: Update[] | null) => updates?.map((u) => u.update_id) ?? null;

// The webhook inbox's chat locks (src/db/chatLocks.ts, src/db/postgres/chatLocks.ts): what two instances of one
// deployment see of each other through them, and what a claim reads ahead (src/db/chatPrefetch.ts).
describe("chat locks", () => {
  let db: Database;
  let url: string;
  let close: () => Promise<void>;
  const opened: ChatLocks[] = [];
  const locksOf = (prefetch = new ChatPrefetch()) => {
    const locks = chatLocks(url, db, logger, prefetch);
    opened.push(locks);
    return locks;
  };

  beforeEach(async () => {
    ({ db, url, close } = await openTempDatabase("dz-locks-"));
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((l) => l.close()));
    await close();
  });

  it("gives a chat's stored updates in order, forgets the handled ones, and says when more came while it was held", async () => {
    const locks = locksOf();
    await storeInbox(db, [message(12), message(11), message(30, CHAT + 1)], NOW);
    expect(ids(await locks.claim(String(CHAT), 20))).toEqual([11, 12]);
    await locks.settle(String(CHAT), [11]);
    // Stored by another instance while this one held the chat: the look after letting go finds it.
    await storeInbox(db, [message(13)], NOW);
    expect(await locks.release(String(CHAT), [12])).toEqual({ kept: null, more: true });
    expect(ids(await locks.claim(String(CHAT), 20))).toEqual([13]);
    expect(await locks.release(String(CHAT), [13])).toEqual({ kept: null, more: false });
    expect(ids(await locks.claim(String(CHAT + 1), 20))).toEqual([30]);
    expect(await locks.release(String(CHAT + 1), [])).toEqual({ kept: null, more: true });
    // An update just received is stored with the claim, before the stored ones are read.
    expect(ids(await locks.claim(String(CHAT), 20, inboxRow(message(14), NOW)))).toEqual([14]);
    expect(await locks.release(String(CHAT), [14])).toEqual({ kept: null, more: false });
  });

  it("keeps the chat at release for updates stored meanwhile, the handled ones forgotten first, and reads them in order", async () => {
    const prefetch = new ChatPrefetch();
    const locks = locksOf(prefetch);
    expect(ids(await locks.claim(String(CHAT), 20, inboxRow(message(1), NOW)))).toEqual([1]);
    // Received while update 1 was handled.
    await storeInbox(db, [message(3), message(2)], NOW);
    await writeConversationState(db, reportFormKey(CHAT), '{"stage":"place"}', NOW);
    expect(await locks.release(String(CHAT), [1], 20)).toEqual({ kept: [message(2), message(3)] });
    // With PostgreSQL the chat's first rows are read ahead again, as a claim reads them.
    if (onPostgres) expect(prefetch.takeState(reportFormKey(CHAT))).toBe('{"stage":"place"}');
    // Nothing more stored: let go.
    expect(await locks.release(String(CHAT), [2, 3], 20)).toEqual({ kept: null, more: false });
    expect(await db.selectFrom("InboxUpdate").select("updateId").execute()).toEqual([]);
  });

  it.skipIf(!onPostgres)("holds a kept chat: another instance cannot take it until it is let go (needs PostgreSQL)", async () => {
    const [a, b] = [locksOf(), locksOf()];
    expect(ids(await a.claim(String(CHAT), 20, inboxRow(message(1), NOW)))).toEqual([1]);
    expect(await b.claim(String(CHAT), 20, inboxRow(message(2), NOW))).toBeNull();
    expect(await a.release(String(CHAT), [1], 20)).toEqual({ kept: [message(2)] });
    expect(await b.claim(String(CHAT), 20)).toBeNull();
    expect(await a.release(String(CHAT), [2], 20)).toEqual({ kept: null, more: false });
    expect(await b.claim(String(CHAT), 20)).toEqual([]);
    await b.release(String(CHAT), []);
  });

  it("keeps the updates without a chat (key null) apart from every chat's, in order, one holder at a time", async () => {
    const [a, b] = [locksOf(), locksOf()];
    const chatless = (updateId: number) => ({ ...inboxRow(message(updateId), NOW), chatKey: null });
    await storeInbox(db, [message(2)], NOW);
    expect(ids(await a.claim(null, 20, chatless(7)))).toEqual([7]);
    // Another instance cannot take them meanwhile (one process per database with SQLite: nothing to hold apart).
    if (onPostgres) expect(await b.claim(null, 20, chatless(6))).toBeNull();
    else await db.insertInto("InboxUpdate").values(chatless(6)).execute();
    expect(await a.release(null, [7])).toEqual({ kept: null, more: true });
    expect(ids(await b.claim(null, 20))).toEqual([6]);
    expect(await b.release(null, [6])).toEqual({ kept: null, more: false });
    expect(ids(await a.claim(String(CHAT), 20))).toEqual([2]);
    await a.release(String(CHAT), [2]);
    // Kept at release for what was stored meanwhile (the key null has statements of its own).
    await db.insertInto("InboxUpdate").values(chatless(9)).execute();
    expect(ids(await a.claim(null, 20, chatless(8)))).toEqual([8, 9]);
    await db.insertInto("InboxUpdate").values(chatless(10)).execute();
    expect(await a.release(null, [8, 9], 20)).toEqual({ kept: [message(10)] });
    expect(await a.release(null, [10], 20)).toEqual({ kept: null, more: false });
    expect(await db.selectFrom("InboxUpdate").select("updateId").execute()).toEqual([]);
  });

  it.skipIf(!onPostgres)("lets one instance hold a chat at a time; the next sees nothing the last one handled (needs PostgreSQL)", async () => {
    const [a, b] = [locksOf(), locksOf()];
    await storeInbox(db, [message(1)], NOW);
    expect(ids(await a.claim(String(CHAT), 20))).toEqual([1]);
    expect(await b.claim(String(CHAT), 20)).toBeNull();
    // What the other instance received meanwhile is stored all the same, for the holder to find.
    expect(await b.claim(String(CHAT), 20, inboxRow(message(2), NOW))).toBeNull();
    expect(await db.selectFrom("InboxUpdate").select("updateId").orderBy("updateId").execute()).toEqual([{ updateId: 1 }, { updateId: 2 }]);
    // Another chat is free meanwhile.
    expect(await b.claim(String(CHAT + 1), 20)).toEqual([]);
    await b.release(String(CHAT + 1), []);
    await a.settle(String(CHAT), [1]);
    expect(await b.claim(String(CHAT), 20)).toBeNull(); // settling keeps the chat
    expect(await a.release(String(CHAT), [])).toEqual({ kept: null, more: true });
    expect(ids(await b.claim(String(CHAT), 20))).toEqual([2]);
    await b.release(String(CHAT), []);
  });

  it.skipIf(!onPostgres)(
    "reads a private chat's dialogue state and user with the claim, hands each out once, and drops them at release (needs PostgreSQL)",
    async () => {
      const prefetch = new ChatPrefetch();
      const locks = locksOf(prefetch);
      await db.insertInto("User").values({ telegramId: CHAT, firstName: "Ala", firstSeen: NOW, lastSeen: NOW, role: "officer" }).execute();
      await writeConversationState(db, reportFormKey(CHAT), '{"stage":"place"}', NOW);
      await storeInbox(db, [message(1)], NOW);
      await locks.claim(String(CHAT), 20);
      expect(prefetch.takeState(reportFormKey(CHAT))).toBe('{"stage":"place"}');
      expect(prefetch.takeState(reportFormKey(CHAT))).toBeUndefined(); // once
      expect(prefetch.takeState(dialogueKey(CHAT, CHAT))).toBeNull(); // read: no row
      expect(prefetch.takeUser(CHAT)).toMatchObject({ firstName: "Ala", role: "officer", blocked: false, lastSeen: NOW });
      expect(prefetch.takeUser(CHAT)).toBeUndefined();
      await locks.release(String(CHAT), [1]);
      // A group chat's rows are not read ahead; nor is anything left after the release.
      await locks.claim(String(-CHAT), 20);
      expect(prefetch.takeState(dialogueKey(CHAT, CHAT))).toBeUndefined();
      expect(prefetch.takeUser(CHAT)).toBeUndefined();
      await locks.release(String(-CHAT), []);
    },
  );

  it("hands out our own write of a held chat's state once, as a row read with the chat; of a chat not held, nothing", () => {
    const prefetch = new ChatPrefetch();
    const key = reportFormKey(CHAT);
    prefetch.known(key, "{}");
    expect(prefetch.takeState(key)).toBeUndefined();
    prefetch.offer(String(CHAT), { states: new Map([[key, '{"stage":"done"}']]), user: null });
    expect(prefetch.takeState(key)).toBe('{"stage":"done"}');
    // The form deleted: the read that follows in the same update needs no round trip.
    prefetch.known(key, null);
    expect(prefetch.takeState(key)).toBeNull();
    expect(prefetch.takeState(key)).toBeUndefined();
    // A write cancels a deferred one of the key (it would put an older value back).
    expect(prefetch.deferState(key, '{"promptId":7}', NOW)).toBe(true);
    prefetch.known(key, '{"stage":"category"}');
    expect(prefetch.deferredState(key)).toBeUndefined();
    expect(prefetch.takeDeferred(String(CHAT))).toEqual([]);
    expect(prefetch.takeState(key)).toBe('{"stage":"category"}');
    prefetch.release(String(CHAT));
    prefetch.known(key, "{}");
    expect(prefetch.takeState(key)).toBeUndefined();
  });

  it("serves the report form read with its chat to every read of the update, and asks the database once the chat is let go", async () => {
    const prefetch = new ChatPrefetch();
    const reports = new ReportStore(db, { flush: async () => {} }, { cache: false, prefetch });
    const key = reportFormKey(CHAT);
    prefetch.offer(String(CHAT), { states: new Map([[key, '{"stage":"done"}']]), user: null });
    // Changed behind the store's back (no instance does while the chat is held): a read that asked the database would see it.
    await writeConversationState(db, key, '{"stage":"place"}', NOW);
    expect(await reports.readForm(key)).toBe('{"stage":"done"}');
    expect(await reports.readForm(key)).toBe('{"stage":"done"}');
    prefetch.release(String(CHAT));
    expect(await reports.readForm(key)).toBe('{"stage":"place"}');
  });

  it.skipIf(!onPostgres)("stores a deferred write with the handled update's end, unless a write of the key came after it (needs PostgreSQL)", async () => {
    const prefetch = new ChatPrefetch();
    const locks = locksOf(prefetch);
    const key = reportFormKey(CHAT);
    // Not held: the caller writes at once.
    expect(prefetch.deferState(key, "early", NOW)).toBe(false);
    await storeInbox(db, [message(1), message(2)], NOW);
    await locks.claim(String(CHAT), 20);
    expect(prefetch.deferState(key, '{"promptId":7}', NOW)).toBe(true);
    expect(prefetch.deferredState(key)).toBe('{"promptId":7}');
    expect(await readConversationState(db, key)).toBeUndefined();
    await locks.settle(String(CHAT), [1]);
    expect(await readConversationState(db, key)).toBe('{"promptId":7}');
    // A write of the key after the deferred one cancels it: the release must not put the older value back.
    expect(prefetch.deferState(key, '{"promptId":8}', NOW)).toBe(true);
    prefetch.forgetState(key);
    await writeConversationState(db, key, '{"stage":"done"}', NOW);
    await locks.release(String(CHAT), [2]);
    expect(await readConversationState(db, key)).toBe('{"stage":"done"}');
    expect(await db.selectFrom("InboxUpdate").select("updateId").execute()).toEqual([]);
  });

  it.skipIf(!onPostgres)("deletes a finished form's row with the handled update's end, unless a new form was written after (needs PostgreSQL)", async () => {
    const prefetch = new ChatPrefetch();
    const locks = locksOf(prefetch);
    const reports = new ReportStore(db, { flush: async () => {} }, { cache: false, prefetch });
    const key = reportFormKey(CHAT);
    // Not held: deleted at once.
    await writeConversationState(db, key, '{"stage":"done"}', NOW);
    await reports.deleteFormLater(key);
    expect(await readConversationState(db, key)).toBeUndefined();
    await writeConversationState(db, key, '{"stage":"done"}', NOW);
    await storeInbox(db, [message(1), message(2)], NOW);
    await locks.claim(String(CHAT), 20);
    await reports.deleteFormLater(key);
    // Reads here see it gone at once; the database, with the handled update's end.
    expect(await reports.readForm(key)).toBeUndefined();
    expect(await readConversationState(db, key)).toBe('{"stage":"done"}');
    await locks.settle(String(CHAT), [1]);
    expect(await readConversationState(db, key)).toBeUndefined();
    // A new form written after the deletion was deferred (as /report does): the release must not delete it.
    await reports.deleteFormLater(key);
    await reports.writeForm({ key, value: '{"stage":"category"}' }, NOW);
    await locks.release(String(CHAT), [2]);
    expect(await readConversationState(db, key)).toBe('{"stage":"category"}');
    expect(await db.selectFrom("InboxUpdate").select("updateId").execute()).toEqual([]);
  });

  it.skipIf(!onPostgres)("plans every statement of a lock connection on an index, however few rows the statistics count (needs PostgreSQL)", async () => {
    // A handful of live rows, as the inbox usually holds: the planner then prefers reading the whole table, which
    // in production means every dead row of the updates handled since the last vacuum.
    await storeInbox(
      db,
      Array.from({ length: 30 }, (_, i) => message(100 + i, CHAT + (i % 5))),
      NOW,
    );
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`analyze "InboxUpdate"; analyze "ConversationState"; analyze "User"`);
      await prepareLockConnection(client);
      const key = `'${CHAT}'`;
      for (const execute of [
        `dz_chat_updates(${key}, 20)`,
        `dz_chat_more(${key})`,
        `dz_chat_unlock_idle(${key})`,
        `dz_inbox_forget('{100,101}')`,
        `dz_chat_states('a', 'b')`,
        `dz_chat_user(${CHAT})`,
        `dz_state_drop(${key})`,
      ]) {
        const plan = (await client.query(`explain execute ${execute}`)).rows.map((r: { "QUERY PLAN": string }) => r["QUERY PLAN"]).join("\n");
        expect(plan, execute).not.toContain("Seq Scan");
      }
    } finally {
      await client.end();
    }
  });
});
