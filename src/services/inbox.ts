import type { Update } from "grammy/types";
import { inChunks, type Database } from "../db/connection.js";

// The durable inbox of long polling ("InboxUpdate"): every fetched update is stored before the runner
// confirms it to Telegram and deleted once handled (see bot/polling.ts).

/** Rows per statement: well under every database's limit on bound parameters. */
const CHUNK = 500;

/** Stores a fetched batch in one transaction (an update stored already, by an earlier attempt, stays as it is). */
export async function storeInbox(db: Database, updates: readonly Update[], now: Date): Promise<void> {
  if (!updates.length) return;
  const rows = updates.map((u) => ({ updateId: u.update_id, payload: JSON.stringify(u), receivedAt: now }));
  await inChunks(db, rows, CHUNK, (q, chunk) =>
    q
      .insertInto("InboxUpdate")
      .values(chunk)
      .onConflict((oc) => oc.column("updateId").doNothing())
      .execute(),
  );
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
