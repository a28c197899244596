import { describe, expect, it } from "vitest";
import { CATEGORIES } from "../../../src/domain/reports/categories.js";
import { DEFAULT_PUBLIC_MAP_RULE as RULE, isOnPublicMap, parseMapStart, snapToGrid } from "../../../src/domain/reports/publicMap.js";
import { STATUSES, type Status } from "../../../src/domain/reports/status.js";

const NOW = new Date("2026-12-04T12:00:00Z");
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 24 * 3600_000);
const on = (categoryCode: string, status: Status, statusSince = daysAgo(1), rule = RULE) => isOnPublicMap({ categoryCode, status, statusSince }, rule, NOW);

describe("the public map's rule (issue #16)", () => {
  it("shows a report once it is past new, or at once with PUBLIC_MAP_SHOW_NEW", () => {
    expect(on("parking", "new")).toBe(false);
    expect(on("parking", "new", daysAgo(1), { ...RULE, showNew: true })).toBe(true);
    for (const status of ["verification", "confirmed", "confirmed_referred"] as const) expect(on("parking", status, daysAgo(400)), status).toBe(true);
  });

  it("never shows a joke or mistake, in any category, however recent", () => {
    for (const category of CATEGORIES) expect(on(category.code, "joke", NOW), category.code).toBe(false);
    expect(on("parking", "joke", NOW, { ...RULE, showNew: true })).toBe(false);
  });

  it("drops not confirmed after 7 days and eliminated after 30 (configurable)", () => {
    expect(on("parking", "not_confirmed", daysAgo(6.9))).toBe(true);
    expect(on("parking", "not_confirmed", daysAgo(7.1))).toBe(false);
    expect(on("parking", "confirmed_eliminated", daysAgo(29.9))).toBe(true);
    expect(on("parking", "confirmed_eliminated", daysAgo(30.1))).toBe(false);
    const longer = { ...RULE, notConfirmedDays: 14, eliminatedDays: 60 };
    expect(on("parking", "not_confirmed", daysAgo(10), longer)).toBe(true);
    expect(on("parking", "confirmed_eliminated", daysAgo(45), longer)).toBe(true);
  });

  it("never shows drugs or animal cruelty, and dangerous entertainment only once confirmed", () => {
    for (const status of STATUSES) {
      expect(on("drugs", status, NOW, { ...RULE, showNew: true }), status).toBe(false);
      expect(on("animal_cruelty", status, NOW, { ...RULE, showNew: true }), status).toBe(false);
    }
    expect(on("dangerous_entertainment", "verification")).toBe(false);
    expect(on("dangerous_entertainment", "not_confirmed")).toBe(false);
    expect(on("dangerous_entertainment", "confirmed")).toBe(true);
    expect(on("dangerous_entertainment", "confirmed_eliminated")).toBe(true);
    expect(on("no_such_category", "confirmed")).toBe(false);
  });

  it("snaps positions to the ~50 m grid: every point of a cell to its centre, never farther than the cell", () => {
    const centre = snapToGrid(49.82245, 19.04468, 50);
    // A house next door, in the same cell, gives the same position; the snap moves a point by at most ~36 m.
    for (let i = 0; i < 200; i++) {
      const lat = 49.8 + i * 0.00037;
      const lon = 19.0 + i * 0.00053;
      const snapped = snapToGrid(lat, lon, 50);
      const dy = (snapped.lat - lat) * 111_320;
      const dx = (snapped.lon - lon) * 111_320 * Math.cos((lat * Math.PI) / 180);
      expect(Math.hypot(dx, dy), `${lat},${lon}`).toBeLessThanOrEqual(36);
      expect(snapToGrid(snapped.lat, snapped.lon, 50)).toEqual(snapped);
    }
    expect(snapToGrid(centre.lat + 0.00001, centre.lon - 0.00001, 50)).toEqual(centre);
    expect(snapToGrid(49.82245, 19.04468, 200)).not.toEqual(centre);
  });

  it("reads the map page's link into the bot: map, or map_<lat>_<lon> with d for the decimal point; nothing else", () => {
    expect(parseMapStart("map")).toEqual({});
    expect(parseMapStart("map_49d8225_19d0444")).toEqual({ point: { lat: 49.8225, lon: 19.0444 } });
    expect(parseMapStart("map_-33d9_151")).toEqual({ point: { lat: -33.9, lon: 151 } });
    for (const bad of ["", "ref_1", "map_", "map_49.8_19.0", "map_99d0_19d0", "map_49d8_190d0", "map_49d8_19d0_x", "map_1e3_1"])
      expect(parseMapStart(bad), bad).toBeUndefined();
  });
});
