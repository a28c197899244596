import { pendingMigrations } from "../migrationFiles.js";
import { openSqlite } from "./dialect.js";
import { projectPath } from "../../projectRoot.js";

const MIGRATIONS_DIR = projectPath("prisma", "migrations");

/**
 * Applies the committed Prisma migrations in-process, recording them in Prisma's own
 * `_prisma_migrations` table (same checksum), so `prisma migrate status` agrees with us.
 * In-process because spawning the Prisma CLI at every start (and for every test database) costs seconds.
 */
export function applySqliteMigrations(databaseUrl: string, migrationsDir = MIGRATIONS_DIR): string[] {
  // Its own short-lived connection, before the app opens its one (and before any other setting applies).
  const sqlite = openSqlite(databaseUrl, { configure: false });
  try {
    sqlite.pragma("journal_mode = WAL");
    sqlite.exec(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL, "finished_at" DATETIME,
      "migration_name" TEXT NOT NULL, "logs" TEXT, "rolled_back_at" DATETIME,
      "started_at" DATETIME NOT NULL DEFAULT current_timestamp, "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0)`);
    const applied = new Set(
      (
        sqlite.prepare(`SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`).all() as {
          migration_name: string;
        }[]
      ).map((r) => r.migration_name),
    );
    const done: string[] = [];
    for (const { name, sql, checksum } of pendingMigrations(migrationsDir, applied)) {
      // Prisma's table-redefinition migrations toggle foreign keys, which SQLite ignores inside a transaction.
      sqlite.pragma("foreign_keys = OFF");
      sqlite.transaction(() => {
        sqlite.exec(sql);
        sqlite
          .prepare(
            `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
             VALUES (?, ?, ?, ?, ?, 1)`,
          )
          .run(crypto.randomUUID(), checksum, Date.now(), name, Date.now());
      })();
      sqlite.pragma("foreign_keys = ON");
      done.push(name);
    }
    return done;
  } finally {
    sqlite.close();
  }
}
