// The outbox: every message the bot sends on its own initiative (meeting announcements, reminders,
// status changes, relays) is a row in "Delivery" first, and only the DeliveryWorker sends it.
// A row is written once per (dedupeKey): whoever enqueues may retry or run twice without spamming anyone.
import { InputFile } from "grammy";
import type { Insertable } from "kysely";
import { inChunks, type Database, type Queryable } from "../db/connection.js";
import type { Delivery } from "../generated/kysely/types.js";

export const MESSAGE_METHODS = ["sendMessage", "sendPhoto", "sendDocument", "sendLocation", "copyMessage", "sendMediaGroup", "editMessageText"] as const;
export type MessageMethod = (typeof MESSAGE_METHODS)[number];

export type DeliveryStatus = "pending" | "sending" | "sent" | "failed" | "cancelled";

export interface OutgoingMessage {
  /** Unique per intended message, e.g. "meeting:12:announce:user:55"; a second enqueue of it is a no-op. */
  dedupeKey: string;
  chatId: number | bigint;
  userId?: number;
  /** For logs and statistics: meeting_announcement, meeting_reminder, status_change, relay, staff… */
  kind: string;
  /** Groups one broadcast's rows for batchProgress and cancel, e.g. "meeting:12:announce". */
  batchKey?: string;
  /** Not sent before this instant (reminders); default: now. */
  notBefore?: Date;
  /**
   * The Bot API call, rendered now (in the recipient's language). `chat_id` defaults to `chatId`.
   * Files are on Telegram (file_id or URL), or files the bot made, stored as `storedUpload(...)` (uploads.ts).
   */
  message: { method: MessageMethod; [param: string]: unknown };
}

export interface BatchProgress {
  total: number;
  sent: number;
  failed: number;
  cancelled: number;
  /** Still to go, including the few being sent right now. */
  pending: number;
}

const METHODS = new Set<string>(MESSAGE_METHODS);
/** Rows per INSERT: 8 bound values each, well under every database's limit on parameters. */
const ROWS_PER_STATEMENT = 1000;

/**
 * Inserts the messages that are not queued yet (by dedupeKey) and returns how many were new.
 * Given a transaction, the rows join it: enqueueing inside the transaction that makes the change the
 * messages announce (a meeting created, a status changed) means both happen or neither does. Given the
 * database, a broadcast is queued in one transaction of its own: entirely or not at all.
 * Wake the worker afterwards (after the commit, when given a transaction).
 */
export async function enqueue(db: Queryable, items: OutgoingMessage[], opts: { now?: Date } = {}): Promise<number> {
  if (items.length === 0) return 0;
  const now = opts.now ?? new Date();
  // Validated (and rendered) before anything is written: a bad item queues nothing.
  const rows = items.map((item) => row(item, now));
  const inserted = await inChunks(db, rows, ROWS_PER_STATEMENT, async (q, chunk) => {
    const result = await q
      .insertInto("Delivery")
      .values(chunk)
      .onConflict((oc) => oc.column("dedupeKey").doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0);
  });
  return inserted.reduce((sum, n) => sum + n, 0);
}

/** One row for the INSERT above. */
function row(item: OutgoingMessage, now: Date): Insertable<Delivery> {
  const { method, ...params } = item.message;
  if (!METHODS.has(method)) throw new Error(`enqueue: unsupported method ${String(method)} (${item.dedupeKey})`);
  if (!item.dedupeKey) throw new Error("enqueue: empty dedupeKey");
  const chatId = BigInt(item.chatId);
  if (chatId === 0n) throw new Error(`enqueue: chatId 0 (${item.dedupeKey})`);
  // The worker paces by the row's chatId, so the call must go to that chat.
  if (params.chat_id !== undefined && String(params.chat_id) !== String(chatId)) {
    throw new Error(`enqueue: message.chat_id ${String(params.chat_id)} differs from chatId ${chatId} (${item.dedupeKey})`);
  }
  if (params.chat_id === undefined && params.inline_message_id === undefined) {
    params.chat_id = Number.isSafeInteger(Number(chatId)) ? Number(chatId) : String(chatId);
  }
  const payload = JSON.stringify({ method, ...params }, (_key, value: unknown) => {
    if (value instanceof InputFile) throw new Error(`enqueue: an InputFile cannot be queued; upload it first and use its file_id (${item.dedupeKey})`);
    if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
    return value;
  });
  return {
    dedupeKey: item.dedupeKey,
    // Telegram's chat ids fit in 52 bits: exact as a number.
    chatId: Number(chatId),
    userId: item.userId ?? null,
    kind: item.kind,
    batchKey: item.batchKey ?? null,
    payload,
    // What the worker paces by, so it can schedule the row without reading the payload.
    weight: method === "sendMediaGroup" && Array.isArray(params.media) ? Math.max(params.media.length, 1) : 1,
    status: "pending",
    attempts: 0,
    notBefore: item.notBefore ?? now,
    createdAt: now,
  };
}

export interface CancelFilter {
  batchKey?: string;
  userId?: number;
  chatId?: number | bigint;
  kind?: string;
}

/**
 * Pending rows matching every given field become "cancelled" (e.g. a resident unsubscribed: nothing more
 * goes to them). A row already being sent (at most the worker's concurrency) still goes. Returns the count.
 */
export async function cancel(db: Queryable, where: CancelFilter): Promise<number> {
  if (where.batchKey === undefined && where.userId === undefined && where.chatId === undefined) {
    // Cancelling everything is never what a caller meant.
    throw new Error("cancel: give a batchKey, userId or chatId");
  }
  let query = db.updateTable("Delivery").set({ status: "cancelled" }).where("status", "=", "pending");
  if (where.batchKey !== undefined) query = query.where("batchKey", "=", where.batchKey);
  if (where.userId !== undefined) query = query.where("userId", "=", where.userId);
  if (where.chatId !== undefined) query = query.where("chatId", "=", Number(where.chatId));
  if (where.kind !== undefined) query = query.where("kind", "=", where.kind);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Where one broadcast stands. */
export async function batchProgress(db: Database, batchKey: string): Promise<BatchProgress> {
  const groups = await db
    .selectFrom("Delivery")
    .select((eb) => ["status", eb.fn.countAll().as("n")])
    .where("batchKey", "=", batchKey)
    .groupBy("status")
    .execute();
  const progress: BatchProgress = { total: 0, sent: 0, failed: 0, cancelled: 0, pending: 0 };
  for (const g of groups) {
    const n = Number(g.n);
    progress.total += n;
    if (g.status === "sent" || g.status === "failed" || g.status === "cancelled") progress[g.status] += n;
    else progress.pending += n;
  }
  return progress;
}
