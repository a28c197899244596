import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteGeocodeCache } from "../../src/db/geocodeCache.js";
import { HotPath } from "../../src/db/hotPath.js";
import { applyMigrations } from "../../src/db/connection.js";

// Moved out of reportStore.test.ts unchanged when the report store left the hot path (issue #13): whoever
// moves the geocode cache onto Kysely adapts its construction here.
describe("the geocode cache", () => {
  let dir: string;
  let hot: HotPath;
  const now = new Date("2026-11-27T10:00:00Z");

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dz-geocache-"));
    const url = `file:${path.join(dir, "t.db")}`;
    applyMigrations(url);
    hot = new HotPath(url);
  });
  afterEach(() => {
    hot.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("keeps the first geocoding answer for a key", async () => {
    const cache = new SqliteGeocodeCache(hot);
    expect(cache.get("reverse:1,2")).toBeUndefined();
    await cache.put("reverse:1,2", JSON.stringify("Cieszyńska 10"), now);
    await cache.put("reverse:1,2", JSON.stringify("something else"), now);
    expect(JSON.parse(cache.get("reverse:1,2")!)).toBe("Cieszyńska 10");
  });
});
