import fs from "node:fs";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import {
  CompiledQuery,
  SelectQueryNode,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
} from "kysely";

/**
 * Everything SQLite-specific about how the app talks to its database, in one place: the next dialect
 * (PostgreSQL) is a sibling of this module, not a change to the queries.
 *
 * Values. The app works with `Date` and `boolean`, as PostgreSQL returns them. SQLite has neither, so
 * here, and only here, they are encoded on the way in and decoded on the way out:
 * - a date is stored as ISO 8601 text in UTC with milliseconds and an explicit offset,
 *   "2026-11-29T14:00:00.000+00:00" (what Prisma wrote before: old rows read the same). Every stored date
 *   has this exact shape, so text order is time order and dates compare correctly in SQL;
 * - a boolean is stored as 0 or 1.
 * A result column is decoded when SQLite says it comes from a column declared DATETIME or BOOLEAN (as
 * Prisma's migrations declare them), so it works through aliases; a computed value (max(), a JSON
 * aggregate) comes back as stored.
 *
 * Locking. One connection per process (Kysely queues everything else behind a transaction, so nothing can
 * join or undo another's transaction). Transactions begin IMMEDIATE: the write lock is taken before the
 * first read, so a transaction never fails half-way because another process wrote. When another process
 * (a CLI) holds the lock, a statement or BEGIN is retried on later turns of the event loop rather than
 * waiting inside SQLite, which would stop the whole bot.
 */

/** The stored form of a date: see above. */
export function encodeDate(date: Date): string {
  return `${date.toISOString().slice(0, -1)}+00:00`;
}

/** How long a statement waits for another process's write lock before failing. */
const LOCK_WAIT_MS = 30_000;
/** SQLite's own wait, kept short: it blocks the event loop. */
export const BUSY_TIMEOUT_MS = 20;

type Decoder = { name: string; decode: (v: unknown) => unknown };

const decodeDate = (v: unknown): unknown => (typeof v === "string" ? new Date(v) : v);
const decodeBool = (v: unknown): unknown => (typeof v === "number" || typeof v === "bigint" ? Number(v) !== 0 : v);

function decodersOf(stmt: BetterSqlite3.Statement): Decoder[] {
  const decoders: Decoder[] = [];
  for (const column of stmt.columns()) {
    const type = column.type?.toUpperCase();
    if (type === "DATETIME") decoders.push({ name: column.name, decode: decodeDate });
    else if (type === "BOOLEAN") decoders.push({ name: column.name, decode: decodeBool });
  }
  return decoders;
}

function encodeParameters(parameters: readonly unknown[]): unknown[] {
  const out = new Array<unknown>(parameters.length);
  for (let i = 0; i < parameters.length; i++) {
    const v = parameters[i];
    out[i] = v instanceof Date ? encodeDate(v) : typeof v === "boolean" ? (v ? 1 : 0) : v;
  }
  return out;
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}

interface Prepared {
  stmt: BetterSqlite3.Statement;
  reader: boolean;
  decoders: Decoder[];
}

/** Prepared statements by SQL text: Kysely compiles the same text for the same query shape. */
const STATEMENT_CACHE = 1000;

class SqliteConnection implements DatabaseConnection {
  private readonly statements = new Map<string, Prepared>();
  /** True between BEGIN and COMMIT/ROLLBACK: statements inside hold the lock already and are never retried. */
  inTransaction = false;

  constructor(private readonly sqlite: BetterSqlite3.Database) {}

  private prepare(sql: string): Prepared {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      const stmt = this.sqlite.prepare(sql);
      prepared = { stmt, reader: stmt.reader, decoders: stmt.reader ? decodersOf(stmt) : [] };
      if (this.statements.size >= STATEMENT_CACHE) this.statements.delete(this.statements.keys().next().value!);
      this.statements.set(sql, prepared);
    }
    return prepared;
  }

  run<R>(sql: string, parameters: readonly unknown[]): QueryResult<R> {
    const { stmt, reader, decoders } = this.prepare(sql);
    const values = encodeParameters(parameters);
    if (reader) {
      const rows = stmt.all(values) as Record<string, unknown>[];
      if (decoders.length) for (const row of rows) for (const d of decoders) row[d.name] = d.decode(row[d.name]);
      return { rows: rows as R[] };
    }
    const { changes, lastInsertRowid } = stmt.run(values);
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const { sql, parameters } = compiledQuery;
    if (this.inTransaction) return this.run<R>(sql, parameters);
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        return this.run<R>(sql, parameters);
      } catch (err) {
        if (!isBusy(err) || Date.now() >= deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, Math.min(5 * 2 ** attempt, 100)));
      }
    }
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(compiledQuery.query)) throw new Error("SQLite streams only SELECT queries");
    // A statement being iterated is busy: a fresh one, so the cached one stays usable.
    const stmt = this.sqlite.prepare(compiledQuery.sql);
    const decoders = decodersOf(stmt);
    for (const row of stmt.iterate(encodeParameters(compiledQuery.parameters)) as Iterable<Record<string, unknown>>) {
      for (const d of decoders) row[d.name] = d.decode(row[d.name]);
      yield { rows: [row as R] };
    }
  }
}

/** One connection, handed out to one query or transaction at a time, in order of asking. */
class SqliteDriver implements Driver {
  private readonly connection: SqliteConnection;
  private held = false;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly sqlite: BetterSqlite3.Database) {
    this.connection = new SqliteConnection(sqlite);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.held) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.held = true;
    return this.connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
    this.connection.inTransaction = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    this.connection.inTransaction = false;
    await connection.executeQuery(CompiledQuery.raw("commit"));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    this.connection.inTransaction = false;
    // SQLite may have rolled back already (e.g. after SQLITE_FULL); then there is nothing to undo.
    if (this.sqlite.inTransaction) await connection.executeQuery(CompiledQuery.raw("rollback"));
  }

  /**
   * Runs a statement at once if the connection is free, as if it were taken and given back in one go; undefined
   * when a transaction holds it or another process holds the lock (then it queues as usual).
   */
  runIfFree<R>(compiledQuery: CompiledQuery): QueryResult<R> | undefined {
    if (this.held) return undefined;
    try {
      return this.connection.run<R>(compiledQuery.sql, compiledQuery.parameters);
    } catch (err) {
      if (isBusy(err)) return undefined;
      throw err;
    }
  }

  async releaseConnection(): Promise<void> {
    // Handed straight to the next in line (still held), so nobody overtakes it.
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }

  async destroy(): Promise<void> {
    this.sqlite.close();
  }
}

/** Kysely's SQLite dialect over our driver. */
export class AppSqliteDialect implements Dialect {
  private driver: SqliteDriver | undefined;
  constructor(private readonly sqlite: BetterSqlite3.Database) {}
  createDriver(): Driver {
    return (this.driver = new SqliteDriver(this.sqlite));
  }
  /** See SqliteDriver.runIfFree (for the prepared queries of the per-update paths, db/connection.ts). */
  runIfFree<R>(compiledQuery: CompiledQuery): QueryResult<R> | undefined {
    return this.driver?.runIfFree<R>(compiledQuery);
  }
  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

/** The SQLite file of DATABASE_URL, opened (and configured unless read-only). The only place the driver is opened. */
export function openSqlite(databaseUrl: string, options: { readonly?: boolean; configure?: boolean } = {}): BetterSqlite3.Database {
  const sqlite = new BetterSqlite3(sqlitePath(databaseUrl), { readonly: options.readonly ?? false });
  if (!options.readonly && options.configure !== false) configureSqlite(sqlite);
  return sqlite;
}

/** Connection settings: WAL lets readers run beside the writer; NORMAL is durable across process crashes in WAL mode. */
function configureSqlite(sqlite: BetterSqlite3.Database): void {
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  sqlite.pragma("foreign_keys = ON");
  // The query planner's statistics (SQLite's advice for long-lived connections: at open, then now and then; see
  // refreshPlannerStatistics). Without them it picks an index by its shape alone: a district's open reports were
  // found by scanning all its reports by date (2.3 ms against 0.05 with 100,000 reports).
  sqlite.pragma("optimize = 0x10002");
}

/** A unique constraint refused the row (the same fact stored twice). */
export function isSqliteUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

/** Turns DATABASE_URL (file:./x.db) into a filesystem path, creating its folder. */
export function sqlitePath(databaseUrl: string): string {
  if (!databaseUrl.startsWith("file:")) throw new Error(`not a SQLite URL (file:…): ${databaseUrl.replace(/\/\/[^@/]*@/, "//…@")}`);
  const file = databaseUrl.replace(/^file:/, "").replace(/\?.*$/, "");
  if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  return file;
}
