// A migrated database of the app's own in a temporary folder, for tests of the stores and services.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CompiledQuery, sql } from "kysely";
import { applyMigrations, openDatabase, type Database } from "../../src/db/connection.js";
import type { DB } from "../../src/generated/kysely/types.js";
import { newTestDatabase, onPostgres } from "./testDatabase.js";

export interface TempDatabase {
  db: Database;
  url: string;
  /** Closes the connection and removes the folder. */
  close: () => Promise<void>;
}

export async function openTempDatabase(prefix = "dz-test-"): Promise<TempDatabase> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const { url, drop } = await newTestDatabase(dir, "t");
  await applyMigrations(url);
  const db = openDatabase(url);
  return {
    db,
    url,
    async close() {
      await db.destroy();
      await drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** How many rows a table holds. */
export async function countRows(db: Database, table: keyof DB): Promise<number> {
  return Number(
    (
      await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );
}

/**
 * How the database would run a query, as one line: SQLite's EXPLAIN QUERY PLAN details, or PostgreSQL's EXPLAIN
 * with sequential scans discouraged (a test table is small enough that a scan would win; the question is whether an
 * index can serve the query).
 */
export async function queryPlan(db: Database, query: { sql: string; parameters: readonly unknown[] }): Promise<string> {
  if (!onPostgres) {
    const plan = await db.executeQuery<{ detail: string }>(CompiledQuery.raw(`EXPLAIN QUERY PLAN ${query.sql}`, [...query.parameters]));
    return plan.rows.map((p) => p.detail).join("; ");
  }
  return db.transaction().execute(async (tx) => {
    await sql`set local enable_seqscan = off`.execute(tx);
    const plan = await tx.executeQuery<{ "QUERY PLAN": string }>(CompiledQuery.raw(`EXPLAIN ${query.sql}`, [...query.parameters]));
    return plan.rows.map((p) => p["QUERY PLAN"].trim()).join("; ");
  });
}
