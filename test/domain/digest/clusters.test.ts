import { prng } from "../../../src/emulator/prng.js";
import { describe, expect, it } from "vitest";
import { findClusters, type Cluster, type ClusterPoint } from "../../../src/domain/digest/clusters.js";
import { haversineM, METRES_PER_DEGREE } from "../../../src/domain/geo/measure.js";

// Wapienna, Bielsko-Biała: metres north and east of it as positions.
const LAT0 = 49.8168;
const LON0 = 19.0425;
const COS0 = Math.cos((LAT0 * Math.PI) / 180);
const at = (id: number, northM: number, eastM: number, street: string | null = null): ClusterPoint => ({
  id,
  lat: LAT0 + northM / METRES_PER_DEGREE,
  lon: LON0 + eastM / (METRES_PER_DEGREE * COS0),
  street,
});

function randomPoints(n: number, sideM: number, seed: number): ClusterPoint[] {
  const rnd = prng(seed);
  const streets = ["ul. Wapienna", "Wapienna", "ul. Sternicza", "ul. Karpacka", null];
  return Array.from({ length: n }, (_, i) => at(i + 1, rnd() * sideM, rnd() * sideM, streets[Math.floor(rnd() * streets.length)]));
}

const shuffled = <T>(items: readonly T[], seed: number): T[] => {
  const rnd = prng(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
};

/** The same distance as the implementation (local equirectangular), so points on the rim agree. */
const distM = (a: ClusterPoint, b: ClusterPoint) => {
  const cos = (Math.cos((a.lat * Math.PI) / 180) + Math.cos((b.lat * Math.PI) / 180)) / 2;
  return Math.hypot((b.lat - a.lat) * METRES_PER_DEGREE, (b.lon - a.lon) * METRES_PER_DEGREE * cos);
};

/** The algorithm written the slow, obvious way: the point with most untaken points within r (lowest id on ties) takes them. */
function naiveClusterIds(points: readonly ClusterPoint[], radiusM: number, minReports: number): number[][] {
  const left = new Set(points);
  const clusters: number[][] = [];
  for (;;) {
    let best: { p: ClusterPoint; near: ClusterPoint[] } | undefined;
    for (const p of left) {
      const near = [...left].filter((q) => distM(p, q) <= radiusM);
      if (!best || near.length > best.near.length || (near.length === best.near.length && p.id < best.p.id)) best = { p, near };
    }
    if (!best || best.near.length < minReports) break;
    for (const q of best.near) left.delete(q);
    clusters.push(best.near.map((q) => q.id).sort((a, b) => a - b));
  }
  return clusters.sort((a, b) => b.length - a.length || a[0]! - b[0]!);
}

/** What must hold of any result: disjoint, big enough, compact, its radius covering its points. */
function expectSound(points: readonly ClusterPoint[], clusters: Cluster[], radiusM: number, minReports: number) {
  const byId = new Map(points.map((p) => [p.id, p]));
  const seen = new Set<number>();
  for (const c of clusters) {
    expect(c.count).toBe(c.ids.length);
    expect(c.count).toBeGreaterThanOrEqual(minReports);
    expect(c.ids).toEqual([...c.ids].sort((a, b) => a - b));
    expect(c.radiusM).toBeGreaterThanOrEqual(radiusM / 2);
    for (const id of c.ids) {
      expect(seen.has(id), `report ${id} in two clusters`).toBe(false);
      seen.add(id);
      const p = byId.get(id)!;
      const d = haversineM(c.lon, c.lat, p.lon, p.lat);
      expect(d).toBeLessThanOrEqual(c.radiusM + 0.5);
      // Every member is within radiusM of the densest point, which is within radiusM of the mean.
      expect(d).toBeLessThanOrEqual(2 * radiusM + 0.5);
    }
  }
  for (let i = 1; i < clusters.length; i++) expect(clusters[i]!.count).toBeLessThanOrEqual(clusters[i - 1]!.count);
  return seen;
}

describe("places where reports cluster (issue 17)", () => {
  it("clusters three reports a few dozen metres apart, not a fourth 2 km away", () => {
    const points = [at(1, 0, 0, "ul. Wapienna"), at(2, 30, 10, "Wapienna"), at(3, -20, 40, "ul. Sternicza"), at(4, 2000, 0, "ul. Karpacka")];
    const clusters = findClusters(points);
    expect(clusters).toHaveLength(1);
    const c = clusters[0]!;
    expect(c.ids).toEqual([1, 2, 3]);
    expect(c.count).toBe(3);
    // The mean of the three: 10/3 m north, 50/3 m east.
    expect(haversineM(c.lon, c.lat, at(0, 10 / 3, 50 / 3).lon, at(0, 10 / 3, 50 / 3).lat)).toBeLessThan(0.01);
    // The farthest, report 3, is ~34 m from the centre: the radius is radiusM / 2 at least.
    expect(c.radiusM).toBe(75);
    // "ul. Wapienna" and "Wapienna" are one street, shown as first seen (lowest id).
    expect(c.streets).toEqual([
      { street: "ul. Wapienna", count: 2 },
      { street: "ul. Sternicza", count: 1 },
    ]);
  });

  it("needs minReports within radiusM: two reports are no cluster, three 400 m apart neither", () => {
    expect(findClusters([at(1, 0, 0), at(2, 10, 0)])).toEqual([]);
    expect(findClusters([at(1, 0, 0), at(2, 10, 0)], { minReports: 2 }).map((c) => c.ids)).toEqual([[1, 2]]);
    expect(findClusters([at(1, 0, 0), at(2, 400, 0), at(3, 800, 0)])).toEqual([]);
    // Within 150 m of the middle one, not of each other: one cluster around the middle.
    expect(findClusters([at(1, -140, 0), at(2, 0, 0), at(3, 140, 0)]).map((c) => c.ids)).toEqual([[1, 2, 3]]);
    expect(findClusters([at(1, -140, 0), at(2, 0, 0), at(3, 140, 0)], { radiusM: 100 })).toEqual([]);
  });

  it("gives a radius covering its points when they spread beyond half the radius", () => {
    const [c] = findClusters([at(1, -140, 0), at(2, 0, 0), at(3, 140, 0)]);
    // Centre at 0 m, farthest at 140 m: rounded up to whole metres.
    expect(c!.radiusM).toBe(140);
  });

  it("does not chain a street of reports 100 m apart into one place", () => {
    // Ten reports in a row, 100 m apart: each has its neighbours within 150 m, the row is 900 m long.
    const row = Array.from({ length: 10 }, (_, i) => at(i + 1, i * 100, 0));
    expect(findClusters(row).map((c) => c.ids)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
  });

  it("takes the densest place first, and counts reports at one position each", () => {
    const points = [
      // Five at exactly one point (a geocoded street's centroid) and one next to them.
      ...[10, 11, 12, 13, 14].map((id) => at(id, 500, 500, "ul. Karpacka")),
      at(15, 520, 500, "ul. Karpacka"),
      // Three elsewhere.
      at(1, 0, 0),
      at(2, 5, 5),
      at(3, -5, 5),
    ];
    const clusters = findClusters(points);
    expect(clusters.map((c) => c.ids)).toEqual([
      [10, 11, 12, 13, 14, 15],
      [1, 2, 3],
    ]);
    expect(clusters[0]!.streets).toEqual([{ street: "ul. Karpacka", count: 6 }]);
    expect(clusters[1]!.streets).toEqual([]);
  });

  it("lists at most three streets, most reports first, then by name", () => {
    const streets = ["ul. Cicha", "ul. Bystra", "ul. Bystra", "ul. Adama", "ul. Zielona", "ul. Zielona", "ul. Zielona", "ul. Cicha"];
    const [c] = findClusters(streets.map((s, i) => at(i + 1, i, 0, s)));
    expect(c!.streets).toEqual([
      { street: "ul. Zielona", count: 3 },
      { street: "ul. Bystra", count: 2 },
      { street: "ul. Cicha", count: 2 },
    ]);
  });

  it("is deterministic: the same clusters whatever the order of the input", () => {
    const points = randomPoints(600, 2000, 7);
    const once = findClusters(points);
    expect(once.length).toBeGreaterThan(5);
    expect(findClusters(shuffled(points, 1))).toEqual(once);
    expect(findClusters(shuffled(points, 2))).toEqual(once);
  });

  it("agrees with the obvious quadratic algorithm on random data", () => {
    for (const [n, side, seed] of [
      [300, 1500, 11],
      [400, 800, 12],
      [200, 3000, 13],
    ] as const) {
      const points = randomPoints(n, side, seed);
      const fast = findClusters(points);
      expect(fast.length, `seed ${seed}`).toBeGreaterThan(0);
      expect(
        fast.map((c) => c.ids),
        `seed ${seed}`,
      ).toEqual(naiveClusterIds(points, 150, 3));
    }
  });

  it("clusters 10,000 random reports soundly, leaving no place with three unclustered reports", () => {
    const points = randomPoints(10_000, 6000, 42);
    const clusters = findClusters(points);
    const clustered = expectSound(points, clusters, 150, 3);
    expect(clustered.size).toBeGreaterThan(9000);
    // Greedy runs until no report left has two others within 150 m: check that for the ones left.
    const left = points.filter((p) => !clustered.has(p.id));
    for (const p of left) expect(left.filter((q) => distM(p, q) <= 150).length, `report ${p.id}`).toBeLessThan(3);
  });

  it("ignores points without a finite position", () => {
    const points = [at(1, 0, 0), at(2, 5, 0), at(3, 0, 5), { id: 4, lat: Number.NaN, lon: 19, street: null }];
    expect(findClusters(points).map((c) => c.ids)).toEqual([[1, 2, 3]]);
  });
});
