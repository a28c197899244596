import type { LonLat } from "./types.js";

/** True for a GeoJSON position with finite longitude and latitude (an altitude, if any, is ignored). */
export function isFinitePosition(value: unknown): value is LonLat {
  return (
    Array.isArray(value) &&
    value.length >= 2 &&
    typeof value[0] === "number" &&
    typeof value[1] === "number" &&
    Number.isFinite(value[0]) &&
    Number.isFinite(value[1])
  );
}

/** Index of the first position that is not a pair of finite numbers, or -1. */
export function findNonFinitePosition(ring: readonly unknown[]): number {
  return ring.findIndex((p) => !isFinitePosition(p));
}

/** True when the ring's last position equals its first (GeoJSON requires exact equality). */
export function isRingClosed(ring: readonly LonLat[]): boolean {
  const first = ring[0];
  const last = ring[ring.length - 1];
  return first !== undefined && last !== undefined && first[0] === last[0] && first[1] === last[1];
}

/** GeoJSON's minimum: a closed ring needs at least 4 positions (a triangle plus the closing one). */
export const MIN_RING_POSITIONS = 4;

export function hasEnoughPositions(ring: readonly unknown[]): boolean {
  return ring.length >= MIN_RING_POSITIONS;
}

/** True when the ring has at least 3 distinct positions (needed to enclose any area). Early exit, no allocation. */
export function hasThreeDistinctPositions(ring: readonly LonLat[]): boolean {
  const a = ring[0];
  if (!a) return false;
  let b: LonLat | undefined;
  for (const p of ring) {
    if (p[0] === a[0] && p[1] === a[1]) continue;
    if (!b) b = p;
    else if (p[0] !== b[0] || p[1] !== b[1]) return true;
  }
  return false;
}

/** Orientation of c relative to the line a→b: > 0 left (counter-clockwise), < 0 right, 0 collinear. */
export function orient(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

function onSegment(ax: number, ay: number, bx: number, by: number, px: number, py: number): boolean {
  return px >= Math.min(ax, bx) && px <= Math.max(ax, bx) && py >= Math.min(ay, by) && py <= Math.max(ay, by);
}

/**
 * Whether closed segments p1–p2 and p3–p4 share any point (crossing, touching, collinear overlap),
 * and one such point. Exact float orientation tests: used for ring validity, where "touching"
 * is already an error, so no tolerance is wanted.
 */
export function segmentIntersection(p1: LonLat, p2: LonLat, p3: LonLat, p4: LonLat): LonLat | null {
  const [x1, y1] = p1;
  const [x2, y2] = p2;
  const [x3, y3] = p3;
  const [x4, y4] = p4;
  const d1 = orient(x3, y3, x4, y4, x1, y1);
  const d2 = orient(x3, y3, x4, y4, x2, y2);
  const d3 = orient(x1, y1, x2, y2, x3, y3);
  const d4 = orient(x1, y1, x2, y2, x4, y4);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) {
    const t = d1 / (d1 - d2);
    return [x1 + t * (x2 - x1), y1 + t * (y2 - y1)];
  }
  if (d1 === 0 && onSegment(x3, y3, x4, y4, x1, y1)) return [x1, y1];
  if (d2 === 0 && onSegment(x3, y3, x4, y4, x2, y2)) return [x2, y2];
  if (d3 === 0 && onSegment(x1, y1, x2, y2, x3, y3)) return [x3, y3];
  if (d4 === 0 && onSegment(x1, y1, x2, y2, x4, y4)) return [x4, y4];
  return null;
}

/** A self-intersection found in a ring: edges are named by the index of their first position. */
export interface RingSelfIntersection {
  /** Edge from position `edgeA` to the next non-duplicate position. */
  edgeA: number;
  /** Edge from position `edgeB` to the next non-duplicate position (edgeA < edgeB). */
  edgeB: number;
  /** A point the two edges share. */
  point: LonLat;
}

interface Edge {
  /** Sequence number among non-degenerate edges (for adjacency). */
  k: number;
  /** Index in the ring of the edge's first position. */
  start: number;
  a: LonLat;
  b: LonLat;
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
}

/**
 * First self-intersection of a closed ring, or null. Non-adjacent edges may not share any point
 * (touching counts: a ring that pinches at a vertex is invalid in GeoJSON/OGC terms); adjacent edges
 * may only share their common vertex (a spike that folds back onto itself is reported too).
 * Zero-length edges (repeated positions) are skipped, not reported: they are harmless and common in
 * exports. A sweep over x-sorted edges keeps this ~O(n log n) for normal rings; the worst case
 * (every edge overlapping every other in x) degrades to O(n²), fine for rings of a few thousand positions.
 */
export function findRingSelfIntersection(ring: readonly LonLat[]): RingSelfIntersection | null {
  const edges: Edge[] = [];
  for (let i = 0; i + 1 < ring.length; i++) {
    const a = ring[i]!;
    const b = ring[i + 1]!;
    if (a[0] === b[0] && a[1] === b[1]) continue;
    edges.push({
      k: edges.length,
      start: i,
      a,
      b,
      minX: Math.min(a[0], b[0]),
      maxX: Math.max(a[0], b[0]),
      minY: Math.min(a[1], b[1]),
      maxY: Math.max(a[1], b[1]),
    });
  }
  const m = edges.length;
  if (m < 3) return null; // degenerate rings are reported by hasThreeDistinctPositions, not here

  const adjacent = (e: Edge, f: Edge): boolean => {
    const d = Math.abs(e.k - f.k);
    return d === 1 || d === m - 1;
  };
  const report = (e: Edge, f: Edge, point: LonLat): RingSelfIntersection =>
    e.start < f.start ? { edgeA: e.start, edgeB: f.start, point } : { edgeA: f.start, edgeB: e.start, point };

  // Spikes: consecutive edges that are collinear and run back over each other.
  for (let k = 0; k < m; k++) {
    const e = edges[k]!;
    const f = edges[(k + 1) % m]!;
    const ex = e.b[0] - e.a[0];
    const ey = e.b[1] - e.a[1];
    const fx = f.b[0] - f.a[0];
    const fy = f.b[1] - f.a[1];
    if (ex * fy - ey * fx === 0 && ex * fx + ey * fy < 0) return report(e, f, e.b);
  }

  const sorted = [...edges].sort((e, f) => e.minX - f.minX || e.k - f.k);
  let active: Edge[] = [];
  for (const e of sorted) {
    active = active.filter((f) => f.maxX >= e.minX);
    for (const f of active) {
      if (f.maxY < e.minY || f.minY > e.maxY || adjacent(e, f)) continue;
      const p = segmentIntersection(e.a, e.b, f.a, f.b);
      if (p) return report(e, f, p);
    }
    active.push(e);
  }
  return null;
}
