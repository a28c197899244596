import type pg from "pg";
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresDriver,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from "kysely";

/**
 * Everything PostgreSQL-specific about how the app talks to its database, in one place (the sibling of
 * ../sqlite/dialect.ts): Kysely's own PostgreSQL dialect over a `pg` pool, with three adjustments so the same
 * queries behave as they do on SQLite.
 *
 * Values. Prisma declares DateTime as TIMESTAMP(3) (no time zone): every date is stored as UTC. On the way in a
 * Date is sent as ISO 8601 text in UTC (pg would send local time with an offset, which TIMESTAMP drops); on the
 * way out TIMESTAMP text is read as UTC. BIGINT (Telegram ids, count(*)) and NUMERIC (sum()) come back as numbers,
 * as better-sqlite3 returns them: every value the app stores fits a double exactly.
 *
 * Transactions. SQLite lets one write transaction run at a time (BEGIN IMMEDIATE), and the services were written
 * for that. Here every transaction starts by taking one transaction-scoped advisory lock, so write transactions
 * run one at a time across every instance of the deployment, with the same guarantee, whatever isolation anomaly
 * READ COMMITTED would otherwise allow. Single statements outside a transaction run concurrently, as reads do.
 * A transaction that asks for READ COMMITTED itself (`db.transaction().setIsolationLevel("read committed")`) gets
 * just that, without the lock: its author has checked that it is safe beside any other (SQLite ignores the level).
 */

const TIMESTAMP_OID = 1114;
const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** The advisory lock every transaction takes first (an arbitrary constant, the app's own). */
export const TRANSACTION_LOCK = 4_817_220_031;

const parseTimestamp = (text: string): Date => new Date(`${text.replace(" ", "T")}Z`);

/** Per-client type parsers (not pg's global ones: nothing else in the process is affected). */
export const typesOf = (driver: typeof pg) => ({
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === TIMESTAMP_OID) return parseTimestamp;
    if (oid === INT8_OID || oid === NUMERIC_OID) return Number;
    return driver.types.getTypeParser(oid, format) as (value: string) => unknown;
  },
});

/** pg, loaded only by a deployment on PostgreSQL (SQLite ones never pay for its ~3 MB of heap). */
export async function loadPg(): Promise<typeof pg> {
  return (await import("pg")).default;
}

function encodeParameters(parameters: readonly unknown[]): unknown[] {
  return parameters.map((v) => (v instanceof Date ? v.toISOString() : v));
}

/** A pooled connection whose Date parameters are sent as UTC text (see above). */
class UtcConnection implements DatabaseConnection {
  constructor(readonly inner: DatabaseConnection) {}
  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    return this.inner.executeQuery<R>({ ...compiledQuery, parameters: encodeParameters(compiledQuery.parameters) });
  }
  streamQuery<R>(compiledQuery: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>({ ...compiledQuery, parameters: encodeParameters(compiledQuery.parameters) }, chunkSize);
  }
}

/** Kysely's own connection under ours (its driver's methods take only that type). */
type PgConnection = Parameters<PostgresDriver["releaseConnection"]>[0];
const innerOf = (connection: DatabaseConnection) => (connection as UtcConnection).inner as PgConnection;

class AppPostgresDriver implements Driver {
  private readonly inner: PostgresDriver;
  private readonly wrapped = new WeakMap<DatabaseConnection, UtcConnection>();

  constructor(databaseUrl: string, poolSize: number) {
    // Kysely asks for the pool in init(), before the first query: pg is loaded then.
    this.inner = new PostgresDriver({ pool: async () => openPool(await loadPg(), databaseUrl, poolSize) });
  }
  init(): Promise<void> {
    return this.inner.init();
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.inner.acquireConnection();
    let wrapped = this.wrapped.get(connection);
    if (!wrapped) this.wrapped.set(connection, (wrapped = new UtcConnection(connection)));
    return wrapped;
  }
  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const inner = (connection as UtcConnection).inner;
    await this.inner.beginTransaction(inner, settings);
    if (settings.isolationLevel === "read committed") return;
    await inner.executeQuery(CompiledQuery.raw(`select pg_advisory_xact_lock(${TRANSACTION_LOCK})`));
  }
  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction((connection as UtcConnection).inner);
  }
  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(innerOf(connection));
  }
  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(innerOf(connection));
  }
  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/** Kysely's PostgreSQL dialect over a pool of `size` connections to `databaseUrl`. */
export class AppPostgresDialect implements Dialect {
  constructor(
    private readonly databaseUrl: string,
    private readonly poolSize: number,
  ) {}
  createDriver(): Driver {
    return new AppPostgresDriver(this.databaseUrl, this.poolSize);
  }
  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}

/** Distinct statements prepared by name, per process: the app has a few hundred; an IN list of every length is one more each. */
const MAX_NAMED_STATEMENTS = 2_000;

/**
 * pg's client, with every statement that has parameters prepared by name on each connection the first time it runs
 * there: the server then parses and plans it once per connection instead of on every call, about a third of its
 * CPU per statement in the reports benchmark. Kysely sends the same SQL text for the same query, so a name per
 * text (the same on every connection) is enough. Past the cap, statements go unnamed as before.
 */
function namedStatementsClient(driver: typeof pg): typeof pg.Client {
  const names = new Map<string, string>();
  return class extends driver.Client {
    // pg's query() has many overloads; Kysely calls only query(text, values).
    override query(...args: unknown[]): never {
      const [text, values, callback] = args;
      if (typeof text === "string" && Array.isArray(values) && values.length > 0 && callback === undefined) {
        let name = names.get(text);
        if (name === undefined && names.size < MAX_NAMED_STATEMENTS) names.set(text, (name = `dz_${names.size}`));
        if (name !== undefined) return super.query({ name, text, values }) as never;
      }
      return (super.query as (...a: unknown[]) => never)(...args);
    }
  };
}

/** The only place a pg pool is made: our type parsers, and an error on an idle client logged rather than fatal. */
function openPool(driver: typeof pg, databaseUrl: string, max: number): pg.Pool {
  const pool = new driver.Pool({ connectionString: databaseUrl, max, types: typesOf(driver), Client: namedStatementsClient(driver) });
  // A connection that dies while idle in the pool (the server restarted) is dropped by pg; without a listener the
  // 'error' event would end the process.
  pool.on("error", () => {});
  return pool;
}
