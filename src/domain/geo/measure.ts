import type { LonLat, PolygonGeometry } from "./types.js";
import { polygonsOf } from "./types.js";

/** Mean Earth radius (IUGG), metres. */
export const EARTH_RADIUS_M = 6_371_008.8;
/** Metres per degree of latitude (and of longitude at the equator) on the mean sphere. */
export const METRES_PER_DEGREE = (EARTH_RADIUS_M * Math.PI) / 180;

const toRad = (deg: number): number => (deg * Math.PI) / 180;

/** Great-circle distance in metres between two positions (haversine, spherical Earth: error < 0.5 %). */
export function haversineM(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const dLat = toRad(lat2 - lat1);
  const dLon = toRad(lon2 - lon1);
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(toRad(lat1)) * Math.cos(toRad(lat2)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(s)));
}

/** Haversine distance between two [lon, lat] positions, in metres. */
export function distanceM(a: LonLat, b: LonLat): number {
  return haversineM(a[0], a[1], b[0], b[1]);
}

/**
 * Signed area of a ring in m² (positive = counter-clockwise), via an equirectangular projection at the
 * ring's mean latitude. For district-sized rings (≤ tens of km) the error is well under 1 %, which is
 * all we need (overlap noise thresholds, coverage checks); no need for a geodesic library.
 */
export function ringSignedAreaM2(ring: readonly LonLat[]): number {
  const n = ring.length;
  if (n < 3) return 0;
  let latSum = 0;
  for (const p of ring) latSum += p[1];
  const kx = METRES_PER_DEGREE * Math.cos(toRad(latSum / n));
  const ky = METRES_PER_DEGREE;
  // Shoelace relative to the first vertex keeps the products small (less cancellation).
  const [x0, y0] = ring[0]!;
  let twice = 0;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const a = ring[j]!;
    const b = ring[i]!;
    twice += (a[0] - x0) * (b[1] - y0) - (b[0] - x0) * (a[1] - y0);
  }
  return (twice / 2) * kx * ky;
}

/** Unsigned area of a ring in m². */
export function ringAreaM2(ring: readonly LonLat[]): number {
  return Math.abs(ringSignedAreaM2(ring));
}

/** Area of one polygon (outer ring minus holes) in m². */
export function polygonAreaM2(rings: readonly (readonly LonLat[])[]): number {
  let area = 0;
  rings.forEach((ring, i) => {
    area += i === 0 ? ringAreaM2(ring) : -ringAreaM2(ring);
  });
  return area;
}

/** Area of a Polygon/MultiPolygon in m² (parts are assumed not to overlap). */
export function geometryAreaM2(geometry: PolygonGeometry): number {
  let area = 0;
  for (const polygon of polygonsOf(geometry)) area += polygonAreaM2(polygon);
  return area;
}
