import { DEFAULT_DATABASE_URL, loadDotEnv } from "../config.js";
import { applyMigrations, openDatabase, type Database } from "../db/connection.js";

/**
 * CLI commands work on the bot's database — DATABASE_URL from the environment or `.env`, as `npm start` reads
 * it (default: the bot's own file) — migrated first, closed after. A running bot may share the file: a write
 * waits for the bot's transaction to end (see db/sqlite/dialect.ts).
 */
export async function withDatabase<T>(work: (db: Database) => Promise<T>): Promise<T> {
  loadDotEnv();
  const url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  await applyMigrations(url);
  const db = openDatabase(url);
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}
