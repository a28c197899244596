import SqliteDatabase from "better-sqlite3";
import { Kysely, type Transaction } from "kysely";
import type { DB } from "../generated/kysely/types.js";
import { AppSqliteDialect, configureSqlite, sqlitePath } from "./sqlite/dialect.js";

export { applyMigrations } from "./sqlite/migrate.js";
export { sqlitePath };

/**
 * The app's database: Kysely over one connection per process, typed from prisma/schema.prisma by
 * `prisma generate` (prisma-kysely). Every query of the app goes through it.
 */
export type Database = Kysely<DB>;
/** Inside `db.transaction().execute(...)`: use this, never the outer `db` (that waits for the transaction to end). */
export type Tx = Transaction<DB>;
/** A `Database` or a transaction: for helpers that run either way. */
export type Queryable = Kysely<DB>;

/** Opens the database named by DATABASE_URL (already migrated: see applyMigrations). */
export function openDatabase(databaseUrl: string, options: { readonly?: boolean } = {}): Database {
  const sqlite = new SqliteDatabase(sqlitePath(databaseUrl), { readonly: options.readonly ?? false });
  if (!options.readonly) configureSqlite(sqlite);
  return new Kysely<DB>({ dialect: new AppSqliteDialect(sqlite) });
}
