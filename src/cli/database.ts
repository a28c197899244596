import { openDb, type Db } from "../db/client.js";
import { applyMigrations } from "../db/migrate.js";

/** CLI commands work on DATABASE_URL (default: the bot's own file), migrated first, closed after. */
export async function withDatabase<T>(work: (db: Db) => Promise<T>): Promise<T> {
  const url = process.env.DATABASE_URL || "file:./data/dzielnicowy.db";
  applyMigrations(url);
  const db = await openDb(url);
  try {
    return await work(db);
  } finally {
    await db.$disconnect();
  }
}
