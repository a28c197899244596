import type { LonLat, PointLocation, PolygonGeometry } from "./types.js";
import { BOUNDARY_EPSILON_DEG, ringsOf } from "./types.js";

/**
 * Squared planar distance (degrees²) from point (px, py) to segment a–b. Planar degrees are fine here:
 * it is only compared with the tiny boundary epsilon, where the sphere's curvature is irrelevant.
 */
export function pointSegmentDistance2(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
  if (t < 0) t = 0;
  else if (t > 1) t = 1;
  const ex = ax + t * dx - px;
  const ey = ay + t * dy - py;
  return ex * ex + ey * ey;
}

/**
 * Where a point lies relative to a set of rings, by even-odd ray casting (a ray towards +longitude):
 * each ring crossed toggles inside/outside, so holes and the parts of a MultiPolygon need no special
 * cases. Any edge within `eps` degrees of the point makes the answer "boundary" (checked explicitly,
 * because ray casting alone gives an arbitrary answer for points on an edge or vertex).
 * Rings may be closed or not (the closing edge is implied).
 */
export function locatePointInRings(rings: readonly (readonly LonLat[])[], lon: number, lat: number, eps: number = BOUNDARY_EPSILON_DEG): PointLocation {
  const eps2 = eps * eps;
  let inside = false;
  for (const ring of rings) {
    const n = ring.length;
    if (n === 0) continue;
    let prev = ring[n - 1]!;
    for (let i = 0; i < n; i++) {
      const cur = ring[i]!;
      const ax = prev[0];
      const ay = prev[1];
      const bx = cur[0];
      const by = cur[1];
      prev = cur;
      // Boundary test only for edges whose (eps-grown) bbox holds the point: keeps the hot loop cheap.
      if (
        lat >= (ay < by ? ay : by) - eps &&
        lat <= (ay > by ? ay : by) + eps &&
        lon >= (ax < bx ? ax : bx) - eps &&
        lon <= (ax > bx ? ax : bx) + eps &&
        pointSegmentDistance2(lon, lat, ax, ay, bx, by) <= eps2
      ) {
        return "boundary";
      }
      // Half-open rule (ay > lat) !== (by > lat): a vertex exactly at the ray's latitude is counted once.
      if (ay > lat !== by > lat && lon < ((bx - ax) * (lat - ay)) / (by - ay) + ax) inside = !inside;
    }
  }
  return inside ? "inside" : "outside";
}

/** Where a point lies relative to a Polygon/MultiPolygon: "inside", "outside" or "boundary". */
export function locatePoint(geometry: PolygonGeometry, lon: number, lat: number, eps: number = BOUNDARY_EPSILON_DEG): PointLocation {
  return locatePointInRings(ringsOf(geometry), lon, lat, eps);
}

/** True when the point is inside the geometry or on its boundary (borders count as inside). */
export function pointInGeometry(geometry: PolygonGeometry, lon: number, lat: number): boolean {
  return locatePoint(geometry, lon, lat) !== "outside";
}
