import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DbGeocodeCache } from "../../src/db/geocodeCache.js";
import { applyMigrations, openDatabase, type Database } from "../../src/db/connection.js";

describe("the geocode cache", () => {
  let dir: string;
  let db: Database;
  const now = new Date("2026-11-27T10:00:00Z");

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dz-geocache-"));
    const url = `file:${path.join(dir, "t.db")}`;
    applyMigrations(url);
    db = openDatabase(url);
  });
  afterEach(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("keeps the first geocoding answer for a key", async () => {
    const cache = new DbGeocodeCache(db);
    expect(await cache.get("reverse:1,2")).toBeUndefined();
    await cache.put("reverse:1,2", JSON.stringify("Cieszyńska 10"), now);
    await cache.put("reverse:1,2", JSON.stringify("something else"), now);
    expect(JSON.parse((await cache.get("reverse:1,2"))!)).toBe("Cieszyńska 10");
  });
});
