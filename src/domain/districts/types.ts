import type { BBox, PolygonGeometry } from "../geo/types.js";

/**
 * One problem found while importing district data. Messages are in English: they are shown to the
 * operators who run the import CLI, not to residents.
 */
export interface ImportProblem {
  /** File the problem is in (as given by the caller, e.g. "districts.geojson"). */
  file: string;
  /** GeoJSON: the 0-based index of the feature in `features`. */
  feature?: number | string;
  /** GeoJSON: the district number of that feature, when it is known. */
  district?: string;
  /** CSV: the 1-based line where the record starts. */
  line?: number;
  /** The offending field: a property path ("properties.unit", "geometry.coordinates[0][5]") or a CSV column. */
  field?: string;
  message: string;
}

/** One-line, human-readable form of a problem, e.g. for the import CLI. */
export function formatProblem(p: ImportProblem): string {
  const where: string[] = [p.file];
  if (p.line !== undefined) where.push(`line ${p.line}`);
  if (p.feature !== undefined) where.push(`feature #${p.feature}${p.district !== undefined ? ` (district ${p.district})` : ""}`);
  else if (p.district !== undefined) where.push(`district ${p.district}`);
  if (p.field !== undefined) where.push(p.field);
  return `${where.join(": ")}: ${p.message}`;
}

/** A half-year priority plan ("plan działania priorytetowego") of a district's officer. */
export interface DistrictPlan {
  /** ISO dates "start/end", e.g. "2026-08-01/2027-01-31" (usual periods: 1 Feb–31 Jul, 1 Aug–31 Jan). */
  period: string;
  /** The diagnosed local threat. */
  threat: string;
  /** What the plan aims to achieve. */
  goal: string;
  /** Planned actions (may be empty). */
  actions: string[];
}

/** A district that passed all of its own checks in {@link validateDistrictImport}. */
export interface ValidDistrict {
  /** Same as `number`: lets a ValidDistrict go straight into a DistrictIndex. */
  id: string;
  /** 0-based index of the feature in the source FeatureCollection. */
  featureIndex: number;
  number: string;
  name: string;
  /** Unit code (komenda/komisariat/posterunek). */
  unit: string;
  /** Officer code, when the district has an assigned officer. */
  officer?: string;
  description?: string;
  plan?: DistrictPlan;
  /** The geometry, positions reduced to [lon, lat]. */
  geometry: PolygonGeometry;
  bbox: BBox;
  /** Approximate area in m². */
  areaM2: number;
}

/**
 * Natural, numeric-aware order of district numbers: "2" < "10" < "10a" < "11". Digit runs compare by
 * value, other runs case-insensitively; exact ties (e.g. "01" vs "1") fall back to plain string order
 * so the result never depends on input order.
 */
export function compareDistrictNumbers(a: string, b: string): number {
  const ca = a.match(/\d+|\D+/g) ?? [];
  const cb = b.match(/\d+|\D+/g) ?? [];
  const n = Math.min(ca.length, cb.length);
  for (let i = 0; i < n; i++) {
    const x = ca[i]!;
    const y = cb[i]!;
    const xDigits = /^\d/.test(x);
    const yDigits = /^\d/.test(y);
    if (xDigits && yDigits) {
      const xs = x.replace(/^0+(?=\d)/, "");
      const ys = y.replace(/^0+(?=\d)/, "");
      if (xs.length !== ys.length) return xs.length - ys.length;
      if (xs !== ys) return xs < ys ? -1 : 1;
    } else if (xDigits !== yDigits) {
      return xDigits ? -1 : 1; // numbers before words: "10" < "A"
    } else {
      const xl = x.toLowerCase();
      const yl = y.toLowerCase();
      if (xl !== yl) return xl < yl ? -1 : 1;
    }
  }
  if (ca.length !== cb.length) return ca.length - cb.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
