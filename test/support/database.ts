// A migrated database of the app's own in a temporary folder, for tests of the stores and services.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { applyMigrations, openDatabase, type Database } from "../../src/db/connection.js";
import type { DB } from "../../src/generated/kysely/types.js";

export interface TempDatabase {
  db: Database;
  url: string;
  /** Closes the connection and removes the folder. */
  close: () => Promise<void>;
}

export function openTempDatabase(prefix = "dz-test-"): TempDatabase {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const url = `file:${path.join(dir, "t.db")}`;
  applyMigrations(url);
  const db = openDatabase(url);
  return {
    db,
    url,
    async close() {
      await db.destroy();
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
