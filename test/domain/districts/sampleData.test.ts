import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { LonLat, PolygonGeometry } from "../../../src/domain/geo/index.js";
import { geometryAreaM2, unionGeometries } from "../../../src/domain/geo/index.js";
import { DistrictIndex, matchAddress, validateDistrictImport } from "../../../src/domain/districts/index.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const SAMPLE = join(ROOT, "data", "sample");
const read = (file: string): string => readFileSync(join(SAMPLE, file), "utf8");
const json = <T>(file: string): T => JSON.parse(read(file)) as T;

interface Note {
  sample: boolean;
  note: { pl: string; en: string };
}
const geojson = json<{ metadata: Note & { nudgedCentres: { name: string; to: LonLat }[] }; features: unknown[] }>("districts.geojson");
const units = json<
  Note & { units: { code: string; kind: string; name: string; address: string; switchboardPhone: string; dutyPhone: string; lat: number; lon: number }[] }
>("units.json");
const officers = json<
  Note & {
    officers: {
      code: string;
      rank: string;
      firstName: string;
      lastName: string;
      phone: string;
      email: string;
      dutyHours: string;
      unit: string;
      districts: string[];
    }[];
  }
>("officers.json");
const places = json<{ osiedla: { name: string; lat: number; lon: number }[] }>("source/bielsko-biala-places.json");
const area = json<{ features: { properties: { terc: string }; geometry: PolygonGeometry }[] }>("source/bielsko-biala-area.geojson");

const result = validateDistrictImport({
  fileName: "districts.geojson",
  geojson,
  knownUnitCodes: new Set(units.units.map((u) => u.code)),
  knownOfficerCodes: new Set(officers.officers.map((o) => o.code)),
  csv: { fileName: "address-rules.csv", text: read("address-rules.csv") },
});
const index = new DistrictIndex(result.districts);

describe("sample data (Bielsko-Biała)", () => {
  it("passes the import validation with zero problems", () => {
    expect(result.problems).toEqual([]);
    expect(result.districts).toHaveLength(42);
    expect(result.rules.length).toBeGreaterThan(20);
  });

  it("has 30 city districts, 1–30, named after the osiedla", () => {
    const city = result.districts.filter((d) => Number(d.number) <= 30);
    expect(city.map((d) => d.number)).toEqual(places.osiedla.map((_, i) => String(i + 1)));
    expect(city.map((d) => d.name)).toEqual(places.osiedla.map((o) => o.name));
    const county = result.districts.filter((d) => Number(d.number) > 30);
    expect(county.every((d) => d.name.startsWith("Gmina "))).toBe(true);
  });

  it("puts each osiedle centre in its own district (the moved seed for a nudged one)", () => {
    const nudged = new Map(geojson.metadata.nudgedCentres.map((n) => [n.name, n.to]));
    expect([...nudged.keys()]).toEqual(["Biała Wschód"]);
    places.osiedla.forEach((o, i) => {
      const [lon, lat] = nudged.get(o.name) ?? [o.lon, o.lat];
      expect(index.lookup(lon, lat)?.name, o.name).toBe(o.name);
      expect(index.lookup(lon, lat)?.number).toBe(String(i + 1));
    });
  });

  it("covers the city with the 30 cells without gaps (within 0.1 %)", () => {
    const city = area.features.find((f) => f.properties.terc === "2461011")!.geometry;
    const cells = result.districts.filter((d) => Number(d.number) <= 30).map((d) => d.geometry);
    const union = unionGeometries(cells[0]!, ...cells.slice(1))!;
    const ratio = geometryAreaM2(union) / geometryAreaM2(city);
    expect(Math.abs(ratio - 1)).toBeLessThan(0.001);
  });

  it("resolves known points", () => {
    // Komenda Miejska, ul. Wapienna 45 ≈ 49.8157 N, 19.0416 E: in the city
    const kmp = index.lookup(19.0416, 49.8157);
    expect(Number(kmp?.number)).toBeLessThanOrEqual(30);
    // The sample CSV sends Wapienna 1–60 to the district holding that point.
    expect(matchAddress(result.rules, { street: "ul. Wapienna", houseNumber: "45" })).toBe(kmp?.number);
    // Czechowice-Dziedzice town centre: a county district
    const cd = index.lookup(19.0072, 49.9125);
    expect(Number(cd?.number)).toBeGreaterThan(30);
    expect(cd?.name).toMatch(/^Gmina Czechowice-Dziedzice/);
    // Kraków: nothing; the nearest district is over 50 km away
    expect(index.lookup(19.94, 50.06)).toBeNull();
    expect(index.covers(19.94, 50.06)).toBe(false);
    expect(index.nearest(19.94, 50.06)!.distanceM).toBeGreaterThan(50_000);
    expect(index.bbox[0]).toBeGreaterThan(18.7);
    expect(index.bbox[2]).toBeLessThan(19.4);
  });

  it("marks every file as sample data, in Polish and English", () => {
    for (const f of [geojson.metadata, units, officers]) {
      expect(f.sample).toBe(true);
      expect(f.note.pl).toMatch(/przykładowe/);
      expect(f.note.en).toMatch(/[Ss]ample/);
      expect(f.note.en).toMatch(/fictional/);
    }
  });

  it("has the real Komenda Miejska and sample units; one officer per district", () => {
    expect(units.units[0]).toMatchObject({
      code: "KMP",
      kind: "komenda",
      address: "ul. Wapienna 45, 43-300 Bielsko-Biała",
      switchboardPhone: "+48 33 812 12 00",
      dutyPhone: "+48 33 812 12 55",
    });
    expect(units.units.length).toBeGreaterThanOrEqual(4);
    expect(new Set(units.units.map((u) => u.kind))).toEqual(new Set(["komenda", "komisariat", "posterunek"]));
    for (const o of officers.officers) {
      expect(o.code).toMatch(/^O\d{2}$/);
      expect(o.email).toMatch(/^dzielnicowy\.\d{2}@bielsko\.policja\.example$/);
      expect(o.phone).toMatch(/^\+48 47 8\d\d \d\d \d\d$/);
      expect(o.districts.length).toBeGreaterThanOrEqual(1);
    }
    for (const d of result.districts) {
      expect(d.officer).toBeDefined();
      expect(d.plan?.period).toBe("2026-08-01/2027-01-31");
      expect(d.plan?.actions.length).toBeGreaterThan(0);
      const o = officers.officers.find((x) => x.code === d.officer)!;
      expect(o.districts).toContain(d.number);
      expect(o.unit).toBe(d.unit);
    }
  });

  it("is what the generator produces (deterministic, up to date)", () => {
    const out = mkdtempSync(join(tmpdir(), "sample-"));
    try {
      execFileSync(process.execPath, ["--import", "tsx", join(ROOT, "scripts/sample-data/build.ts"), "--out", out], { cwd: ROOT, stdio: "pipe" });
      for (const f of ["districts.geojson", "units.json", "officers.json", "address-rules.csv"]) {
        expect(readFileSync(join(out, f), "utf8"), f).toBe(read(f));
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
