import type { Update } from "grammy/types";
import type { InboxRow } from "../db/chatLocks.js";
import { inChunks, type Database } from "../db/connection.js";

// The durable inbox ("InboxUpdate"): every update is stored before Telegram hears that we have it (long polling:
// before the runner confirms the batch, bot/polling.ts; webhook: before the 200, bot/webhookInbox.ts) and deleted
// once handled.

/** Rows per statement: well under every database's limit on bound parameters. */
const CHUNK = 500;

/** Stores a fetched batch in one transaction (an update stored already, by an earlier attempt, stays as it is). */
export async function storeInbox(db: Database, updates: readonly Update[], now: Date): Promise<void> {
  if (!updates.length) return;
  const rows = updates.map((u) => inboxRow(u, now));
  await inChunks(db, rows, CHUNK, (q, chunk) =>
    q
      .insertInto("InboxUpdate")
      .values(chunk)
      .onConflict((oc) => oc.column("updateId").doNothing())
      .execute(),
  );
}

/** The row that stores an update. */
export function inboxRow(update: Update, receivedAt: Date): InboxRow {
  return { updateId: update.update_id, payload: JSON.stringify(update), receivedAt, chatKey: chatKeyOf(update) };
}

/** Forgets handled updates, in one transaction. */
export async function forgetInbox(db: Database, updateIds: readonly number[]): Promise<void> {
  if (!updateIds.length) return;
  await inChunks(db, updateIds, CHUNK, (q, chunk) => q.deleteFrom("InboxUpdate").where("updateId", "in", chunk).execute());
}

/** Updates stored and not yet handled (left over by an interrupted run), oldest first. */
export async function pendingInbox(db: Database): Promise<Update[]> {
  const rows = await db.selectFrom("InboxUpdate").select("payload").orderBy("updateId").execute();
  return rows.map((r) => JSON.parse(r.payload) as Update);
}

/** The chat an update belongs to (the sender's private chat when it names no chat), as the bot orders updates. */
export function chatKeyOf(update: Update): string | null {
  const chat =
    update.message?.chat ??
    update.edited_message?.chat ??
    update.callback_query?.message?.chat ??
    update.my_chat_member?.chat ??
    update.channel_post?.chat ??
    update.edited_channel_post?.chat;
  const from = update.callback_query?.from ?? update.inline_query?.from ?? update.message?.from;
  const id = chat?.id ?? from?.id;
  return id === undefined ? null : String(id);
}

/** Chats with updates stored before `before` and not yet handled (left by an instance that died, or waiting). */
export async function chatsWithPendingInbox(db: Database, before: Date, limit: number): Promise<(string | null)[]> {
  const rows = await db
    .selectFrom("InboxUpdate")
    .select("chatKey")
    .where("receivedAt", "<", before)
    .groupBy("chatKey")
    .orderBy("chatKey")
    .limit(limit)
    .execute();
  return rows.map((r) => r.chatKey);
}
