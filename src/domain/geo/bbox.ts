import type { BBox, LonLat, PolygonGeometry } from "./types.js";
import { ringsOf } from "./types.js";

/** Poland's bounding box (WGS84): lon 14.07–24.15, lat 49.00–54.84. A point outside it is a typo or swapped lat/lon. */
export const POLAND_BBOX: BBox = [14.07, 49.0, 24.15, 54.84];

/** Bounding box of a list of positions; [Infinity, Infinity, -Infinity, -Infinity] when empty. */
export function bboxOfPositions(positions: readonly LonLat[]): BBox {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const [x, y] of positions) {
    if (x < minX) minX = x;
    if (y < minY) minY = y;
    if (x > maxX) maxX = x;
    if (y > maxY) maxY = y;
  }
  return [minX, minY, maxX, maxY];
}

/** Bounding box of a Polygon/MultiPolygon (holes can't extend it, but scanning them is cheaper than special-casing). */
export function bboxOfGeometry(geometry: PolygonGeometry): BBox {
  return mergeBBoxes(ringsOf(geometry).map(bboxOfPositions));
}

/** Smallest box containing all given boxes. */
export function mergeBBoxes(boxes: readonly BBox[]): BBox {
  const out: BBox = [Infinity, Infinity, -Infinity, -Infinity];
  for (const b of boxes) {
    if (b[0] < out[0]) out[0] = b[0];
    if (b[1] < out[1]) out[1] = b[1];
    if (b[2] > out[2]) out[2] = b[2];
    if (b[3] > out[3]) out[3] = b[3];
  }
  return out;
}

/** True when two boxes share at least one point (touching counts). */
export function bboxesIntersect(a: BBox, b: BBox): boolean {
  return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}

/** True when the point lies in the box (edges included), optionally with a margin. */
export function bboxContains(b: BBox, lon: number, lat: number, margin = 0): boolean {
  return lon >= b[0] - margin && lon <= b[2] + margin && lat >= b[1] - margin && lat <= b[3] + margin;
}
