// The outbox: every message the bot sends on its own initiative (meeting announcements, reminders,
// status changes, relays) is a row in "Delivery" first, and only the DeliveryWorker sends it.
// A row is written once per (dedupeKey): whoever enqueues may retry or run twice without spamming anyone.
import type Database from "better-sqlite3";
import { InputFile } from "grammy";
import { exclusive, type Db } from "../db/client.js";
import { sqliteDate } from "../db/hotPath.js";
import type { Prisma } from "../generated/prisma/client.js";

/**
 * The client, or a transaction's: enqueueing inside the transaction that makes the change the messages
 * announce (a meeting created, a status changed) means both happen or neither does.
 */
export type DbOrTx = Db | Prisma.TransactionClient;

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
   * Files must already be on Telegram (file_id or URL): an upload cannot wait in a database row.
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
const ROWS_PER_STATEMENT = 2000;

// Rows travel as one JSON array per statement, unpacked by SQLite's json_each: Prisma's cost grows with
// the number of bound values, and this measured twice as fast as multi-row VALUES with 8 values a row
// (10,000 rows: ~350 ms against ~600-900 ms). `->` keeps the payload as (minified) JSON text.
const INSERT = `
  INSERT OR IGNORE INTO "Delivery" ("dedupeKey", "chatId", "userId", "kind", "batchKey", "payload", "notBefore", "createdAt")
  SELECT value ->> 'k', CAST(value ->> 'c' AS INTEGER), value ->> 'u', value ->> 't', value ->> 'b', value -> 'p', value ->> 'n', ?
  FROM json_each(?)`;

/**
 * Inserts the messages that are not queued yet (by dedupeKey) and returns how many were new.
 * Call the worker's wake() afterwards (after the commit, when given a transaction).
 */
export async function enqueue(db: DbOrTx, items: OutgoingMessage[], opts: { now?: Date } = {}): Promise<number> {
  if (items.length === 0) return 0;
  const now = sqliteDate(opts.now ?? new Date());
  const chunks = statementArguments(items, now);
  if (!("$transaction" in db)) {
    // Already inside the caller's transaction.
    let inserted = 0;
    for (const chunk of chunks) inserted += await db.$executeRawUnsafe(INSERT, now, chunk);
    return inserted;
  }
  // One transaction: a broadcast is queued entirely or not at all.
  const inserted = await exclusive(db, () => db.$transaction(chunks.map((chunk) => db.$executeRawUnsafe(INSERT, now, chunk))));
  return inserted.reduce((sum, n) => sum + n, 0);
}

/**
 * The same insert as a prepared statement on a better-sqlite3 connection (the hot path's), for callers
 * that run synchronously in their own transaction (the notifier). Returns how many rows were new.
 */
export function enqueueStatement(sqlite: Database.Database): (items: OutgoingMessage[], now: Date) => number {
  const insert = sqlite.prepare(INSERT);
  return sqlite.transaction((items: OutgoingMessage[], now: Date) => {
    const at = sqliteDate(now);
    let inserted = 0;
    for (const chunk of statementArguments(items, at)) inserted += insert.run(at, chunk).changes;
    return inserted;
  });
}

/** The JSON arrays the INSERT above unpacks, ROWS_PER_STATEMENT rows each. */
function statementArguments(items: OutgoingMessage[], now: string): string[] {
  const rows = items.map((item) => row(item, now));
  const chunks: string[] = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    chunks.push(`[${rows.slice(start, start + ROWS_PER_STATEMENT).join(",")}]`);
  }
  return chunks;
}

/** One row as JSON for the INSERT above. */
function row(item: OutgoingMessage, now: string): string {
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
  return JSON.stringify(
    {
      k: item.dedupeKey,
      // As a string: CAST keeps every 64-bit id exact.
      c: String(chatId),
      u: item.userId ?? null,
      t: item.kind,
      b: item.batchKey ?? null,
      p: { method, ...params },
      n: item.notBefore ? sqliteDate(item.notBefore) : now,
    },
    (_key, value: unknown) => {
      if (value instanceof InputFile) throw new Error(`enqueue: an InputFile cannot be queued; upload it first and use its file_id (${item.dedupeKey})`);
      if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
      return value;
    },
  );
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
export async function cancel(db: DbOrTx, where: CancelFilter): Promise<number> {
  if (where.batchKey === undefined && where.userId === undefined && where.chatId === undefined) {
    // Cancelling everything is never what a caller meant.
    throw new Error("cancel: give a batchKey, userId or chatId");
  }
  const result = await db.delivery.updateMany({
    where: {
      status: "pending",
      ...(where.batchKey !== undefined ? { batchKey: where.batchKey } : {}),
      ...(where.userId !== undefined ? { userId: where.userId } : {}),
      ...(where.chatId !== undefined ? { chatId: BigInt(where.chatId) } : {}),
      ...(where.kind !== undefined ? { kind: where.kind } : {}),
    },
    data: { status: "cancelled" },
  });
  return result.count;
}

/** Where one broadcast stands. */
export async function batchProgress(db: Db, batchKey: string): Promise<BatchProgress> {
  const groups = await db.delivery.groupBy({ by: ["status"], where: { batchKey }, _count: { _all: true } });
  const progress: BatchProgress = { total: 0, sent: 0, failed: 0, cancelled: 0, pending: 0 };
  for (const g of groups) {
    const n = g._count._all;
    progress.total += n;
    if (g.status === "sent" || g.status === "failed" || g.status === "cancelled") progress[g.status] += n;
    else progress.pending += n;
  }
  return progress;
}
