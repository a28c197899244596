// `npm run districts:import` over a database with 100,000 reports (SCALE_ROWS): every report is re-assigned
// to the district its place lies in, in batches (one statement per report took minutes).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, openDatabase, type Database } from "../../src/db/connection.js";
import { DistrictIndex } from "../../src/domain/districts/districtIndex.js";
import type { PolygonGeometry } from "../../src/domain/geo/types.js";
import { loadSampleIfEmpty, SAMPLE_DIR } from "../../src/services/districtImport.js";
import { SCALE_ROWS, seedReports, seedResidents, timed } from "./support.js";

const N = SCALE_ROWS;

let dir: string;
let url: string;
let db: Database;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "dzielnicowy-scale-"));
  url = `file:${path.join(dir, "scale.db")}`;
  await applyMigrations(url);
  db = openDatabase(url);
  await loadSampleIfEmpty(db);
  const now = new Date();
  const reporter = await seedResidents(db, { count: 1, firstTelegramId: 5_000_000_000, now });
  await timed("seed reports", async () => {
    await seedReports(db, { count: N, reporterId: reporter.first, categories: ["vandalism", "parking", "illegal_dumping"], now });
    // All in one district to begin with: the import must move each to where it lies.
    const first = await db.selectFrom("District").select("id").orderBy("id").executeTakeFirstOrThrow();
    await db.updateTable("Report").set({ districtId: first.id, updatedAt: now }).execute();
  });
}, 120_000);

afterAll(async () => {
  await db?.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe(`a district import over ${N} reports`, () => {
  it("re-assigns every report to the district its place lies in", async () => {
    const sample = (name: string) => path.join(SAMPLE_DIR, name);
    const run = await timed("npm run districts:import", async () =>
      spawnSync(
        process.execPath,
        [
          "--import",
          "tsx",
          "src/cli/districtsImport.ts",
          sample("districts.geojson"),
          "--rules",
          sample("address-rules.csv"),
          "--units",
          sample("units.json"),
          "--officers",
          sample("officers.json"),
        ],
        { env: { ...process.env, DATABASE_URL: url }, encoding: "utf8", timeout: 300_000 },
      ),
    );
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("Imported 42 district(s)");

    // Checked against the district index itself (the lookup the bot uses for a new report).
    const districts = await db.selectFrom("District").select(["id", "number", "geometry"]).execute();
    const index = new DistrictIndex(districts.map((d) => ({ id: d.id, number: d.number, geometry: JSON.parse(d.geometry) as PolygonGeometry })));
    const reports = await db.selectFrom("Report").select(["id", "lat", "lon", "districtId"]).execute();
    expect(reports).toHaveLength(N);
    let inside = 0;
    let wrong = 0;
    for (const r of reports) {
      const expected = index.lookup(r.lon, r.lat)?.id ?? null;
      if (expected !== null) inside++;
      if (r.districtId !== expected) wrong++;
    }
    expect(wrong).toBe(0);
    // The points cover the city and most of the county: most lie in some district, some in none.
    expect(inside).toBeGreaterThan(N / 2);
    expect(inside).toBeLessThan(N);
  }, 300_000);
});
