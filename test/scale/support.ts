// Shared set-up for the tests at a city's scale: rows made directly with SQL (one statement each, a
// recursive series), so that setting up 100,000 residents or reports costs well under a second. The SQL is
// SQLite's (a test fixture, not app code); dates and booleans are passed as such and encoded by the dialect.
import { CompiledQuery, sql, type QueryResult } from "kysely";
import type { Database } from "../../src/db/connection.js";

/** Rows per scale test: 100,000 unless SCALE_ROWS says otherwise (e.g. 5000 for a quick run). */
export const SCALE_ROWS = Number(process.env.SCALE_ROWS ?? 100_000);

/** Runs one SQL statement with `?` parameters on the app's connection. */
export function rawQuery<R = Record<string, unknown>>(db: Database, sql: string, ...params: unknown[]): Promise<QueryResult<R>> {
  return db.executeQuery<R>(CompiledQuery.raw(sql, params));
}

const series = (count: number) => `WITH RECURSIVE "n"("i") AS (SELECT 1 UNION ALL SELECT "i" + 1 FROM "n" WHERE "i" < ${Math.trunc(count)})`;

/** `count` residents with Telegram ids firstTelegramId, +1, …; returns their internal ids (ascending). */
export async function seedResidents(
  db: Database,
  opts: { count: number; firstTelegramId: number; blocked?: boolean; now: Date },
): Promise<{ first: number; last: number }> {
  const at = opts.now;
  await rawQuery(
    db,
    `${series(opts.count)}
     INSERT INTO "User" ("telegramId", "firstName", "languageCode", "role", "blocked", "banned", "firstSeen", "lastSeen")
     SELECT CAST(? AS INTEGER) + "i" - 1, 'Mieszkaniec ' || "i", CASE "i" % 3 WHEN 0 THEN 'uk' WHEN 1 THEN 'pl' ELSE 'en' END, 'resident', ?, 0, ?, ? FROM "n"`,
    opts.firstTelegramId,
    opts.blocked ?? false,
    at,
    at,
  );
  const {
    rows: [range],
  } = await rawQuery<{ first: number | bigint; last: number | bigint }>(
    db,
    `SELECT MIN("id") AS "first", MAX("id") AS "last" FROM "User" WHERE "telegramId" BETWEEN ? AND ?`,
    opts.firstTelegramId,
    opts.firstTelegramId + opts.count - 1,
  );
  return { first: Number(range!.first), last: Number(range!.last) };
}

/** Subscriptions of the users with ids first..last: scope "all", or the districts in turn. */
export async function seedSubscriptions(db: Database, opts: { first: number; last: number; districtIds?: number[]; now: Date }): Promise<void> {
  const users = () => db.selectFrom("User").where("id", ">=", opts.first).where("id", "<=", opts.last);
  const subscribe = (scope: string, districtId: number | null, where: (q: ReturnType<typeof users>) => ReturnType<typeof users>) =>
    db
      .insertInto("Subscription")
      .columns(["userId", "scope", "districtId", "createdAt"])
      .expression(where(users()).select((eb) => ["id", eb.val(scope).as("scope"), eb.val(districtId).as("districtId"), eb.val(opts.now).as("createdAt")]))
      .execute();
  if (!opts.districtIds) return void (await subscribe("all", null, (q) => q));
  const ids = opts.districtIds;
  for (const [i, districtId] of ids.entries()) await subscribe(`district:${districtId}`, districtId, (q) => q.where(sql<boolean>`"id" % ${ids.length} = ${i}`));
}

/** Runs `fn`, prints how long it took (for the report; never asserted: speed belongs in `npm run bench`). */
export async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await fn();
  console.log(`[scale ${SCALE_ROWS}] ${label}: ${Math.round(performance.now() - started)} ms`);
  return result;
}

export async function scalar(db: Database, sql: string, ...params: unknown[]): Promise<number> {
  const {
    rows: [row],
  } = await rawQuery<{ n: number | bigint }>(db, sql, ...params);
  return Number(row?.n ?? 0);
}

/**
 * `count` reports by one reporter (refs BB-2026-000001…, submission keys scale:1…), spread deterministically
 * over Bielsko-Biała and its county, in the given categories by turns; every fifth has a description that
 * needs quoting in CSV. No district yet.
 */
export async function seedReports(db: Database, opts: { count: number; reporterId: number; categories: string[]; now: Date }): Promise<void> {
  const at = opts.now;
  await rawQuery(
    db,
    `${series(opts.count)}
     INSERT INTO "Report" ("ref", "categoryCode", "status", "lat", "lon", "address", "placeSource", "description", "reporterId", "submissionKey", "createdAt", "updatedAt")
     SELECT printf('BB-2026-%06d', "i"), json_extract(?, '$[' || ("i" % CAST(? AS INTEGER)) || ']'), 'new',
            49.70 + (("i" * 7919) % 10007) * 0.25 / 10007, 18.90 + (("i" * 104729) % 10009) * 0.40 / 10009,
            'ul. Testowa ' || "i", 'pin', CASE WHEN "i" % 5 = 0 THEN 'Opis; z "cudzysłowem" nr ' || "i" END, ?, 'scale:' || "i", ?, ?
     FROM "n"`,
    JSON.stringify(opts.categories),
    opts.categories.length,
    opts.reporterId,
    at,
    at,
  );
}

export const refOf = (i: number) => `BB-2026-${String(i).padStart(6, "0")}`;
