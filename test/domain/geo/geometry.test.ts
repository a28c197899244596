import { describe, expect, it } from "vitest";
import type { LonLat, PolygonGeometry } from "../../../src/domain/geo/index.js";
import {
  bboxOfGeometry,
  distanceToBoundaryM,
  findRingSelfIntersection,
  geometryAreaM2,
  haversineM,
  interiorsCertainlyDisjoint,
  intersectionAreaM2,
  isRingClosed,
  locatePoint,
  pointInGeometry,
  PreparedGeometry,
  ringSignedAreaM2,
} from "../../../src/domain/geo/index.js";

const rect = (x0: number, y0: number, x1: number, y1: number): LonLat[] => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
  [x0, y0],
];
const poly = (...rings: LonLat[][]): PolygonGeometry => ({ type: "Polygon", coordinates: rings });

describe("point in polygon", () => {
  const withHole = poly(rect(19, 49.8, 19.1, 49.9), rect(19.04, 49.84, 19.06, 49.86));

  it("finds points inside, outside and in a hole", () => {
    expect(locatePoint(withHole, 19.01, 49.81)).toBe("inside");
    expect(locatePoint(withHole, 19.2, 49.81)).toBe("outside");
    expect(locatePoint(withHole, 19.05, 49.85)).toBe("outside"); // in the hole
    expect(pointInGeometry(withHole, 19.05, 49.85)).toBe(false);
  });

  it("treats the edge of a hole as boundary", () => {
    expect(locatePoint(withHole, 19.04, 49.85)).toBe("boundary");
  });

  it("finds the second part of a MultiPolygon", () => {
    const multi: PolygonGeometry = {
      type: "MultiPolygon",
      coordinates: [[rect(19, 49.8, 19.01, 49.81)], [rect(19.5, 50, 19.51, 50.01)]],
    };
    expect(locatePoint(multi, 19.505, 50.005)).toBe("inside");
    expect(locatePoint(multi, 19.3, 49.9)).toBe("outside");
  });

  it("excludes the notch of a non-convex U-shape", () => {
    // U open to the north: arms x 19.00–19.01 and 19.02–19.03, base y 49.80–49.81, top at 49.83.
    const u = poly([
      [19.0, 49.8],
      [19.03, 49.8],
      [19.03, 49.83],
      [19.02, 49.83],
      [19.02, 49.81],
      [19.01, 49.81],
      [19.01, 49.83],
      [19.0, 49.83],
      [19.0, 49.8],
    ]);
    expect(locatePoint(u, 19.015, 49.82)).toBe("outside"); // in the notch
    expect(locatePoint(u, 19.005, 49.82)).toBe("inside"); // left arm
    expect(locatePoint(u, 19.025, 49.82)).toBe("inside"); // right arm
    expect(locatePoint(u, 19.015, 49.805)).toBe("inside"); // base below the notch
    // A ray from the notch's latitude passes exactly through vertices: still right.
    expect(locatePoint(u, 18.99, 49.81)).toBe("outside");
    expect(locatePoint(u, 19.005, 49.81)).toBe("inside");
  });

  it("reports vertices and edges as boundary, within ~1e-9°", () => {
    const sq = poly(rect(19, 49.8, 19.1, 49.9));
    expect(locatePoint(sq, 19, 49.8)).toBe("boundary");
    expect(locatePoint(sq, 19.1, 49.9)).toBe("boundary");
    expect(locatePoint(sq, 19.05, 49.8)).toBe("boundary");
    expect(locatePoint(sq, 19.05, 49.8 + 5e-10)).toBe("boundary");
    expect(locatePoint(sq, 19.05, 49.8 + 1e-7)).toBe("inside");
    expect(locatePoint(sq, 19.05, 49.8 - 1e-7)).toBe("outside");
  });
});

describe("measures", () => {
  it("haversine: one degree of latitude ≈ 111.2 km; Bielsko-Biała–Kraków ≈ 67 km", () => {
    expect(haversineM(19, 49, 19, 50)).toBeCloseTo(111_195, -1);
    const km = haversineM(19.0444, 49.8225, 19.9383, 50.0614) / 1000;
    expect(km).toBeGreaterThan(65);
    expect(km).toBeLessThan(70);
  });

  it("area of a 0.01° square at 50° N ≈ 0.795 km², minus holes; sign follows orientation", () => {
    const ring = rect(19, 50, 19.01, 50.01);
    const expected = 1111.95 * 1111.95 * Math.cos((50.005 * Math.PI) / 180);
    expect(geometryAreaM2(poly(ring))).toBeCloseTo(expected, -2);
    expect(ringSignedAreaM2(ring)).toBeGreaterThan(0);
    expect(ringSignedAreaM2([...ring].reverse())).toBeLessThan(0);
    expect(geometryAreaM2(poly(ring, rect(19.0025, 50.0025, 19.0075, 50.0075)))).toBeCloseTo(expected * 0.75, -2);
  });

  it("distance to the boundary", () => {
    const sq = poly(rect(19, 49.8, 19.1, 49.9));
    // 0.01° of latitude south of the bottom edge ≈ 1112 m
    expect(distanceToBoundaryM(sq, 19.05, 49.79)).toBeCloseTo(1112, -1);
    // inside too: distance to the nearest edge
    expect(distanceToBoundaryM(sq, 19.05, 49.89)).toBeCloseTo(1112, -1);
  });

  it("bbox of a multipolygon", () => {
    const multi: PolygonGeometry = {
      type: "MultiPolygon",
      coordinates: [[rect(19, 49.8, 19.01, 49.81)], [rect(19.5, 50, 19.51, 50.01)]],
    };
    expect(bboxOfGeometry(multi)).toEqual([19, 49.8, 19.51, 50.01]);
  });
});

describe("ring checks", () => {
  it("closed rings", () => {
    expect(isRingClosed(rect(0, 0, 1, 1))).toBe(true);
    expect(isRingClosed(rect(0, 0, 1, 1).slice(0, 4))).toBe(false);
  });

  it("finds a bow-tie crossing and names both edges", () => {
    const bowtie: LonLat[] = [
      [19, 49.8],
      [19.1, 49.9],
      [19.1, 49.8],
      [19, 49.9],
      [19, 49.8],
    ];
    const x = findRingSelfIntersection(bowtie);
    expect(x).not.toBeNull();
    expect([x!.edgeA, x!.edgeB]).toEqual([0, 2]);
    expect(x!.point[0]).toBeCloseTo(19.05, 9);
    expect(x!.point[1]).toBeCloseTo(49.85, 9);
  });

  it("accepts simple rings and repeated positions, rejects pinches and spikes", () => {
    expect(findRingSelfIntersection(rect(19, 49.8, 19.1, 49.9))).toBeNull();
    const repeated: LonLat[] = [
      [19, 49.8],
      [19.1, 49.8],
      [19.1, 49.8],
      [19.1, 49.9],
      [19, 49.9],
      [19, 49.8],
    ];
    expect(findRingSelfIntersection(repeated)).toBeNull();
    // figure-eight touching itself at (19.05, 49.85)
    const pinch: LonLat[] = [
      [19, 49.8],
      [19.05, 49.85],
      [19.1, 49.8],
      [19.1, 49.9],
      [19.05, 49.85],
      [19, 49.9],
      [19, 49.8],
    ];
    expect(findRingSelfIntersection(pinch)).not.toBeNull();
    const spike: LonLat[] = [
      [19, 49.8],
      [19.1, 49.8],
      [19.2, 49.8],
      [19.15, 49.8],
      [19.1, 49.9],
      [19, 49.8],
    ];
    expect(findRingSelfIntersection(spike)).not.toBeNull();
  });

  it("is fast for a 2,000-vertex ring", () => {
    const ring: LonLat[] = [];
    for (let i = 0; i < 2000; i++) {
      const a = (2 * Math.PI * i) / 2000;
      const r = 0.05 * (1 + 0.3 * Math.sin(13 * a));
      ring.push([19 + r * Math.cos(a), 50 + r * Math.sin(a)]);
    }
    ring.push(ring[0]!);
    const t = performance.now();
    expect(findRingSelfIntersection(ring)).toBeNull();
    expect(performance.now() - t).toBeLessThan(500);
  });
});

describe("overlap pre-check (interiorsCertainlyDisjoint)", () => {
  const a = poly(rect(19, 49.8, 19.1, 49.9));
  it("clears neighbours sharing a border, also with a T-junction", () => {
    expect(interiorsCertainlyDisjoint(a, poly(rect(19.1, 49.8, 19.2, 49.9)))).toBe(true);
    // b's left edge is split by an extra vertex that a does not have
    const b = poly([
      [19.1, 49.8],
      [19.2, 49.8],
      [19.2, 49.9],
      [19.1, 49.9],
      [19.1, 49.85],
      [19.1, 49.8],
    ]);
    expect(interiorsCertainlyDisjoint(a, b)).toBe(true);
    expect(interiorsCertainlyDisjoint(a, poly(rect(19.3, 49.8, 19.4, 49.9)))).toBe(true);
  });
  it("never clears overlapping shapes", () => {
    expect(interiorsCertainlyDisjoint(a, a)).toBe(false); // identical: no crossings, no vertex inside
    expect(interiorsCertainlyDisjoint(a, poly(rect(19.05, 49.85, 19.2, 49.95)))).toBe(false);
    expect(interiorsCertainlyDisjoint(a, poly(rect(19.02, 49.82, 19.03, 49.83)))).toBe(false); // nested
    expect(interiorsCertainlyDisjoint(a, poly(rect(19, 49.8, 19.1, 49.85)))).toBe(false); // half, shares 3 edges
  });
  it("agrees with the exact intersection area", () => {
    expect(intersectionAreaM2(a, poly(rect(19.1, 49.8, 19.2, 49.9)))).toBe(0);
    expect(intersectionAreaM2(a, poly(rect(19.05, 49.8, 19.2, 49.9)))).toBeGreaterThan(1e6);
  });
});

describe("PreparedGeometry", () => {
  it("gives the same answers as locatePoint, on random points, vertices and edge midpoints", () => {
    const outer: LonLat[] = [];
    for (let i = 0; i < 300; i++) {
      const a = (2 * Math.PI * i) / 300;
      const r = 0.05 * (1 + 0.4 * Math.sin(9 * a));
      outer.push([19 + r * Math.cos(a), 50 + r * Math.sin(a)]);
    }
    outer.push(outer[0]!);
    const g: PolygonGeometry = {
      type: "MultiPolygon",
      coordinates: [
        [
          outer,
          [
            [18.99, 49.99],
            [18.99, 50.01],
            [19.01, 50.01],
            [19.01, 49.99],
            [18.99, 49.99],
          ],
        ],
        [
          [
            [19.2, 50],
            [19.3, 50],
            [19.25, 50.05],
            [19.2, 50],
          ],
        ],
      ],
    };
    const p = new PreparedGeometry(g);
    let seed = 7;
    const rnd = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const points: LonLat[] = [];
    for (let k = 0; k < 5000; k++) points.push([18.9 + rnd() * 0.45, 49.9 + rnd() * 0.2]);
    for (const ring of [outer])
      for (let i = 1; i < ring.length; i++) {
        points.push(ring[i]!, [(ring[i - 1]![0] + ring[i]![0]) / 2, (ring[i - 1]![1] + ring[i]![1]) / 2]);
      }
    let boundary = 0;
    for (const [x, y] of points) {
      const expected = locatePoint(g, x, y);
      if (expected === "boundary") boundary++;
      expect(p.locate(x, y)).toBe(expected);
    }
    expect(boundary).toBeGreaterThan(500);
  });
});

describe("overlap pre-check never clears a real overlap (randomised)", () => {
  it("agrees with polyclip on random star polygons, snapped to a coarse grid to force shared vertices and edges", () => {
    let seed = 11;
    const rnd = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const snap = (v: number): number => Math.round(v * 200) / 200; // 0.005° grid: many coincidences
    const star = (cx: number, cy: number): PolygonGeometry => {
      const ring: LonLat[] = [];
      const n = 5 + Math.floor(rnd() * 8);
      for (let i = 0; i < n; i++) {
        const a = (2 * Math.PI * i) / n;
        const r = 0.01 + rnd() * 0.02;
        ring.push([snap(cx + r * Math.cos(a)), snap(cy + r * Math.sin(a))]);
      }
      ring.push(ring[0]!);
      return { type: "Polygon", coordinates: [ring] };
    };
    let cleared = 0;
    let checked = 0;
    for (let k = 0; k < 150; k++) {
      const a = star(19, 50);
      const b = k % 3 === 0 ? a : star(19 + (rnd() - 0.5) * 0.06, 50 + (rnd() - 0.5) * 0.06);
      if (findRingSelfIntersection(a.coordinates[0] as LonLat[]) || findRingSelfIntersection(b.coordinates[0] as LonLat[])) continue;
      checked++;
      if (interiorsCertainlyDisjoint(a, b)) {
        cleared++;
        expect(intersectionAreaM2(a, b)).toBeLessThan(1e-3);
      }
    }
    expect(checked).toBeGreaterThan(50);
    expect(cleared).toBeGreaterThan(5);
  });
});
