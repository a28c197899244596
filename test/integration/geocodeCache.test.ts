import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DbGeocodeCache } from "../../src/db/geocodeCache.js";
import { type Database } from "../../src/db/connection.js";
import { openTempDatabase } from "../support/database.js";

describe("the geocode cache", () => {
  let close: () => Promise<void>;
  let db: Database;
  const now = new Date("2026-11-27T10:00:00Z");

  beforeEach(async () => {
    ({ db, close } = await openTempDatabase("dz-geocache-"));
  });
  afterEach(() => close());

  it("keeps the first geocoding answer for a key", async () => {
    const cache = new DbGeocodeCache(db);
    expect(await cache.get("reverse:1,2")).toBeUndefined();
    await cache.put("reverse:1,2", JSON.stringify("Cieszyńska 10"), now);
    await cache.put("reverse:1,2", JSON.stringify("something else"), now);
    expect(JSON.parse((await cache.get("reverse:1,2"))!)).toBe("Cieszyńska 10");
  });
});
