import { sql } from "kysely";
import type { Database } from "../db/connection.js";

/**
 * Whether the database answers `select 1` within `timeoutMs`. A database busy that long (its one connection
 * held by a long transaction) counts as down too: the instance cannot serve updates meanwhile.
 */
export async function databaseAnswers(db: Database, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  const asked = sql`select 1`.execute(db).then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([asked, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Outbox rows still to send (due or not yet due): a count on the (status, notBefore) index. */
export async function pendingDeliveries(db: Database): Promise<number> {
  const row = await db
    .selectFrom("Delivery")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("status", "=", "pending")
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
