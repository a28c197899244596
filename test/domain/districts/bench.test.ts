import { describe, expect, it } from "vitest";
import { benchDistricts, syntheticDistricts } from "../../../bench/districts.js";
import { DistrictIndex, validateDistrictImport } from "../../../src/domain/districts/index.js";

describe("district benchmark (small run)", () => {
  it("builds a valid synthetic tiling and reports consistent figures", async () => {
    const r = await benchDistricts({ districts: 300, vertices: 80, lookups: 5000 });
    expect(r.districts).toBe(300);
    expect(r.verticesPerDistrict).toBe(80);
    expect(r.validateProblems).toBe(0);
    expect(r.answerMismatches).toBe(0);
    expect(r.bboxScanMismatches).toBe(0);
    expect(r.validateCandidatePairs).toBeGreaterThan(300);
    expect(r.indexLookupsPerSec).toBeGreaterThan(0);
  });

  it("the synthetic cells tile without overlaps: a cell's centre-ish point is in exactly that cell", () => {
    const ds = syntheticDistricts(100, 40);
    const index = new DistrictIndex(ds);
    const { problems } = validateDistrictImport({
      fileName: "s.geojson",
      geojson: {
        type: "FeatureCollection",
        features: ds.map((d) => ({ type: "Feature", properties: { number: d.number, name: "x", unit: "U" }, geometry: d.geometry })),
      },
    });
    expect(problems).toEqual([]);
    // The first vertex of each cell is a shared corner: the border rule gives the lowest number.
    for (const d of ds) {
      const [x, y] = d.geometry.coordinates[0]![0] as [number, number];
      expect(Number(index.lookup(x, y)!.number)).toBeLessThanOrEqual(Number(d.number));
    }
  });
});
