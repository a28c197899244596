import SqliteDatabase from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { preparedQuery, sqlitePath, type Database } from "../../src/db/connection.js";
import { openTempDatabase } from "../support/database.js";
import { onPostgres } from "../support/testDatabase.js";
import pg from "pg";
import { TRANSACTION_LOCK } from "../../src/db/postgres/dialect.js";

function otherSqliteTransaction(url: string) {
  const other = new SqliteDatabase(sqlitePath(url));
  other.exec("BEGIN IMMEDIATE");
  other.prepare(`INSERT INTO "Counter" ("name", "value") VALUES ('other', 1)`).run();
  return {
    commit: async () => {
      other.exec("COMMIT");
      other.close();
    },
  };
}

async function otherPostgresTransaction(url: string) {
  const other = new pg.Client({ connectionString: url });
  await other.connect();
  await other.query("BEGIN");
  await other.query(`select pg_advisory_xact_lock(${TRANSACTION_LOCK})`);
  await other.query(`INSERT INTO "Counter" ("name", "value") VALUES ('other', 1)`);
  return {
    commit: async () => {
      await other.query("COMMIT");
      await other.end();
    },
  };
}

// The one data path (src/db/connection.ts, src/db/sqlite/dialect.ts): what every query of the app relies on.
describe("the database connection", () => {
  let close: () => Promise<void>;
  let url: string;
  let db: Database;

  beforeEach(async () => {
    ({ db, url, close } = await openTempDatabase("dz-db-"));
  });
  afterEach(() => close());

  const insertCounter = preparedQuery((q, name: string, value: number) => q.insertInto("Counter").values({ name, value }));
  const counter = (name: string) => db.selectFrom("Counter").select("value").where("name", "=", name).executeTakeFirst();

  it("stores dates in one encoding that sorts as time does, and gives back Date and boolean values", async () => {
    const dates = [new Date("2026-01-01T00:00:00.000Z"), new Date("2025-12-31T23:59:59.999Z"), new Date("2026-06-30T22:00:00.5Z")];
    for (const [i, d] of dates.entries()) {
      await db
        .insertInto("User")
        .values({ telegramId: 100 + i, firstSeen: d, lastSeen: d, blocked: i === 1 })
        .execute();
    }
    if (onPostgres) {
      // TIMESTAMP(3) holds the UTC time, whatever the server's or the process's time zone.
      const raw = new pg.Client({ connectionString: url });
      await raw.connect();
      try {
        const stored = await raw.query<{ firstSeen: string; blocked: boolean }>(`SELECT "firstSeen"::text, "blocked" FROM "User" ORDER BY "telegramId"`);
        expect(stored.rows.map((r) => r.firstSeen)).toEqual(["2026-01-01 00:00:00", "2025-12-31 23:59:59.999", "2026-06-30 22:00:00.5"]);
        expect(stored.rows.map((r) => r.blocked)).toEqual([false, true, false]);
      } finally {
        await raw.end();
      }
    } else {
      const raw = new SqliteDatabase(sqlitePath(url), { readonly: true });
      try {
        const stored = raw.prepare(`SELECT "firstSeen", "blocked" FROM "User" ORDER BY "telegramId"`).all() as { firstSeen: unknown; blocked: unknown }[];
        expect(stored.map((r) => r.firstSeen)).toEqual(["2026-01-01T00:00:00.000+00:00", "2025-12-31T23:59:59.999+00:00", "2026-06-30T22:00:00.500+00:00"]);
        expect(stored.map((r) => r.blocked)).toEqual([0, 1, 0]);
      } finally {
        raw.close();
      }
    }
    // Compared in SQL against a Date parameter; aliases decoded too.
    const after = await db
      .selectFrom("User")
      .select(["telegramId", "firstSeen as seen", "blocked"])
      .where("firstSeen", ">", new Date("2025-12-31T23:59:59.999Z"))
      .orderBy("firstSeen")
      .execute();
    expect(after.map((r) => r.telegramId)).toEqual([100, 102]);
    expect(after[0]!.seen).toBeInstanceOf(Date);
    expect(after[0]!.seen.getTime()).toBe(dates[0]!.getTime());
    expect(after[0]!.blocked).toBe(false);
    const returned = await db
      .updateTable("User")
      .set({ blocked: true })
      .where("telegramId", "=", 100)
      .returning(["blocked", "lastSeen"])
      .executeTakeFirstOrThrow();
    expect(returned).toEqual({ blocked: true, lastSeen: dates[0] });
  });

  it("keeps a Telegram id of 52 significant bits exact (Telegram's documented bound)", async () => {
    const id = 2 ** 52 - 1;
    const now = new Date();
    await db.insertInto("User").values({ telegramId: id, firstSeen: now, lastSeen: now }).execute();
    const row = await db.selectFrom("User").select("telegramId").where("telegramId", "=", id).executeTakeFirstOrThrow();
    expect(row.telegramId).toBe(id);
  });

  it("a failing transaction cannot undo a statement issued beside it", async () => {
    let inside!: () => void;
    const started = new Promise<void>((resolve) => (inside = resolve));
    const failing = db.transaction().execute(async (tx) => {
      await tx.insertInto("Counter").values({ name: "inside", value: 1 }).execute();
      inside();
      // Another handler's statement is issued while this transaction is open and waiting on something else.
      await new Promise((resolve) => setTimeout(resolve, 20));
      throw new Error("the transaction fails");
    });
    await started;
    const beside = db.insertInto("Counter").values({ name: "beside", value: 1 }).execute();
    // A prepared query (which runs at once when the connection is free) waits too.
    const preparedBeside = insertCounter(db, "prepared beside", 1);
    await expect(failing).rejects.toThrow("the transaction fails");
    await beside;
    await preparedBeside;
    expect(await counter("inside")).toBeUndefined();
    expect(await counter("beside")).toEqual({ value: 1 });
    expect(await counter("prepared beside")).toEqual({ value: 1 });
  });

  it("rolls a transaction back whole when a statement in it fails", async () => {
    await db.insertInto("Counter").values({ name: "taken", value: 1 }).execute();
    await expect(
      db.transaction().execute(async (tx) => {
        await tx.updateTable("Counter").set({ value: 2 }).where("name", "=", "taken").execute();
        await tx.insertInto("Counter").values({ name: "taken", value: 3 }).execute();
      }),
    ).rejects.toThrow(onPostgres ? /duplicate key/ : /UNIQUE/);
    expect(await counter("taken")).toEqual({ value: 1 });
    // The connection is usable afterwards.
    await db.insertInto("Counter").values({ name: "after", value: 1 }).execute();
    expect(await counter("after")).toEqual({ value: 1 });
  });

  it("enforces foreign keys", async () => {
    await expect(db.insertInto("ReportFollower").values({ reportId: 999, userId: 999, kind: "reporter", createdAt: new Date() }).execute()).rejects.toThrow(
      onPostgres ? /foreign key constraint/ : /FOREIGN KEY/,
    );
  });

  it("waits for another process's write lock without stopping the event loop, then writes", async () => {
    // SQLite: another process's write transaction. PostgreSQL: another instance's transaction, which holds the
    // advisory lock every transaction takes first (src/db/postgres/dialect.ts).
    const other = onPostgres ? await otherPostgresTransaction(url) : otherSqliteTransaction(url);
    let ticks = 0;
    let last = performance.now();
    let longestGap = 0;
    const ticker = setInterval(() => {
      ticks++;
      longestGap = Math.max(longestGap, performance.now() - last);
      last = performance.now();
    }, 5);
    let written = false;
    const write = db
      .insertInto("Counter")
      .values({ name: "ours", value: 1 })
      .execute()
      .then(() => (written = true));
    let committed = false;
    const transaction = db
      .transaction()
      .execute((tx) => tx.insertInto("Counter").values({ name: "ours-tx", value: 1 }).execute())
      .then(() => (committed = true));
    // The lock is held for as long as the event loop turns 10 times: if waiting blocked it, this would never end.
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (ticks < 10) return;
        clearInterval(check);
        resolve();
      }, 5);
    });
    // On SQLite the lone statement waits too (one writer per database); on PostgreSQL only transactions queue.
    expect(written).toBe(onPostgres);
    expect(committed).toBe(false);
    await other.commit();
    await write;
    await transaction;
    clearInterval(ticker);
    // SQLite's own busy wait (busy_timeout) blocks the thread: it is kept to milliseconds; the waiting is ours.
    expect(longestGap).toBeLessThan(1000);
    expect(await counter("ours")).toEqual({ value: 1 });
    expect(await counter("ours-tx")).toEqual({ value: 1 });
    expect(await counter("other")).toEqual({ value: 1 });
  });

  it("runs a prepared query with each call's own values, and refuses a builder that does not bind an argument", async () => {
    const upsert = preparedQuery((q, name: string, value: number) =>
      q
        .insertInto("Counter")
        .values({ name, value })
        .onConflict((oc) => oc.column("name").doUpdateSet((eb) => ({ value: eb("Counter.value", "+", eb.ref("excluded.value")) })))
        .returning(["name", "value"]),
    );
    expect(await upsert(db, "a", 1)).toEqual([{ name: "a", value: 1 }]);
    expect(await upsert(db, "b", 5)).toEqual([{ name: "b", value: 5 }]);
    expect(await upsert(db, "a", 2)).toEqual([{ name: "a", value: 3 }]);
    // Inside a transaction too.
    await db.transaction().execute(async (tx) => expect(await upsert(tx, "b", 1)).toEqual([{ name: "b", value: 6 }]));
    const inlined = preparedQuery((q, name: string) =>
      q
        .selectFrom("Counter")
        .select("value")
        .where("name", "=", name.length > 0 ? "a" : "b"),
    );
    await expect(inlined(db, "a")).rejects.toThrow(/bound value/);
  });
});
