import Flatbush from "flatbush";
import type { BBox, LonLat, PointLocation, PolygonGeometry } from "../geo/types.js";
import { ringsOf } from "../geo/types.js";
import { mergeBBoxes } from "../geo/bbox.js";
import { prepareGeometry, type PreparedGeometry } from "../geo/prepared.js";
import { locatePointInRings } from "../geo/pointInPolygon.js";
import { METRES_PER_DEGREE } from "../geo/measure.js";
import { compareDistrictNumbers } from "./types.js";

/** What the index needs to know about a district; anything else on T is carried along untouched. */
export interface IndexableDistrict {
  id: number | string;
  number: string;
}

/** A district with its outline, as imports and tests hold it. */
export type DistrictWithGeometry = IndexableDistrict & { geometry: PolygonGeometry };

/** Answer of {@link DistrictIndex.nearest}. */
export interface NearestDistrict<T> {
  district: T;
  /** 0 when the point lies in the district (or on its border), otherwise metres to its boundary. */
  distanceM: number;
  /** The closest point of the district (the query point itself when it lies in the district). */
  point: LonLat;
}

/**
 * Point → district lookup for a set of non-overlapping district polygons.
 *
 * How: a flatbush R-tree over the districts' bounding boxes yields the few candidates whose box holds
 * the point; exact even-odd point-in-polygon (holes and MultiPolygons supported) decides among them.
 *
 * Border rule (deterministic, independent of input order):
 *  - borders count as inside: a point on a district's outer boundary belongs to it, so a point on the
 *    edge of the covered area still resolves to a district;
 *  - a point strictly inside a district resolves to that district;
 *  - a point exactly on a border shared by several districts (within ~1e-9°, about 0.1 mm) resolves to
 *    the one with the lowest district number in natural, numeric-aware order ("2" < "10" < "10a"),
 *    see compareDistrictNumbers. (With overlapping, i.e. invalid, data the same lowest-number rule
 *    picks among the districts that contain the point strictly.)
 */
export class DistrictIndex<T extends IndexableDistrict> {
  /** Bounding box of all districts ([Infinity, Infinity, -Infinity, -Infinity] when empty). */
  readonly bbox: BBox;
  /** The districts in the index's order: natural order of `number`, then id. */
  readonly districts: readonly T[];
  /** Flat edges + latitude bands per district: the fast exact test behind lookup (the GeoJSON is not kept). */
  private readonly prepared: PreparedGeometry[];
  private readonly boxes: BBox[];
  private readonly tree: Flatbush | null;
  /** Largest |latitude| of the data: turns metres into a safe search radius in degrees. */
  private readonly maxAbsLat: number;

  /** `geometryOf` when T does not carry its outline (the running bot's districts: prepared as read, GeoJSON dropped). */
  constructor(districts: readonly (T & { geometry: PolygonGeometry })[]);
  constructor(districts: readonly T[], geometryOf: (district: T) => PolygonGeometry | PreparedGeometry);
  constructor(
    districts: readonly T[],
    geometryOf: (district: T) => PolygonGeometry | PreparedGeometry = (d) => (d as T & { geometry: PolygonGeometry }).geometry,
  ) {
    // Sorting once up front makes "lowest number wins" equal to "lowest position wins" at query time.
    this.districts = sortedByNumber(districts);
    this.prepared = this.districts.map((d) => prepareGeometry(geometryOf(d)));
    this.boxes = this.prepared.map((p) => p.bbox);
    this.bbox = mergeBBoxes(this.boxes);
    if (this.districts.length === 0) {
      this.tree = null;
    } else {
      const tree = new Flatbush(this.districts.length);
      for (const b of this.boxes) tree.add(b[0], b[1], b[2], b[3]);
      tree.finish();
      this.tree = tree;
    }
    this.maxAbsLat = this.districts.length ? Math.max(Math.abs(this.bbox[1]), Math.abs(this.bbox[3])) : 0;
  }

  get size(): number {
    return this.districts.length;
  }

  /** The district containing the point (border rule in the class comment), or null. */
  lookup(lon: number, lat: number): T | null {
    const i = this.find(lon, lat).index;
    return i < 0 ? null : this.districts[i]!;
  }

  /** Like {@link lookup}, also telling whether the point is strictly inside or on the district's border. */
  locate(lon: number, lat: number): { district: T; location: Exclude<PointLocation, "outside"> } | null {
    const { index, inside } = this.find(lon, lat);
    return index < 0 ? null : { district: this.districts[index]!, location: inside ? "inside" : "boundary" };
  }

  /** True when some district contains the point (borders included). */
  covers(lon: number, lat: number): boolean {
    return this.lookup(lon, lat) !== null;
  }

  /**
   * The district closest to the point: the containing one (distance 0) or, for a point outside every
   * district, the one whose boundary is nearest (haversine metres; ties → lowest number). Null only
   * when the index is empty.
   */
  nearest(lon: number, lat: number): NearestDistrict<T> | null {
    const tree = this.tree;
    if (!tree) return null;
    const containing = this.lookup(lon, lat);
    if (containing) return { district: containing, distanceM: 0, point: [lon, lat] };

    // Phase 1: a few districts whose boxes are nearest (in planar degrees) give an upper bound in metres.
    const best = { i: -1, distanceM: Infinity, point: [NaN, NaN] as LonLat };
    const consider = (i: number): void => {
      const r = this.prepared[i]!.nearestPoint(lon, lat);
      if (best.i < 0 || r.distanceM < best.distanceM || (r.distanceM === best.distanceM && i < best.i)) {
        best.i = i;
        best.distanceM = r.distanceM;
        best.point = r.point;
      }
    };
    const seen = new Set<number>(tree.neighbors(lon, lat, 4));
    for (const i of seen) consider(i);
    // Phase 2: every box that could still hold something closer. A degree of longitude is shortest at
    // the highest latitude involved (data or query point), so dividing by the metres of that degree (with a 10 % margin
    // for the sphere) gives a radius in planar degrees that cannot miss a closer district.
    if (Number.isFinite(best.distanceM)) {
      const maxLat = Math.min(89, Math.max(this.maxAbsLat, Math.abs(lat)));
      const radiusDeg = best.distanceM / (METRES_PER_DEGREE * Math.cos((maxLat * Math.PI) / 180) * 0.9);
      for (const i of tree.neighbors(lon, lat, Infinity, radiusDeg)) if (!seen.has(i)) consider(i);
    }
    if (best.i < 0) return null;
    return { district: this.districts[best.i]!, distanceM: best.distanceM, point: best.point };
  }

  /** Bounding box of one district, by its position in {@link districts}. */
  bboxOf(index: number): BBox | undefined {
    return this.boxes[index];
  }

  /** Position of the district holding the point (-1: none) by the border rule; candidates from the R-tree. */
  private find(lon: number, lat: number): { index: number; inside: boolean } {
    if (!this.tree) return { index: -1, inside: false };
    const candidates = this.tree.search(lon, lat, lon, lat);
    if (candidates.length > 1) candidates.sort((a, b) => a - b);
    let boundary = -1;
    for (const i of candidates) {
      const where = this.prepared[i]!.locate(lon, lat);
      if (where === "inside") return { index: i, inside: true };
      if (where === "boundary" && boundary < 0) boundary = i;
    }
    return { index: boundary, inside: false };
  }
}

/**
 * Same answer as {@link DistrictIndex.lookup} by a plain scan of `districts` in the index's order
 * (`index.districts`, which sets the border rule): an exact ray-casting test of every district's rings in turn,
 * with no bounding-box or other shortcut. A baseline for benchmarks and tests, not for production.
 */
export function linearLookup<T extends DistrictWithGeometry>(districts: readonly T[], lon: number, lat: number): T | null {
  let boundary: T | null = null;
  for (const d of districts) {
    const where = locatePointInRings(ringsOf(d.geometry), lon, lat);
    if (where === "inside") return d;
    if (where === "boundary" && !boundary) boundary = d;
  }
  return boundary;
}

function sortedByNumber<T extends IndexableDistrict>(districts: readonly T[]): T[] {
  return [...districts].sort((a, b) => compareDistrictNumbers(a.number, b.number) || compareIds(a.id, b.id));
}

function compareIds(a: number | string, b: number | string): number {
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
