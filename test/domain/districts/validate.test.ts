import { describe, expect, it } from "vitest";
import type { LonLat } from "../../../src/domain/geo/index.js";
import type { ImportProblem } from "../../../src/domain/districts/index.js";
import { formatProblem, validateDistrictImport } from "../../../src/domain/districts/index.js";

const FILE = "districts.geojson";
const ring = (x0: number, y0: number, x1: number, y1: number): LonLat[] => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
  [x0, y0],
];
const feature = (props: Record<string, unknown>, coordinates: unknown = [ring(19, 49.8, 19.01, 49.81)], type = "Polygon") => ({
  type: "Feature",
  properties: { name: `District ${String(props.number)}`, unit: "KP1", ...props },
  geometry: { type, coordinates },
});
const fc = (...features: unknown[]) => ({ type: "FeatureCollection", features });
const run = (geojson: unknown, extra: Partial<Parameters<typeof validateDistrictImport>[0]> = {}) =>
  validateDistrictImport({ fileName: FILE, geojson, knownUnitCodes: new Set(["KP1", "KP2"]), knownOfficerCodes: new Set(["O01"]), ...extra });
const only = (problems: ImportProblem[]): ImportProblem => {
  expect(problems).toHaveLength(1);
  return problems[0]!;
};

describe("validateDistrictImport", () => {
  it("accepts a valid import and returns the districts", () => {
    const r = run(
      fc(
        feature({
          number: "1",
          officer: "O01",
          description: "ul. Polna",
          plan: { period: "2026-08-01/2027-01-31", threat: "Nieprawidłowe parkowanie", goal: "Mniej", actions: ["Kontrole"] },
        }),
        feature({ number: 2 }, [ring(19.01, 49.8, 19.02, 49.81)]), // shares a border with 1; numeric number accepted
        feature({ number: "3" }, [[ring(19.1, 49.8, 19.11, 49.81)], [ring(19.2, 49.8, 19.21, 49.81)]], "MultiPolygon"),
      ),
    );
    expect(r.problems).toEqual([]);
    expect(r.districts.map((d) => d.number)).toEqual(["1", "2", "3"]);
    expect(r.districts[0]).toMatchObject({ id: "1", featureIndex: 0, unit: "KP1", officer: "O01", plan: { actions: ["Kontrole"] } });
    expect(r.districts[0]!.areaM2).toBeGreaterThan(700_000);
    expect(r.stats.candidatePairs).toBeGreaterThan(0);
  });

  it("rejects something that is not a FeatureCollection", () => {
    expect(only(run({ type: "Feature" }).problems)).toMatchObject({ file: FILE, field: "type" });
    expect(only(run([]).problems)).toMatchObject({ file: FILE, field: "type" });
    expect(only(run({ type: "FeatureCollection" }).problems)).toMatchObject({ file: FILE, field: "features" });
  });

  it("rejects a feature that is not a Feature", () => {
    const p = only(run(fc(feature({ number: "1" }), { type: "Point", coordinates: [19, 50] })).problems);
    expect(p).toMatchObject({ file: FILE, feature: 1, field: "type" });
  });

  it("rejects a missing geometry", () => {
    const f = { type: "Feature", properties: { number: "1", name: "A", unit: "KP1" }, geometry: null };
    expect(only(run(fc(f)).problems)).toMatchObject({ file: FILE, feature: 0, district: "1", field: "geometry" });
  });

  it("rejects a geometry that is not a Polygon/MultiPolygon", () => {
    const p = only(run(fc(feature({ number: "1" }, [19, 50], "Point"))).problems);
    expect(p).toMatchObject({ feature: 0, field: "geometry.type" });
    expect(p.message).toMatch(/Point/);
  });

  it("rejects a ring that is not closed", () => {
    const open = ring(19, 49.8, 19.01, 49.81)
      .slice(0, 4)
      .concat([[19, 49.805]]);
    const p = only(run(fc(feature({ number: "1" }, [open]))).problems);
    expect(p).toMatchObject({ feature: 0, district: "1", field: "geometry.coordinates[0]" });
    expect(p.message).toMatch(/not closed/);
  });

  it("rejects a ring with too few positions", () => {
    const p = only(
      run(
        fc(
          feature({ number: "1" }, [
            [
              [19, 49.8],
              [19.01, 49.8],
              [19, 49.8],
            ],
          ]),
        ),
      ).problems,
    );
    expect(p).toMatchObject({ feature: 0, field: "geometry.coordinates[0]" });
    expect(p.message).toMatch(/3 positions; a ring needs at least 4/);
  });

  it("rejects non-finite coordinates and names the position", () => {
    const bad = ring(19, 49.8, 19.01, 49.81) as unknown[];
    bad[2] = [19.01, null];
    const p = only(run(fc(feature({ number: "1" }, [ring(19, 49.8, 19.1, 49.9)]), feature({ number: "2" }, [ring(19.2, 49.8, 19.3, 49.9), bad]))).problems);
    expect(p).toMatchObject({ feature: 1, district: "2", field: "geometry.coordinates[1][2]" });
    expect(p.message).toMatch(/ring 1: position 2/);
    const nan = [
      [
        [19, 49.8],
        [Number.NaN, 49.8],
        [19.01, 49.81],
        [19, 49.8],
      ],
    ];
    expect(only(run(fc(feature({ number: "3" }, nan))).problems)).toMatchObject({ field: "geometry.coordinates[0][1]" });
  });

  it("rejects a self-intersecting ring and names the ring and the positions", () => {
    const bowtie: LonLat[] = [
      [19, 49.8],
      [19.01, 49.81],
      [19.01, 49.8],
      [19, 49.81],
      [19, 49.8],
    ];
    const p = only(run(fc(feature({ number: "7" }, [[ring(18.9, 49.7, 18.95, 49.75)], [bowtie]], "MultiPolygon"))).problems);
    expect(p).toMatchObject({ feature: 0, district: "7", field: "geometry.coordinates[1][0]" });
    expect(p.message).toMatch(/ring 0 of polygon 1 intersects itself: the edge from position 0 and the edge from position 2/);
  });

  it("rejects coordinates outside Poland (e.g. swapped lon/lat)", () => {
    const swapped = ring(19, 49.8, 19.01, 49.81).map(([x, y]): LonLat => [y, x]);
    const p = only(run(fc(feature({ number: "1" }, [swapped]))).problems);
    expect(p).toMatchObject({ feature: 0, district: "1", field: "geometry.coordinates[0][0]" });
    expect(p.message).toMatch(/5 position\(s\) lie outside Poland.*swapped/);
  });

  it("rejects duplicate numbers", () => {
    const p = only(run(fc(feature({ number: "5" }), feature({ number: "5" }, [ring(19.5, 49.8, 19.51, 49.81)]))).problems);
    expect(p).toMatchObject({ feature: 1, district: "5", field: "properties.number" });
    expect(p.message).toMatch(/already used by feature #0/);
  });

  it("rejects an unknown unit", () => {
    const p = only(run(fc(feature({ number: "1", unit: "KP9" }))).problems);
    expect(p).toMatchObject({ feature: 0, district: "1", field: "properties.unit", message: 'unknown unit code "KP9"' });
    expect(run(fc(feature({ number: "1", unit: "KP9" })), { knownUnitCodes: undefined }).problems).toEqual([]);
  });

  it("rejects an unknown officer", () => {
    const p = only(run(fc(feature({ number: "1", officer: "O99" }))).problems);
    expect(p).toMatchObject({ feature: 0, district: "1", field: "properties.officer", message: 'unknown officer code "O99"' });
  });

  it("rejects missing required properties and a malformed plan", () => {
    const r = run(
      fc({
        type: "Feature",
        properties: { plan: { period: "2026-08-01/2026-02-30", goal: "x" } },
        geometry: { type: "Polygon", coordinates: [ring(19, 49.8, 19.01, 49.81)] },
      }),
    );
    expect(r.problems.map((p) => p.field)).toEqual([
      "properties.number",
      "properties.name",
      "properties.unit",
      "properties.plan.period",
      "properties.plan.threat",
    ]);
    expect(r.districts).toEqual([]);
  });

  it("rejects overlapping districts with the overlap area", () => {
    const r = run(fc(feature({ number: "1" }, [ring(19, 49.8, 19.02, 49.82)]), feature({ number: "2" }, [ring(19.01, 49.81, 19.03, 49.83)])));
    const p = only(r.problems);
    expect(p).toMatchObject({ file: FILE, feature: 1, district: "2", field: "geometry" });
    expect(p.message).toMatch(/overlaps district "1" \(feature #0\) by about 79\d{4} m²/);
    expect(r.stats.exactOverlapChecks).toBe(1);
  });

  it("rejects two districts with identical geometry (no edge crossings at all)", () => {
    const r = run(fc(feature({ number: "1" }), feature({ number: "2" })));
    expect(only(r.problems)).toMatchObject({ feature: 1, district: "2", field: "geometry" });
  });

  it("tolerates an overlap below 1 m² as numerical noise", () => {
    // 5e-9° of longitude ≈ 0.36 mm of overlap along a 1.1 km border ≈ 0.4 m²; 1e-7° ≈ 7 mm ≈ 8 m².
    const r = run(fc(feature({ number: "1" }, [ring(19, 49.8, 19.01, 49.81)]), feature({ number: "2" }, [ring(19.01 - 5e-9, 49.8, 19.02, 49.81)])));
    expect(r.problems).toEqual([]);
    expect(r.stats.exactOverlapChecks).toBe(1); // beyond the 1e-9° border tolerance, so polyclip measured it
    const big = run(fc(feature({ number: "1" }, [ring(19, 49.8, 19.01, 49.81)]), feature({ number: "2" }, [ring(19.01 - 1e-7, 49.8, 19.02, 49.81)])));
    expect(only(big.problems).message).toMatch(/overlaps/);
  });

  it("rejects overlapping parts of one MultiPolygon", () => {
    const p = only(run(fc(feature({ number: "1" }, [[ring(19, 49.8, 19.02, 49.82)], [ring(19.01, 49.81, 19.03, 49.83)]], "MultiPolygon"))).problems);
    expect(p).toMatchObject({ feature: 0, field: "geometry.coordinates[1]" });
  });

  it("rejects a CSV rule naming an unknown district", () => {
    const csv = { fileName: "rules.csv", text: "district_number,kind,street,village,from,to,parity\n1,street,Polna,,,,\n99,street,Łąkowa,,,,\n" };
    const r = run(fc(feature({ number: "1" })), { csv });
    const p = only(r.problems);
    expect(p).toMatchObject({ file: "rules.csv", line: 3, field: "district_number" });
    expect(p.message).toBe('no district "99" in districts.geojson');
    expect(r.rules).toHaveLength(2);
  });

  it("passes CSV parse problems through", () => {
    const csv = { fileName: "rules.csv", text: "district_number,kind,street,village,from,to,parity\n1,bogus,Polna,,,,\n" };
    expect(only(run(fc(feature({ number: "1" })), { csv }).problems)).toMatchObject({ file: "rules.csv", line: 2, field: "kind" });
  });

  it("formats problems for the CLI", () => {
    expect(formatProblem({ file: FILE, feature: 3, district: "12", field: "properties.unit", message: "unknown unit code" })).toBe(
      "districts.geojson: feature #3 (district 12): properties.unit: unknown unit code",
    );
    expect(formatProblem({ file: "r.csv", line: 7, field: "kind", message: "bad" })).toBe("r.csv: line 7: kind: bad");
  });
});
