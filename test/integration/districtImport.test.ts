import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyMigrations, openDatabase, type Database } from "../../src/db/connection.js";
import { countRows, openTempDatabase } from "../support/database.js";
import { exportDistricts, importDistricts, loadSampleIfEmpty, SAMPLE_DIR } from "../../src/services/districtImport.js";
import { DistrictDirectory } from "../../src/services/districtDirectory.js";
import { newTestDatabase } from "../support/testDatabase.js";

const square = (lon: number, lat: number, size = 0.01) => ({
  type: "Polygon",
  coordinates: [
    [
      [lon, lat],
      [lon + size, lat],
      [lon + size, lat + size],
      [lon, lat + size],
      [lon, lat],
    ],
  ],
});
const feature = (props: Record<string, unknown>, geometry: unknown) => ({ type: "Feature", properties: props, geometry });
const collection = (...features: unknown[]) => JSON.stringify({ type: "FeatureCollection", features });
const UNITS = JSON.stringify({
  units: [
    {
      code: "KPP",
      kind: "komenda",
      name: "Komenda Powiatowa Policji w Przykładowie",
      address: "ul. Główna 1",
      lat: 50.0,
      lon: 20.0,
      dutyPhone: "+48 11 111 11 11",
    },
  ],
});
const OFFICERS = JSON.stringify({ officers: [{ code: "D1", rank: "asp.", firstName: "Jan", lastName: "Kowalski", unit: "KPP", phone: "+48 11 111 11 12" }] });

describe("district import", () => {
  let close: () => Promise<void>;
  let db: Database;
  const count = (table: "District" | "Unit") => countRows(db, table);
  beforeEach(async () => {
    ({ db, close } = await openTempDatabase("dz-import-"));
  });
  afterEach(() => close());

  it("loads the sample once into an empty database, and it validates", async () => {
    const first = await loadSampleIfEmpty(db);
    expect(first?.problems).toEqual([]);
    expect(first?.districts).toBe(42);
    expect(await loadSampleIfEmpty(db)).toBeNull();
    expect(await count("District")).toBe(42);
    expect(await count("Unit")).toBeGreaterThanOrEqual(4);
    expect((await db.selectFrom("Setting").select("value").where("key", "=", "districts.source").executeTakeFirst())?.value).toBe("sample");
  });

  it("replaces the sample with real data, all or nothing, and re-assigns existing reports", async () => {
    await loadSampleIfEmpty(db);
    const now = new Date();
    const user = await db.insertInto("User").values({ telegramId: 1, firstSeen: now, lastSeen: now }).returning("id").executeTakeFirstOrThrow();
    await db
      .insertInto("Report")
      .values({
        ref: "BB-2026-000001",
        categoryCode: "parking",
        lat: 50.005,
        lon: 20.005,
        address: "x",
        placeSource: "pin",
        reporterId: user.id,
        submissionKey: "k1",
        createdAt: now,
        updatedAt: now,
      })
      .execute();
    const files = {
      districts: { fileName: "real.geojson", text: collection(feature({ number: "1", name: "Centrum", unit: "KPP", officer: "D1" }, square(20, 50))) },
      units: { fileName: "units.json", text: UNITS },
      officers: { fileName: "officers.json", text: OFFICERS },
    };
    const outcome = await importDistricts(db, files, { source: "import:real.geojson" });
    expect(outcome).toMatchObject({ problems: [], districts: 1, written: true });
    expect(await count("District")).toBe(1);
    const report = await db
      .selectFrom("Report")
      .leftJoin("District", "District.id", "Report.districtId")
      .select("District.name as districtName")
      .executeTakeFirstOrThrow();
    expect(report.districtName).toBe("Centrum");
    const directory = new DistrictDirectory(db);
    await directory.reload();
    expect(directory.sample).toBe(false);
    const hit = directory.atPoint(50.005, 20.005);
    expect(hit.kind === "district" && hit.district.officer?.lastName).toBe("Kowalski");
  });

  it("writes nothing when any feature is invalid, and names file, feature and field", async () => {
    await loadSampleIfEmpty(db);
    const files = {
      districts: {
        fileName: "bad.geojson",
        text: collection(
          feature({ number: "1", name: "A", unit: "KPP" }, square(20, 50)),
          feature({ number: "2", name: "B", unit: "NOPE" }, square(20.02, 50)),
          feature({ number: "3", name: "C", unit: "KPP", officer: "ghost" }, square(20.04, 50)),
          feature({ number: "1", name: "D", unit: "KPP" }, square(20.06, 50)),
          feature({ number: "5", name: "Berlin", unit: "KPP" }, square(13.4, 52.5)),
          feature({ number: "6", name: "Overlap", unit: "KPP" }, square(20.005, 50.005)),
        ),
      },
      units: { fileName: "units.json", text: UNITS },
    };
    const outcome = await importDistricts(db, files, { source: "x" });
    expect(outcome.written).toBe(false);
    const text = outcome.problems.map((p) => `${p.file}|${p.feature}|${p.field}|${p.message}`).join("\n");
    expect(text).toMatch(/bad\.geojson\|1\|.*unit/);
    expect(text).toMatch(/bad\.geojson\|2\|.*officer/);
    expect(text).toMatch(/bad\.geojson\|3\|properties\.number\|district number "1" is already used/);
    expect(text).toMatch(/bad\.geojson\|4\|.*Poland/);
    expect(text).toMatch(/bad\.geojson\|5\|geometry\|overlaps district "1"/);
    expect(await count("District")).toBe(42);
  });

  it("exports what it imported, in the import schema", async () => {
    await loadSampleIfEmpty(db);
    const exported = (await exportDistricts(db)) as { features: { properties: { number: string; unit: string; plan?: unknown } }[] };
    expect(exported.features).toHaveLength(42);
    const original = JSON.parse(fs.readFileSync(path.join(SAMPLE_DIR, "districts.geojson"), "utf8")) as typeof exported;
    expect(exported.features.map((f) => f.properties.number)).toEqual(original.features.map((f) => f.properties.number));
    const again = await importDistricts(db, { districts: { fileName: "export.geojson", text: JSON.stringify(exported) } }, { source: "x", dryRun: true });
    expect(again.problems).toEqual([]);
  });
});

describe("npm run districts:import / districts:export", () => {
  it("validates with --dry-run, refuses a broken file with exit 1, imports, and exports", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dz-cli-"));
    const env = { ...process.env, DATABASE_URL: (await newTestDatabase(dir, "cli")).url };
    const run = (script: string, ...args: string[]) =>
      spawnSync(process.execPath, ["--import", "tsx", `src/cli/${script}.ts`, ...args], { env, encoding: "utf8", timeout: 60_000 });
    const good = path.join(dir, "good.geojson");
    fs.writeFileSync(good, collection(feature({ number: "7", name: "Rynek", unit: "KPP", officer: "D1" }, square(20, 50))));
    fs.writeFileSync(path.join(dir, "units.json"), UNITS);
    fs.writeFileSync(path.join(dir, "officers.json"), OFFICERS);
    const bad = path.join(dir, "bad.geojson");
    fs.writeFileSync(bad, collection(feature({ name: "No number", unit: "KPP" }, square(20, 50))));
    try {
      const refused = run("districtsImport", bad, "--units", path.join(dir, "units.json"));
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain("bad.geojson");
      expect(refused.stderr).toContain("number");
      expect(refused.stderr).toContain("nothing was written");

      const dry = run("districtsImport", good, "--units", path.join(dir, "units.json"), "--officers", path.join(dir, "officers.json"), "--dry-run");
      expect(dry.status).toBe(0);
      expect(dry.stdout).toContain("Nothing written");

      const real = run("districtsImport", good, "--units", path.join(dir, "units.json"), "--officers", path.join(dir, "officers.json"));
      expect(real.status).toBe(0);
      expect(real.stdout).toContain("Imported 1 district(s)");

      const out = path.join(dir, "out.geojson");
      const exported = run("districtsExport", out);
      expect(exported.status).toBe(0);
      const written = JSON.parse(fs.readFileSync(out, "utf8")) as { features: { properties: Record<string, unknown> }[] };
      expect(written.features.map((f) => f.properties)).toEqual([{ number: "7", name: "Rynek", unit: "KPP", officer: "D1" }]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("npm run meetings:import", () => {
  it("refuses a file with problems (row and field named), imports a good one and queues its announcements", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dz-meet-"));
    const url = (await newTestDatabase(dir, "m")).url;
    await applyMigrations(url);
    const db = openDatabase(url);
    await loadSampleIfEmpty(db);
    const now = new Date();
    const user = await db.insertInto("User").values({ telegramId: 777, firstSeen: now, lastSeen: now }).returning("id").executeTakeFirstOrThrow();
    await db.insertInto("Subscription").values({ userId: user.id, scope: "all", createdAt: now }).execute();
    await db.destroy();
    const env = { ...process.env, DATABASE_URL: url };
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ["--import", "tsx", "src/cli/meetingsImport.ts", ...args], { env, encoding: "utf8", timeout: 60_000 });
    const header = "title,organiser,date,start,end,venue_name,venue_address,lat,lon,area,description,agenda";
    const bad = path.join(dir, "bad.csv");
    fs.writeFileSync(bad, `${header}\nDebata,KMP,2020-01-01,18:00,20:00,Sala,ul. 3 Maja 1,,,all,Opis,\n`);
    const good = path.join(dir, "good.csv");
    fs.writeFileSync(
      good,
      `${header}\n"Debata: bezpieczeństwo, drogi",KMP,2099-03-04,18:00,20:00,Starostwo,"ul. Piastowska 40, Bielsko-Biała",49.82,19.04,1;2,Zapraszamy,\n`,
    );
    try {
      const refused = run(bad);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain("bad.csv");
      expect(refused.stderr).toMatch(/row 2/);
      expect(refused.stderr).toContain("nothing was written");
      const imported = run(good, "--publish");
      expect(imported.stderr).toBe("");
      expect(imported.stdout).toContain("Imported 1 meeting(s), published; 1 announcement(s) queued");
      const check = openDatabase(url);
      const meeting = await check.selectFrom("Meeting").selectAll().executeTakeFirstOrThrow();
      expect(meeting).toMatchObject({ title: "Debata: bezpieczeństwo, drogi", status: "published", cityWide: false });
      expect(await check.selectFrom("MeetingArea").select("districtId").where("meetingId", "=", meeting.id).execute()).toHaveLength(2);
      const announcements = await check.selectFrom("Delivery").select("id").where("kind", "=", "meeting_announcement").where("chatId", "=", 777).execute();
      expect(announcements).toHaveLength(1);
      await check.destroy();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
