/**
 * Thin typed wrappers over polyclip-ts (robust polygon boolean operations: a sweep-line algorithm with
 * arbitrary-precision arithmetic, so shared borders and T-junctions come out right). It is exact but
 * slow (~15 ms for two 200-vertex polygons), so callers should filter candidates cheaply first.
 */
import { createRequire } from "node:module";
import type * as Polyclip from "polyclip-ts";
import type { LonLat, PolygonGeometry } from "./types.js";
import { geometryAreaM2 } from "./measure.js";

type ClipGeom = Polyclip.Geom;
type MultiPoly = ReturnType<typeof Polyclip.union>;

// Loaded on first use: only a district import's overlap check and the sample-data generator clip, so a running
// bot does not keep polyclip's code (and its bignumber.js). Its CommonJS build, so clipping stays synchronous.
let loaded: typeof Polyclip | undefined;
const polyclip = () => (loaded ??= createRequire(import.meta.url)("polyclip-ts") as typeof Polyclip);

function toClip(geometry: PolygonGeometry): ClipGeom {
  return geometry.coordinates;
}

/** polyclip's MultiPolygon output as our geometry: null when empty, a Polygon when it has one part. */
export function fromClip(result: MultiPoly): PolygonGeometry | null {
  const parts = result.map((polygon) => polygon.map((ring) => ring.map(([x, y]): LonLat => [x, y])));
  if (parts.length === 0) return null;
  if (parts.length === 1) return { type: "Polygon", coordinates: parts[0]! };
  return { type: "MultiPolygon", coordinates: parts };
}

export function intersectGeometries(a: PolygonGeometry, ...rest: PolygonGeometry[]): PolygonGeometry | null {
  return fromClip(polyclip().intersection(toClip(a), ...rest.map(toClip)));
}

export function unionGeometries(a: PolygonGeometry, ...rest: PolygonGeometry[]): PolygonGeometry | null {
  return fromClip(polyclip().union(toClip(a), ...rest.map(toClip)));
}

/** a minus every geometry in rest. */
export function subtractGeometries(a: PolygonGeometry, ...rest: PolygonGeometry[]): PolygonGeometry | null {
  return fromClip(polyclip().difference(toClip(a), ...rest.map(toClip)));
}

/** Area in m² of the intersection of two geometries (0 when they only touch). */
export function intersectionAreaM2(a: PolygonGeometry, b: PolygonGeometry): number {
  const inter = intersectGeometries(a, b);
  return inter ? geometryAreaM2(inter) : 0;
}
