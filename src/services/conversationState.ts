import type { Queryable } from "../db/connection.js";

// The "ConversationState" table: one row per open dialogue (JSON), keyed by the dialogue and its chat.
// Written after every step, so a restart (or SIGKILL) resumes at the same step. Each function takes the
// database or a transaction, so a step's state can be stored together with what the step did.

/** The stored state, if any. */
export async function readConversationState(db: Queryable, key: string): Promise<string | undefined> {
  return (await db.selectFrom("ConversationState").select("value").where("key", "=", key).executeTakeFirst())?.value;
}

/** Stores (or replaces) the state. */
export async function writeConversationState(db: Queryable, key: string, value: string, now: Date): Promise<void> {
  await db
    .insertInto("ConversationState")
    .values({ key, value, updatedAt: now })
    .onConflict((oc) => oc.column("key").doUpdateSet({ value, updatedAt: now }))
    .execute();
}

/** Forgets the state (the dialogue ended). */
export async function deleteConversationState(db: Queryable, key: string): Promise<void> {
  await db.deleteFrom("ConversationState").where("key", "=", key).execute();
}
