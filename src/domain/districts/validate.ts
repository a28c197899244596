/**
 * Validation of a district import: a GeoJSON FeatureCollection of district polygons, optionally with an
 * address-rules CSV. Pure: reads nothing, writes nothing; the CLI turns the result into DB writes.
 *
 * Feature properties schema (also in SCHEMA.md next to this file):
 *
 *   number       string, required, unique (case-insensitive) — the district's number as the police use
 *                it ("12", "12a"); an integer JSON number is accepted and turned into a string
 *   name         string, required — e.g. "Os. Karpackie", "Gmina Bestwina"
 *   unit         string, required — code of the unit (komenda/komisariat/posterunek) the district
 *                belongs to; must be known when knownUnitCodes is given
 *   officer      string, optional — code of the district officer (dzielnicowy); must be known when
 *                knownOfficerCodes is given; absent or null = no officer assigned
 *   description  string, optional — the streets/villages in words, shown to residents
 *   plan         object, optional — the officer's half-year priority plan:
 *                  period   "YYYY-MM-DD/YYYY-MM-DD", required (e.g. "2026-08-01/2027-01-31")
 *                  threat   string, required — the diagnosed local threat
 *                  goal     string, required
 *                  actions  string[], optional
 *   (other properties are ignored)
 *
 * Geometry: Polygon or MultiPolygon in WGS84 ([lon, lat]); every ring closed, ≥ 4 positions, finite
 * numbers, not self-intersecting (touching itself counts), every position inside Poland's bounding box
 * (lon 14.07–24.15, lat 49.00–54.84). Districts must not overlap: an overlap smaller than 1 m² is
 * tolerated as numerical noise (coordinates that went through GIS tools and clipping rarely match to the
 * last bit; 1 m² is far below anything that could hold an address).
 */
import Flatbush from "flatbush";
import type { BBox, LonLat, PolygonGeometry } from "../geo/types.js";
import { bboxOfGeometry, POLAND_BBOX } from "../geo/bbox.js";
import { geometryAreaM2 } from "../geo/measure.js";
import { findRingSelfIntersection, hasEnoughPositions, hasThreeDistinctPositions, isFinitePosition, isRingClosed, MIN_RING_POSITIONS } from "../geo/rings.js";
import { intersectionAreaM2 } from "../geo/clip.js";
import { interiorsCertainlyDisjoint } from "../geo/overlap.js";
import { PreparedGeometry } from "../geo/prepared.js";
import type { AddressRule } from "./addressRules.js";
import { parseAddressRulesCsv } from "./addressRules.js";
import type { DistrictPlan, ImportProblem, ValidDistrict } from "./types.js";

/** Poland's bounding box (a little generous): [minLon, minLat, maxLon, maxLat]. */

/** Overlaps below this area (m²) are numerical noise, not an error. */
export const OVERLAP_TOLERANCE_M2 = 1;

export interface DistrictImportInput {
  fileName: string;
  geojson: unknown;
  knownUnitCodes?: Set<string>;
  knownOfficerCodes?: Set<string>;
  csv?: { fileName: string; text: string };
}

export interface DistrictImportStats {
  features: number;
  /** Pairs of districts whose bounding boxes touch (candidates for the overlap check). */
  candidatePairs: number;
  /** Candidate pairs the cheap border test could not clear, checked with an exact intersection. */
  exactOverlapChecks: number;
}

export interface DistrictImportResult {
  /**
   * Features that passed all of their own checks. Cross-feature problems (duplicate numbers, overlaps)
   * are reported in `problems`; an importer should refuse the whole import unless `problems` is empty.
   */
  districts: ValidDistrict[];
  /** Address rules from the CSV that passed their checks. */
  rules: AddressRule[];
  problems: ImportProblem[];
  stats: DistrictImportStats;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export function validateDistrictImport(input: DistrictImportInput): DistrictImportResult {
  const { fileName, geojson } = input;
  const problems: ImportProblem[] = [];
  const stats: DistrictImportStats = { features: 0, candidatePairs: 0, exactOverlapChecks: 0 };
  const districts: ValidDistrict[] = [];
  let rules: AddressRule[] = [];

  if (input.csv) {
    const parsed = parseAddressRulesCsv(input.csv.text, input.csv.fileName);
    rules = parsed.rules;
    problems.push(...parsed.problems);
  }

  if (!isObject(geojson) || geojson.type !== "FeatureCollection") {
    const found = isObject(geojson) ? `type "${String(geojson.type)}"` : Array.isArray(geojson) ? "an array" : typeof geojson;
    problems.push({ file: fileName, field: "type", message: `expected a GeoJSON FeatureCollection, found ${found}` });
    return { districts, rules, problems, stats };
  }
  if (!Array.isArray(geojson.features)) {
    problems.push({ file: fileName, field: "features", message: 'a FeatureCollection needs a "features" array' });
    return { districts, rules, problems, stats };
  }
  const features: unknown[] = geojson.features;
  stats.features = features.length;

  /** Features whose geometry is sound enough for the overlap check. */
  const shapes: { index: number; number: string | undefined; geometry: PolygonGeometry; prepared: PreparedGeometry; bbox: BBox }[] = [];
  const firstIndexByNumber = new Map<string, number>();

  features.forEach((feature, index) => {
    const before = problems.length;
    const report = (field: string | undefined, message: string, district?: string): void => {
      const p: ImportProblem = { file: fileName, feature: index, message };
      if (district !== undefined) p.district = district;
      if (field !== undefined) p.field = field;
      problems.push(p);
    };
    if (!isObject(feature) || feature.type !== "Feature") {
      report("type", `expected a GeoJSON Feature, found ${isObject(feature) ? `type "${String(feature.type)}"` : typeof feature}`);
      return;
    }
    const props = isObject(feature.properties) ? feature.properties : {};
    if (!isObject(feature.properties)) report("properties", "the feature has no properties object");

    // number
    let number: string | undefined;
    const rawNumber = props.number;
    if (typeof rawNumber === "string" && rawNumber.trim()) number = rawNumber.trim();
    else if (typeof rawNumber === "number" && Number.isSafeInteger(rawNumber) && rawNumber >= 0) number = String(rawNumber);
    else report("properties.number", rawNumber === undefined ? "number is required" : 'number must be a non-empty string, e.g. "12"');
    const say = (field: string | undefined, message: string): void => report(field, message, number);
    if (number !== undefined) {
      const key = number.toLowerCase();
      const first = firstIndexByNumber.get(key);
      if (first !== undefined) say("properties.number", `district number "${number}" is already used by feature #${first}`);
      else firstIndexByNumber.set(key, index);
    }

    // name, unit, officer, description
    const name = requiredString(props.name);
    if (name === undefined) say("properties.name", "name is required (a non-empty string)");
    const unit = requiredString(props.unit);
    if (unit === undefined) say("properties.unit", "unit is required (the code of a komenda/komisariat/posterunek)");
    else if (input.knownUnitCodes && !input.knownUnitCodes.has(unit)) say("properties.unit", `unknown unit code "${unit}"`);
    let officer: string | undefined;
    if (props.officer !== undefined && props.officer !== null) {
      officer = requiredString(props.officer);
      if (officer === undefined) say("properties.officer", "officer must be a non-empty string (an officer code) or absent");
      else if (input.knownOfficerCodes && !input.knownOfficerCodes.has(officer)) {
        say("properties.officer", `unknown officer code "${officer}"`);
      }
    }
    let description: string | undefined;
    if (props.description !== undefined && props.description !== null) {
      if (typeof props.description === "string") description = props.description.trim() || undefined;
      else say("properties.description", "description must be a string");
    }
    const plan = props.plan === undefined || props.plan === null ? undefined : checkPlan(props.plan, say);

    // geometry
    const geometry = checkGeometry(feature.geometry, say);
    if (geometry) {
      checkInsidePoland(geometry, say);
      checkPartsDisjoint(geometry, say);
      const bbox = bboxOfGeometry(geometry);
      // Overlaps are checked for every usable shape, even if a property is wrong: one run, all problems.
      shapes.push({ index, number, geometry, prepared: new PreparedGeometry(geometry), bbox });
      if (problems.length === before && number !== undefined && name !== undefined && unit !== undefined) {
        const d: ValidDistrict = {
          id: number,
          featureIndex: index,
          number,
          name,
          unit,
          geometry,
          bbox,
          areaM2: geometryAreaM2(geometry),
        };
        if (officer !== undefined) d.officer = officer;
        if (description !== undefined) d.description = description;
        if (plan !== undefined) d.plan = plan;
        districts.push(d);
      }
    }
  });

  // Overlaps: bbox candidates from an R-tree, a cheap exact border test to clear neighbours that merely
  // share a border, polyclip-ts only for what is left.
  if (shapes.length > 1) {
    const tree = new Flatbush(shapes.length);
    for (const s of shapes) tree.add(s.bbox[0], s.bbox[1], s.bbox[2], s.bbox[3]);
    tree.finish();
    shapes.forEach((a, i) => {
      const candidates = tree.search(a.bbox[0], a.bbox[1], a.bbox[2], a.bbox[3]).filter((j) => j > i);
      candidates.sort((x, y) => x - y);
      for (const j of candidates) {
        const b = shapes[j]!;
        stats.candidatePairs++;
        if (interiorsCertainlyDisjoint(a.prepared, b.prepared)) continue;
        stats.exactOverlapChecks++;
        const area = intersectionAreaM2(a.geometry, b.geometry);
        if (area >= OVERLAP_TOLERANCE_M2) {
          const p: ImportProblem = {
            file: fileName,
            feature: b.index,
            field: "geometry",
            message: `overlaps ${a.number !== undefined ? `district "${a.number}" ` : ""}(feature #${a.index}) by about ${formatArea(area)}`,
          };
          if (b.number !== undefined) p.district = b.number;
          problems.push(p);
        }
      }
    });
  }

  // Rules must point at districts of this import.
  if (input.csv) {
    const numbers = new Set(firstIndexByNumber.keys());
    for (const rule of rules) {
      if (!numbers.has(rule.districtNumber.toLowerCase())) {
        const p: ImportProblem = {
          file: input.csv.fileName,
          field: "district_number",
          message: `no district "${rule.districtNumber}" in ${fileName}`,
        };
        if (rule.line !== undefined) p.line = rule.line;
        problems.push(p);
      }
    }
  }

  return { districts, rules, problems, stats };
}

function requiredString(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() ? v.trim() : undefined;
}

function formatArea(m2: number): string {
  return m2 >= 1e6 ? `${(m2 / 1e6).toFixed(2)} km²` : `${Math.round(m2)} m²`;
}

type Say = (field: string | undefined, message: string) => void;

const PERIOD = /^(\d{4}-\d{2}-\d{2})\/(\d{4}-\d{2}-\d{2})$/u;

function isIsoDate(s: string): boolean {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

function checkPlan(raw: unknown, say: Say): DistrictPlan | undefined {
  if (!isObject(raw)) {
    say("properties.plan", "plan must be an object with period, threat, goal and actions");
    return undefined;
  }
  let ok = true;
  const period = typeof raw.period === "string" ? raw.period.trim() : "";
  const m = PERIOD.exec(period);
  if (!m || !isIsoDate(m[1]!) || !isIsoDate(m[2]!) || m[1]! > m[2]!) {
    say(
      "properties.plan.period",
      `period must be "YYYY-MM-DD/YYYY-MM-DD" with start ≤ end (e.g. "2026-08-01/2027-01-31"), not ${JSON.stringify(raw.period ?? null)}`,
    );
    ok = false;
  }
  const threat = requiredString(raw.threat);
  if (threat === undefined) {
    say("properties.plan.threat", "plan.threat is required (a non-empty string)");
    ok = false;
  }
  const goal = requiredString(raw.goal);
  if (goal === undefined) {
    say("properties.plan.goal", "plan.goal is required (a non-empty string)");
    ok = false;
  }
  let actions: string[] = [];
  if (raw.actions !== undefined && raw.actions !== null) {
    if (!Array.isArray(raw.actions) || !raw.actions.every((a) => typeof a === "string")) {
      say("properties.plan.actions", "plan.actions must be a list of strings");
      ok = false;
    } else {
      actions = raw.actions.map((a: string) => a.trim()).filter(Boolean);
    }
  }
  return ok ? { period, threat: threat!, goal: goal!, actions } : undefined;
}

/**
 * Structural and ring checks of a geometry. Returns the geometry with [lon, lat] positions when it is
 * usable (closed, finite, simple rings), otherwise undefined; every problem goes through `say`.
 */
function checkGeometry(raw: unknown, say: Say): PolygonGeometry | undefined {
  if (raw === undefined || raw === null) {
    say("geometry", "the feature has no geometry");
    return undefined;
  }
  if (!isObject(raw) || (raw.type !== "Polygon" && raw.type !== "MultiPolygon")) {
    say("geometry.type", `geometry must be a Polygon or MultiPolygon, found ${isObject(raw) ? `"${String(raw.type)}"` : typeof raw}`);
    return undefined;
  }
  const coords = raw.coordinates;
  const polygons: { raw: unknown; path: string; label: string }[] = [];
  if (raw.type === "Polygon") {
    polygons.push({ raw: coords, path: "geometry.coordinates", label: "" });
  } else if (!Array.isArray(coords) || coords.length === 0) {
    say("geometry.coordinates", "a MultiPolygon needs a non-empty list of polygons");
    return undefined;
  } else {
    coords.forEach((p, pi) => polygons.push({ raw: p, path: `geometry.coordinates[${pi}]`, label: ` of polygon ${pi}` }));
  }

  let ok = true;
  const out: LonLat[][][] = [];
  for (const poly of polygons) {
    if (!Array.isArray(poly.raw) || poly.raw.length === 0) {
      say(poly.path, `a polygon${poly.label} needs a non-empty list of rings`);
      ok = false;
      continue;
    }
    const rings: LonLat[][] = [];
    poly.raw.forEach((ring: unknown, ri: number) => {
      const path = `${poly.path}[${ri}]`;
      const what = `ring ${ri}${poly.label}`;
      if (!Array.isArray(ring)) {
        say(path, `${what} must be a list of positions`);
        ok = false;
        return;
      }
      const bad = ring.findIndex((p) => !isFinitePosition(p));
      if (bad >= 0) {
        say(`${path}[${bad}]`, `${what}: position ${bad} is not a pair of finite numbers [lon, lat] (found ${short(ring[bad])})`);
        ok = false;
        return;
      }
      const positions = (ring as number[][]).map((p): LonLat => [p[0]!, p[1]!]);
      if (!hasEnoughPositions(positions)) {
        say(path, `${what} has ${positions.length} positions; a ring needs at least ${MIN_RING_POSITIONS} (first = last)`);
        ok = false;
        return;
      }
      if (!isRingClosed(positions)) {
        say(path, `${what} is not closed: its last position must equal its first`);
        ok = false;
        return;
      }
      if (!hasThreeDistinctPositions(positions)) {
        say(path, `${what} is degenerate: fewer than 3 distinct positions`);
        ok = false;
        return;
      }
      const x = findRingSelfIntersection(positions);
      if (x) {
        say(
          path,
          `${what} intersects itself: the edge from position ${x.edgeA} and the edge from position ${x.edgeB} meet near [${x.point[0].toFixed(6)}, ${x.point[1].toFixed(6)}]`,
        );
        ok = false;
        return;
      }
      rings.push(positions);
    });
    out.push(rings);
  }
  if (!ok) return undefined;
  return raw.type === "Polygon" ? { type: "Polygon", coordinates: out[0]! } : { type: "MultiPolygon", coordinates: out };
}

function checkInsidePoland(geometry: PolygonGeometry, say: Say): void {
  const [minX, minY, maxX, maxY] = POLAND_BBOX;
  let count = 0;
  let first: { path: string; p: LonLat } | undefined;
  const visit = (rings: LonLat[][], base: string): void => {
    rings.forEach((ring, ri) =>
      ring.forEach((p, pi) => {
        if (p[0] < minX || p[0] > maxX || p[1] < minY || p[1] > maxY) {
          count++;
          first ??= { path: `${base}[${ri}][${pi}]`, p };
        }
      }),
    );
  };
  if (geometry.type === "Polygon") visit(geometry.coordinates, "geometry.coordinates");
  else geometry.coordinates.forEach((poly, i) => visit(poly, `geometry.coordinates[${i}]`));
  if (first) {
    say(
      first.path,
      `${count} position(s) lie outside Poland (lon ${minX}–${maxX}, lat ${minY.toFixed(2)}–${maxY}), first [${first.p[0]}, ${first.p[1]}] — are lon and lat swapped, or is this not WGS84?`,
    );
  }
}

/** The parts of a MultiPolygon must not overlap (even-odd point-in-polygon would read an overlap as a hole). */
function checkPartsDisjoint(geometry: PolygonGeometry, say: Say): void {
  if (geometry.type !== "MultiPolygon") return;
  const parts: PolygonGeometry[] = geometry.coordinates.map((c) => ({ type: "Polygon", coordinates: c }));
  for (let i = 0; i < parts.length; i++) {
    for (let j = i + 1; j < parts.length; j++) {
      if (interiorsCertainlyDisjoint(parts[i]!, parts[j]!)) continue;
      const area = intersectionAreaM2(parts[i]!, parts[j]!);
      if (area >= OVERLAP_TOLERANCE_M2) {
        say(`geometry.coordinates[${j}]`, `polygon ${j} of the MultiPolygon overlaps polygon ${i} by about ${formatArea(area)}`);
      }
    }
  }
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}
