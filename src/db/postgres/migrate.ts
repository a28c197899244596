import { pendingMigrations } from "../migrationFiles.js";
import { loadPg } from "./dialect.js";
import { projectPath } from "../../projectRoot.js";

const MIGRATIONS_DIR = projectPath("prisma", "postgres", "migrations");

/** Held while migrating, so instances starting together apply each migration once (the others wait, then find it done). */
const MIGRATION_LOCK = 4_817_220_030;

/**
 * Applies the committed PostgreSQL migrations (prisma/postgres/migrations, derived from the same schema.prisma by
 * scripts/pg-schema.mjs), each in its own transaction, recorded in Prisma's `_prisma_migrations` table with
 * Prisma's checksum, as the SQLite runner does.
 */
export async function applyPostgresMigrations(databaseUrl: string, migrationsDir = MIGRATIONS_DIR): Promise<string[]> {
  const pg = await loadPg();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // Session-level: released when this connection ends, even if the process dies half-way.
    await client.query(`select pg_advisory_lock(${MIGRATION_LOCK})`);
    // Quietly: "relation already exists, skipping" is not news.
    await client.query("set client_min_messages = warning");
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
    const applied = new Set(
      (
        await client.query<{ migration_name: string }>(
          `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
        )
      ).rows.map((r) => r.migration_name),
    );
    const done: string[] = [];
    for (const { name, sql, checksum } of pendingMigrations(migrationsDir, applied)) {
      await client.query("BEGIN");
      try {
        await client.query(sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
           VALUES ($1, $2, now(), $3, now(), 1)`,
          [crypto.randomUUID(), checksum, name],
        );
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw err;
      }
      done.push(name);
    }
    return done;
  } finally {
    await client.end();
  }
}
