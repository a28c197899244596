// STOPGAP for the Kysely migration (issue #13), to be deleted when the areas are merged: Kysely versions of
// what the meetings area needs from modules other helpers convert at the same time — delivery/outbox.ts's
// enqueue, cancel and batchProgress, and services/moderation.ts's loadActor. Same names, parameters and
// behaviour, so the swap is an import path.
import { InputFile } from "grammy";
import type { Insertable } from "kysely";
import type { Queryable } from "../db/connection.js";
import { MESSAGE_METHODS, type BatchProgress, type CancelFilter, type OutgoingMessage } from "../delivery/outbox.js";
import type { Delivery } from "../generated/kysely/types.js";
import type { StaffActor } from "./moderation.js";

const METHODS = new Set<string>(MESSAGE_METHODS);
/** 8 values a row: 8,000 bound values a statement, under SQLite's 32,766 and PostgreSQL's 65,535. */
const ROWS_PER_STATEMENT = 1000;

/**
 * Inserts the messages that are not queued yet (by dedupeKey) and returns how many were new. Given the
 * database rather than a transaction, a broadcast is still queued entirely or not at all.
 * Wake the worker afterwards (after the commit, when given a transaction).
 */
export async function enqueue(db: Queryable, items: OutgoingMessage[], opts: { now?: Date } = {}): Promise<number> {
  if (items.length === 0) return 0;
  const now = opts.now ?? new Date();
  const rows = items.map((item) => rowOf(item, now));
  const insert = async (q: Queryable) => {
    let inserted = 0;
    for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
      const result = await q
        .insertInto("Delivery")
        .values(rows.slice(start, start + ROWS_PER_STATEMENT))
        .onConflict((oc) => oc.column("dedupeKey").doNothing())
        .executeTakeFirst();
      inserted += Number(result.numInsertedOrUpdatedRows ?? 0);
    }
    return inserted;
  };
  return db.isTransaction || rows.length <= ROWS_PER_STATEMENT ? insert(db) : db.transaction().execute(insert);
}

function rowOf(item: OutgoingMessage, now: Date): Insertable<Delivery> {
  const { method, ...params } = item.message;
  if (!METHODS.has(method)) throw new Error(`enqueue: unsupported method ${String(method)} (${item.dedupeKey})`);
  if (!item.dedupeKey) throw new Error("enqueue: empty dedupeKey");
  const chatId = BigInt(item.chatId);
  if (chatId === 0n) throw new Error(`enqueue: chatId 0 (${item.dedupeKey})`);
  if (!Number.isSafeInteger(Number(chatId))) throw new Error(`enqueue: chatId ${chatId} out of range (${item.dedupeKey})`);
  // The worker paces by the row's chatId, so the call must go to that chat.
  const given = params.chat_id as string | number | undefined;
  if (given !== undefined && String(given) !== String(chatId)) {
    throw new Error(`enqueue: message.chat_id ${String(given)} differs from chatId ${chatId} (${item.dedupeKey})`);
  }
  if (params.chat_id === undefined && params.inline_message_id === undefined) params.chat_id = Number(chatId);
  const payload = JSON.stringify({ method, ...params }, (_key, value: unknown) => {
    if (value instanceof InputFile) throw new Error(`enqueue: an InputFile cannot be queued; upload it first and use its file_id (${item.dedupeKey})`);
    if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
    return value;
  });
  return {
    dedupeKey: item.dedupeKey,
    chatId: Number(chatId),
    userId: item.userId ?? null,
    kind: item.kind,
    batchKey: item.batchKey ?? null,
    payload,
    notBefore: item.notBefore ?? now,
    createdAt: now,
  };
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
  const result = await db
    .updateTable("Delivery")
    .set({ status: "cancelled" })
    .where("status", "=", "pending")
    .$if(where.batchKey !== undefined, (q) => q.where("batchKey", "=", where.batchKey!))
    .$if(where.userId !== undefined, (q) => q.where("userId", "=", where.userId!))
    .$if(where.chatId !== undefined, (q) => q.where("chatId", "=", Number(where.chatId)))
    .$if(where.kind !== undefined, (q) => q.where("kind", "=", where.kind!))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Where one broadcast stands. */
export async function batchProgress(db: Queryable, batchKey: string): Promise<BatchProgress> {
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

/** Who is acting, as the database says now (never as the chat or the button says). */
export async function loadActor(db: Queryable, telegramId: number): Promise<StaffActor | null> {
  const user = await db
    .selectFrom("User")
    .leftJoin("Officer", "Officer.userId", "User.id")
    .select(["User.id as userId", "User.role", "Officer.id as officerId"])
    .where("User.telegramId", "=", telegramId)
    .executeTakeFirst();
  return user ? { userId: user.userId, role: user.role, officerId: user.officerId ?? null } : null;
}
