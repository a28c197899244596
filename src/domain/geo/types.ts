/**
 * Geometry types shared by the district domain. Coordinates are WGS84 in GeoJSON order:
 * longitude first, latitude second (the opposite of how Poles usually say "49.82 N, 19.04 E").
 */

/** One position: [longitude, latitude] in degrees. */
export type LonLat = [number, number];

/** A linear ring: closed (first position === last position), at least 4 positions. */
export type Ring = LonLat[];

/** A GeoJSON Polygon or MultiPolygon geometry (the only geometry kinds a district may have). */
export type PolygonGeometry = { type: "Polygon"; coordinates: LonLat[][] } | { type: "MultiPolygon"; coordinates: LonLat[][][] };

/** Bounding box [minLon, minLat, maxLon, maxLat]. */
export type BBox = [number, number, number, number];

/** Where a point lies relative to an area. */
export type PointLocation = "inside" | "outside" | "boundary";

/**
 * Distance (in degrees) within which a point counts as lying on an edge: about 0.1 mm on the ground.
 * Large enough to absorb floating-point noise of coordinates that went through a clipping library,
 * far below any real-world positioning accuracy, so "on the border" only ever means "on the same line".
 */
export const BOUNDARY_EPSILON_DEG = 1e-9;

/** The polygons of a geometry, as a list of polygons (each: outer ring then holes). */
export function polygonsOf(geometry: PolygonGeometry): LonLat[][][] {
  return geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
}

/** Every ring of a geometry (outer rings and holes alike). */
export function ringsOf(geometry: PolygonGeometry): LonLat[][] {
  return geometry.type === "Polygon" ? geometry.coordinates : geometry.coordinates.flat();
}
