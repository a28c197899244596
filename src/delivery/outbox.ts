// The outbox: every message the bot sends on its own initiative (meeting announcements, reminders,
// status changes, relays) is a row in "Delivery" first, and only the DeliveryWorker sends it.
// A row is written once per (dedupeKey): whoever enqueues may retry or run twice without spamming anyone.
import { InputFile } from "grammy";
import type { Db } from "../db/client.js";
import { sqliteDate } from "../db/hotPath.js";

export const MESSAGE_METHODS = [
  "sendMessage",
  "sendPhoto",
  "sendDocument",
  "sendLocation",
  "copyMessage",
  "sendMediaGroup",
  "editMessageText",
] as const;
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
const COLUMNS = 8;
// 8 bound values a row; SQLite allows 32,766 per statement, and fewer, larger statements are cheaper.
const ROWS_PER_STATEMENT = 1000;

/** Inserts the messages that are not queued yet (by dedupeKey) and returns how many were new. */
export async function enqueue(db: Db, items: OutgoingMessage[], opts: { now?: Date } = {}): Promise<number> {
  if (items.length === 0) return 0;
  const now = sqliteDate(opts.now ?? new Date());
  const rows = items.map((item) => row(item, now));
  const statements = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(start, start + ROWS_PER_STATEMENT);
    statements.push(
      db.$executeRawUnsafe(
        `INSERT OR IGNORE INTO "Delivery" ("dedupeKey", "chatId", "userId", "kind", "batchKey", "payload", "notBefore", "createdAt")
         VALUES ${chunk.map(() => PLACEHOLDERS).join(", ")}`,
        ...chunk.flat(),
      ),
    );
  }
  // One transaction: a broadcast is queued entirely or not at all.
  const inserted = await db.$transaction(statements);
  return inserted.reduce((sum, n) => sum + n, 0);
}

const PLACEHOLDERS = `(${Array.from({ length: COLUMNS }, () => "?").join(", ")})`;

function row(item: OutgoingMessage, now: string): unknown[] {
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
  return [
    item.dedupeKey,
    chatId,
    item.userId ?? null,
    item.kind,
    item.batchKey ?? null,
    serialize({ method, ...params }, item.dedupeKey),
    item.notBefore ? sqliteDate(item.notBefore) : now,
    now,
  ];
}

function serialize(message: Record<string, unknown>, dedupeKey: string): string {
  return JSON.stringify(message, (_key, value: unknown) => {
    if (value instanceof InputFile) throw new Error(`enqueue: an InputFile cannot be queued; upload it first and use its file_id (${dedupeKey})`);
    if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
    return value;
  });
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
export async function cancel(db: Db, where: CancelFilter): Promise<number> {
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
