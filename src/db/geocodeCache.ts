import { AsyncLocalStorage } from "node:async_hooks";
import type Database from "better-sqlite3";
import { sqliteDate, type HotPath } from "./hotPath.js";

/** Geocoding answers by request key (the Nominatim policy asks for caching); values are JSON. */
export interface GeocodeCache {
  get(key: string): string | undefined;
  /** Keeps the first answer for a key: a later one for the same key is ignored. */
  put(key: string, value: string, now: Date): Promise<void>;
}

/**
 * The user (internal id) whose update is being handled. The geocoder is called deep inside forms that do not
 * pass the user along; the cache learns from here whose typed words a key carries, so deleting that user's data
 * can purge them (see `purgeGeocodeKeysOf`).
 */
const askingUser = new AsyncLocalStorage<number>();

/** Runs `fn` (an update's handling) so that geocoding keys it causes are recorded as this user's. */
export function asGeocodingUser<T>(userId: number, fn: () => T): T {
  return askingUser.run(userId, fn);
}

/** Typed searches carry the resident's own words: a hit on one is recorded too (they typed it again). */
const isTyped = (key: string) => key.startsWith("search:");

/** The GeocodeCache table, as prepared statements on the hot-path connection: every pin reads it. */
export class SqliteGeocodeCache implements GeocodeCache {
  private readonly getStmt: Database.Statement;
  private readonly putStmt: Database.Statement;
  private readonly useStmt: Database.Statement;

  constructor(private readonly hot: HotPath) {
    this.getStmt = hot.sqlite.prepare(`SELECT "value" FROM "GeocodeCache" WHERE "key" = ?`);
    this.putStmt = hot.sqlite.prepare(`INSERT INTO "GeocodeCache" ("key", "value", "createdAt") VALUES (?, ?, ?) ON CONFLICT ("key") DO NOTHING`);
    this.useStmt = hot.sqlite.prepare(`INSERT OR IGNORE INTO "GeocodeCacheUse" ("key", "userId") VALUES (?, ?)`);
  }

  get(key: string): string | undefined {
    const value = (this.getStmt.get(key) as { value: string } | undefined)?.value;
    const userId = askingUser.getStore();
    // A pin's reverse lookup (every pin) stays a pure read; only typed searches are worth a write.
    if (value !== undefined && userId !== undefined && isTyped(key)) void this.hot.write(() => void this.useStmt.run(key, userId)).catch(() => undefined);
    return value;
  }

  put(key: string, value: string, now: Date): Promise<void> {
    const userId = askingUser.getStore();
    return this.hot.write(() => {
      this.putStmt.run(key, value, sqliteDate(now));
      if (userId !== undefined) this.useStmt.run(key, userId);
    });
  }
}

/** The statements "Usuń moje dane" runs on Prisma's transaction (see services/privacy.ts). */
export const PURGE_GEOCODE_KEYS_SQL = [
  // Every cached answer whose key this user caused, whoever else asked the same since.
  `DELETE FROM "GeocodeCache" WHERE "key" IN (SELECT "key" FROM "GeocodeCacheUse" WHERE "userId" = ?)`,
  `DELETE FROM "GeocodeCacheUse" WHERE "key" IN (SELECT "key" FROM "GeocodeCacheUse" WHERE "userId" = ?)`,
] as const;
