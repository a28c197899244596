import { Kysely, sql, type Compilable, type CompiledQuery, type Transaction } from "kysely";
import type { DB } from "../generated/kysely/types.js";
import { AppPostgresDialect } from "./postgres/dialect.js";
import { isPostgresUniqueViolation, isPostgresUrl } from "./postgres/url.js";
import { AppSqliteDialect, isSqliteUniqueViolation, openSqlite, sqlitePath } from "./sqlite/dialect.js";
import { applySqliteMigrations } from "./sqlite/migrate.js";

export { isPostgresUrl, sqlitePath };

/**
 * The app's database: Kysely over SQLite (one connection per process) or PostgreSQL (a pool), chosen by
 * DATABASE_URL, typed from prisma/schema.prisma by `prisma generate` (prisma-kysely). Every query of the app goes
 * through it; what differs between the two lives in ./sqlite and ./postgres.
 */
export type Database = Kysely<DB>;
/** Inside `db.transaction().execute(...)`: use this, never the outer `db` (that waits for the transaction to end). */
export type Tx = Transaction<DB>;
/** A `Database` or a transaction: for helpers that run either way. */
export type Queryable = Kysely<DB>;

/** Each SQLite database's dialect, for prepared queries that run at once when the connection is free. */
const sqliteDialects = new WeakMap<Queryable, AppSqliteDialect>();

export interface OpenOptions {
  /** SQLite only: open the file read-only (a test peeking at a live bot's database). */
  readonly?: boolean;
  /** PostgreSQL only: the most connections this process holds (DATABASE_POOL_SIZE). */
  poolSize?: number;
}

/** Opens the database named by DATABASE_URL (already migrated: see applyMigrations). */
export function openDatabase(databaseUrl: string, options: OpenOptions = {}): Database {
  if (isPostgresUrl(databaseUrl)) return new Kysely<DB>({ dialect: new AppPostgresDialect(databaseUrl, options.poolSize ?? 10) });
  const dialect = new AppSqliteDialect(openSqlite(databaseUrl, options));
  const db = new Kysely<DB>({ dialect });
  sqliteDialects.set(db, dialect);
  return db;
}

/**
 * Brings the query planner's statistics up to date where tables have grown since (SQLite's `PRAGMA optimize`, cheap
 * when nothing changed); the scheduler calls it hourly. PostgreSQL's autovacuum keeps its own.
 */
export async function refreshPlannerStatistics(db: Database): Promise<void> {
  if (sqliteDialects.has(db)) await sql`pragma optimize`.execute(db);
}

/** Applies the committed migrations of DATABASE_URL's kind (prisma/migrations or prisma/postgres/migrations). */
export async function applyMigrations(databaseUrl: string): Promise<string[]> {
  if (!isPostgresUrl(databaseUrl)) return applySqliteMigrations(databaseUrl);
  const { applyPostgresMigrations } = await import("./postgres/migrate.js");
  return applyPostgresMigrations(databaseUrl);
}

/** A unique constraint refused the row (the same fact stored twice). */
export function isUniqueViolation(err: unknown): boolean {
  return isSqliteUniqueViolation(err) || isPostgresUniqueViolation(err);
}

/**
 * A query for the paths that run on every update, built and compiled by Kysely once (on first use) and then run
 * with new values: building and compiling cost more than SQLite's own work for these small statements
 * (`npm run bench -- Foundation`). `build` gets stand-ins for its arguments, so it must not branch on them
 * (put a choice in SQL instead, e.g. CASE), and each argument must reach the query as a bound value.
 */
export function preparedQuery<A extends unknown[], R>(build: (db: Queryable, ...args: A) => Compilable<R>): (db: Queryable, ...args: A) => Promise<R[]> {
  let compiled: CompiledQuery<R> | undefined;
  let slots: number[] = [];
  return async (db, ...args) => {
    if (!compiled) {
      const marks = args.map((_, i) => `\u0000argument ${i}\u0000`);
      compiled = build(db, ...(marks as A)).compile();
      slots = compiled.parameters.map((p) => (typeof p === "string" ? marks.indexOf(p) : -1));
      if (marks.some((_, i) => !slots.includes(i))) throw new Error("preparedQuery: an argument does not reach the query as a bound value");
    }
    const fixed = compiled.parameters;
    const query: CompiledQuery<R> = { ...compiled, parameters: slots.map((slot, i) => (slot >= 0 ? args[slot] : fixed[i])) };
    // On a SQLite database (not a transaction) with the connection free, it runs at once: the same as taking the
    // connection and giving it back, without the promises of Kysely's executor (costly under AsyncLocalStorage).
    return (sqliteDialects.get(db)?.runIfFree<R>(query) ?? (await db.executeQuery<R>(query))).rows;
  };
}

/**
 * Runs `run` over `items` in chunks of `size` (one statement's worth of bound values each), all or nothing: given a
 * transaction, the chunks join it; given the database, several chunks take one transaction of their own.
 * Returns what each chunk's run returned.
 */
export async function inChunks<T, R>(db: Queryable, items: readonly T[], size: number, run: (q: Queryable, chunk: T[]) => Promise<R>): Promise<R[]> {
  const each = async (q: Queryable) => {
    const results: R[] = [];
    for (let start = 0; start < items.length; start += size) results.push(await run(q, items.slice(start, start + size)));
    return results;
  };
  if (db.isTransaction || items.length <= size) return each(db);
  return db.transaction().execute(each);
}
