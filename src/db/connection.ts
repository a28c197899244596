import { Kysely, type Compilable, type CompiledQuery, type Transaction } from "kysely";
import type { DB } from "../generated/kysely/types.js";
import { AppSqliteDialect, openSqlite, sqlitePath } from "./sqlite/dialect.js";

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

/** Each database's dialect, for prepared queries that run at once when the connection is free. */
const dialects = new WeakMap<Queryable, AppSqliteDialect>();

/** Opens the database named by DATABASE_URL (already migrated: see applyMigrations). */
export function openDatabase(databaseUrl: string, options: { readonly?: boolean } = {}): Database {
  const sqlite = openSqlite(databaseUrl, options);
  const dialect = new AppSqliteDialect(sqlite);
  const db = new Kysely<DB>({ dialect });
  dialects.set(db, dialect);
  return db;
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
    // On the database (not a transaction) with the connection free, it runs at once: the same as taking the
    // connection and giving it back, without the promises of Kysely's executor (costly under AsyncLocalStorage).
    return (dialects.get(db)?.runIfFree<R>(query) ?? (await db.executeQuery<R>(query))).rows;
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
