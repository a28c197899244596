import type Database from "better-sqlite3";
import { sqliteDate, type HotPath } from "./hotPath.js";

/** Geocoding answers by request key (the Nominatim policy asks for caching); values are JSON. */
export interface GeocodeCache {
  get(key: string): string | undefined;
  /** Keeps the first answer for a key: a later one for the same key is ignored. */
  put(key: string, value: string, now: Date): Promise<void>;
}

/** The GeocodeCache table, as prepared statements on the hot-path connection: every pin reads it. */
export class SqliteGeocodeCache implements GeocodeCache {
  private readonly getStmt: Database.Statement;
  private readonly putStmt: Database.Statement;

  constructor(private readonly hot: HotPath) {
    this.getStmt = hot.sqlite.prepare(`SELECT "value" FROM "GeocodeCache" WHERE "key" = ?`);
    this.putStmt = hot.sqlite.prepare(`INSERT INTO "GeocodeCache" ("key", "value", "createdAt") VALUES (?, ?, ?) ON CONFLICT ("key") DO NOTHING`);
  }

  get(key: string): string | undefined {
    return (this.getStmt.get(key) as { value: string } | undefined)?.value;
  }

  put(key: string, value: string, now: Date): Promise<void> {
    return this.hot.write(() => void this.putStmt.run(key, value, sqliteDate(now)));
  }
}
