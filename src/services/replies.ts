import type { Database } from "../db/connection.js";
import { enqueue, type MessageMethod } from "../delivery/outbox.js";

/**
 * A handler's reply that Telegram did not take in time (bot/api.ts, handlerDelivery): queued in the outbox,
 * which sends it when Telegram takes it again, and the worker woken. The key is unique: every hand-over is
 * its own message.
 */
export async function handOverReply(
  deps: { db: Database; notifier: { wakeOutbox(): void } },
  reply: { dedupeKey: string; chatId: bigint; message: { method: MessageMethod; [param: string]: unknown }; notBefore?: Date },
  now: Date,
): Promise<void> {
  await enqueue(deps.db, [{ ...reply, kind: "reply" }], { now });
  deps.notifier.wakeOutbox();
}
