import { preparedQuery, type Queryable } from "./connection.js";

// The "ConversationState" table: one row per open dialogue (JSON), keyed by the dialogue and its chat.
// Written after every step, so a restart (or SIGKILL) resumes at the same step. Each function takes the
// database or a transaction, so a step's state can be stored together with what the step did.

// Read for every update (the conversations plugin and the report form), written after every step: prepared.
const selectState = preparedQuery((db, key: string) => db.selectFrom("ConversationState").select("value").where("key", "=", key));
const upsertState = preparedQuery((db, key: string, value: string, now: Date) =>
  db
    .insertInto("ConversationState")
    .values({ key, value, updatedAt: now })
    .onConflict((oc) => oc.column("key").doUpdateSet((eb) => ({ value: eb.ref("excluded.value"), updatedAt: eb.ref("excluded.updatedAt") }))),
);

/** The stored state, if any. */
export async function readConversationState(db: Queryable, key: string): Promise<string | undefined> {
  return (await selectState(db, key))[0]?.value;
}

/** Stores (or replaces) the state. */
export async function writeConversationState(db: Queryable, key: string, value: string, now: Date): Promise<void> {
  await upsertState(db, key, value, now);
}

/** Forgets the state (the dialogue ended). */
export async function deleteConversationState(db: Queryable, key: string): Promise<void> {
  await db.deleteFrom("ConversationState").where("key", "=", key).execute();
}
