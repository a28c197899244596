import { describe, expect, it } from "vitest";
import type { LonLat, PolygonGeometry } from "../../../src/domain/geo/index.js";
import { DistrictIndex, compareDistrictNumbers, linearLookup } from "../../../src/domain/districts/index.js";

const ringOf = (x0: number, y0: number, x1: number, y1: number): LonLat[] => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
  [x0, y0],
];
const rect = (x0: number, y0: number, x1: number, y1: number): PolygonGeometry => ({
  type: "Polygon",
  coordinates: [ringOf(x0, y0, x1, y1)],
});

interface D {
  id: number;
  number: string;
  name: string;
  geometry: PolygonGeometry;
}

// Three districts in a row, west to east: "10" | "2" | "3"; "2" and "10" share the line lon 19.1.
const west: D = { id: 1, number: "10", name: "West", geometry: rect(19.0, 49.8, 19.1, 49.9) };
const middle: D = { id: 2, number: "2", name: "Middle", geometry: rect(19.1, 49.8, 19.2, 49.9) };
const east: D = { id: 3, number: "3", name: "East", geometry: rect(19.2, 49.8, 19.3, 49.9) };

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

describe("compareDistrictNumbers", () => {
  it("orders numbers naturally", () => {
    const sorted = ["10", "2", "1a", "10a", "1", "02", "B", "a", "11"].sort(compareDistrictNumbers);
    expect(sorted).toEqual(["1", "1a", "02", "2", "10", "10a", "11", "a", "B"]);
  });
});

describe("DistrictIndex", () => {
  it("resolves a point on a shared border to the lowest number, whatever the input order", () => {
    for (const order of permutations([west, middle, east])) {
      const index = new DistrictIndex(order);
      expect(index.lookup(19.1, 49.85)?.number).toBe("2"); // border "10"|"2": 2 < 10 naturally
      expect(index.lookup(19.2, 49.85)?.number).toBe("2"); // border "2"|"3"
      expect(index.lookup(19.1, 49.8)?.number).toBe("2"); // shared corner
      expect(linearLookup(index.districts, 19.1, 49.85)?.number).toBe("2");
    }
  });

  it("counts the outer boundary as inside and finds interior points", () => {
    const index = new DistrictIndex([west, middle, east]);
    expect(index.lookup(19.0, 49.85)?.name).toBe("West"); // outer boundary
    expect(index.lookup(19.05, 49.9)?.name).toBe("West");
    expect(index.lookup(19.25, 49.85)?.name).toBe("East");
    expect(index.locate(19.25, 49.85)?.location).toBe("inside");
    expect(index.locate(19.0, 49.85)?.location).toBe("boundary");
    expect(index.lookup(18.99, 49.85)).toBeNull();
    expect(index.covers(19.15, 49.85)).toBe(true);
    expect(index.covers(19.15, 49.95)).toBe(false);
    expect(index.bbox).toEqual([19.0, 49.8, 19.3, 49.9]);
  });

  it("does not put a point in a hole into the district with the hole", () => {
    const holey: D = {
      id: 1,
      number: "1",
      name: "Ring",
      geometry: { type: "Polygon", coordinates: [ringOf(19, 49.8, 19.1, 49.9), ringOf(19.04, 49.84, 19.06, 49.86)] },
    };
    const island: D = { id: 2, number: "2", name: "Island", geometry: rect(19.04, 49.84, 19.06, 49.86) };
    const index = new DistrictIndex([holey, island]);
    expect(index.lookup(19.05, 49.85)?.name).toBe("Island");
    expect(index.lookup(19.02, 49.85)?.name).toBe("Ring");
    expect(new DistrictIndex([holey]).lookup(19.05, 49.85)).toBeNull();
  });

  it("nearest: distance to the closest district from outside, 0 inside", () => {
    const index = new DistrictIndex([west, middle, east]);
    const n = index.nearest(19.15, 49.79)!; // 0.01° south of "2"
    expect(n.district.number).toBe("2");
    expect(n.distanceM).toBeCloseTo(1112, -1);
    expect(index.nearest(19.15, 49.85)).toMatchObject({ distanceM: 0 });
    // Far away: still the right one (east of "3").
    const far = index.nearest(20.3, 49.85)!;
    expect(far.district.number).toBe("3");
    expect(far.distanceM).toBeGreaterThan(70_000);
    expect(new DistrictIndex<D>([]).nearest(19, 50)).toBeNull();
    expect(new DistrictIndex<D>([]).lookup(19, 50)).toBeNull();
  });

  it("agrees with the linear scan on random points", () => {
    const ds: D[] = [];
    let id = 0;
    for (let i = 0; i < 10; i++) {
      for (let j = 0; j < 10; j++)
        ds.push({ id: ++id, number: String(id), name: `${i}/${j}`, geometry: rect(19 + i * 0.01, 50 + j * 0.01, 19.01 + i * 0.01, 50.01 + j * 0.01) });
    }
    const index = new DistrictIndex(ds);
    let seed = 42;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let k = 0; k < 2000; k++) {
      // snap some points onto the grid lines to exercise the border rule
      const x = k % 5 === 0 ? 19 + (Math.round(rnd() * 100) / 1000) * 1 : 18.99 + rnd() * 0.12;
      const y = 49.99 + rnd() * 0.12;
      expect(index.lookup(x, y)?.id).toBe(linearLookup(index.districts, x, y)?.id);
    }
  });
});
