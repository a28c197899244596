import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export interface MigrationFile {
  name: string;
  sql: string;
  /** Prisma's checksum of the file (sha256, hex), as `_prisma_migrations` records it. */
  checksum: string;
}

/** The committed migrations of one folder (SQLite's or PostgreSQL's) not yet in `applied`, in the order to apply them. */
export function pendingMigrations(migrationsDir: string, applied: ReadonlySet<string>): MigrationFile[] {
  return fs
    .readdirSync(migrationsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !applied.has(d.name) && fs.existsSync(path.join(migrationsDir, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(migrationsDir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: crypto.createHash("sha256").update(sql).digest("hex") };
    });
}
