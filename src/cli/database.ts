import { DEFAULT_DATABASE_URL, loadDotEnv } from "../config.js";
import { openDb, type Db } from "../db/client.js";
import { applyMigrations } from "../db/connection.js";

/**
 * CLI commands work on the bot's database — DATABASE_URL from the environment or `.env`, as `npm start` reads
 * it (default: the bot's own file) — migrated first, closed after.
 */
export async function withDatabase<T>(work: (db: Db) => Promise<T>): Promise<T> {
  loadDotEnv();
  const url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  applyMigrations(url);
  const db = await openDb(url);
  try {
    return await work(db);
  } finally {
    await db.$disconnect();
  }
}
