/**
 * District benchmark at national scale (Poland has about 8,000 district officers):
 *
 *   npx tsx bench/districts.ts                       # prints the figures
 *   node --expose-gc --import tsx bench/districts.ts # same, with a GC before the heap reading
 *
 * Synthetic data: a grid of cells tiling Poland's bounding box. Every border between two cells is one
 * wobbly polyline shared exactly by both neighbours (like real districts cut from one map), so the
 * cells do not overlap and neighbours' bounding boxes do overlap — the hard case for the overlap check.
 * Each border bulges by at most 20 % of a cell, tapering to zero at the cell corners, so a cell stays
 * near its grid square and never crosses another border.
 *
 * Measured: R-tree build time; lookups/s through the index vs a linear scan over all districts (same
 * random points, answers compared); validation time of the whole dataset through
 * validateDistrictImport (an import minus the DB writes; JSON parsing timed separately); heap after load.
 */
import { pathToFileURL } from "node:url";
import type { LonLat, PolygonGeometry } from "../src/domain/geo/types.js";
import { bboxOfGeometry } from "../src/domain/geo/bbox.js";
import { locatePoint } from "../src/domain/geo/pointInPolygon.js";
import { METRES_PER_DEGREE } from "../src/domain/geo/measure.js";
import { DistrictIndex, linearLookup } from "../src/domain/districts/districtIndex.js";
import { validateDistrictImport } from "../src/domain/districts/validate.js";
import { prng } from "../src/emulator/prng.js";

export interface BenchDistrictsOptions {
  /** Number of districts (default 8,000). */
  districts?: number;
  /** Vertices per district ring (default 200; rounded to a multiple of 4). */
  vertices?: number;
  /** Random lookups through the index (default 200,000). */
  lookups?: number;
}

/** Frame a little inside POLAND_BBOX so that no vertex fails the "inside Poland" check. */
const FRAME = { minLon: 14.1, minLat: 49.05, maxLon: 24.1, maxLat: 54.8 };

export interface SyntheticDistrict {
  id: number;
  number: string;
  geometry: PolygonGeometry;
}

/** Builds the synthetic tiling (see the file comment). */
export function syntheticDistricts(count: number, vertices: number, seed = 1): SyntheticDistrict[] {
  const rnd = prng(seed);
  const perSide = Math.max(1, Math.round(vertices / 4));
  const midLat = ((FRAME.minLat + FRAME.maxLat) / 2) * (Math.PI / 180);
  const widthM = (FRAME.maxLon - FRAME.minLon) * METRES_PER_DEGREE * Math.cos(midLat);
  const heightM = (FRAME.maxLat - FRAME.minLat) * METRES_PER_DEGREE;
  const rows = Math.max(1, Math.round(Math.sqrt((count * heightM) / widthM)));
  const cols = Math.ceil(count / rows);
  const cw = (FRAME.maxLon - FRAME.minLon) / cols;
  const ch = (FRAME.maxLat - FRAME.minLat) / rows;

  // Cell corners, jittered by up to 8 % of a cell (frame corners stay on the frame).
  const corner: LonLat[][] = [];
  for (let i = 0; i <= cols; i++) {
    corner.push([]);
    for (let j = 0; j <= rows; j++) {
      const jx = i === 0 || i === cols ? 0 : (rnd() - 0.5) * 0.16 * cw;
      const jy = j === 0 || j === rows ? 0 : (rnd() - 0.5) * 0.16 * ch;
      corner[i]!.push([FRAME.minLon + i * cw + jx, FRAME.minLat + j * ch + jy]);
    }
  }
  // A border from a to b, bulging sideways by ≤ 20 % of a cell with an envelope sin(πt) that is 0 at
  // both corners; a frame border stays straight. Returns perSide + 1 points, a and b included.
  const border = (a: LonLat, b: LonLat, sideways: "x" | "y", straight: boolean): LonLat[] => {
    const amp = straight ? 0 : 0.2 * (sideways === "x" ? cw : ch);
    const f1 = 1 + Math.floor(rnd() * 3);
    const f2 = 3 + Math.floor(rnd() * 4);
    const p1 = rnd();
    const p2 = rnd();
    const pts: LonLat[] = [a];
    for (let s = 1; s < perSide; s++) {
      const t = s / perSide;
      const wobble = 0.6 * Math.sin(2 * Math.PI * (f1 * t + p1)) + 0.35 * Math.sin(2 * Math.PI * (f2 * t + p2)) + 0.05 * (rnd() * 2 - 1);
      const off = amp * Math.sin(Math.PI * t) * wobble;
      const x = a[0] + t * (b[0] - a[0]) + (sideways === "x" ? off : 0);
      const y = a[1] + t * (b[1] - a[1]) + (sideways === "y" ? off : 0);
      pts.push([x, y]);
    }
    pts.push(b);
    return pts;
  };
  const vertical: LonLat[][][] = []; // vertical[i][j]: corner(i,j) → corner(i,j+1)
  for (let i = 0; i <= cols; i++) {
    vertical.push([]);
    for (let j = 0; j < rows; j++) vertical[i]!.push(border(corner[i]![j]!, corner[i]![j + 1]!, "x", i === 0 || i === cols));
  }
  const horizontal: LonLat[][][] = []; // horizontal[i][j]: corner(i,j) → corner(i+1,j)
  for (let i = 0; i < cols; i++) {
    horizontal.push([]);
    for (let j = 0; j <= rows; j++) horizontal[i]!.push(border(corner[i]![j]!, corner[i + 1]![j]!, "y", j === 0 || j === rows));
  }

  const out: SyntheticDistrict[] = [];
  for (let j = 0; j < rows && out.length < count; j++) {
    for (let i = 0; i < cols && out.length < count; i++) {
      // Counter-clockwise: bottom →, right ↑, top ←, left ↓; each side without its last point.
      const ring: LonLat[] = [
        ...horizontal[i]![j]!.slice(0, -1),
        ...vertical[i + 1]![j]!.slice(0, -1),
        ...[...horizontal[i]![j + 1]!].reverse().slice(0, -1),
        ...[...vertical[i]![j]!].reverse().slice(0, -1),
      ];
      ring.push(ring[0]!);
      const id = out.length + 1;
      out.push({ id, number: String(id), geometry: { type: "Polygon", coordinates: [ring] } });
    }
  }
  return out;
}

const mb = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;
const round = (x: number, digits = 0): number => Math.round(x * 10 ** digits) / 10 ** digits;

export async function benchDistricts(opts: BenchDistrictsOptions = {}): Promise<Record<string, number | string>> {
  const count = opts.districts ?? 8000;
  const vertices = opts.vertices ?? 200;
  const lookups = opts.lookups ?? 200_000;
  const gc = (globalThis as { gc?: () => void }).gc;
  const res: Record<string, number | string> = {};

  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let t = performance.now();
  const districts = syntheticDistricts(count, vertices);
  res.generateMs = round(performance.now() - t);
  res.districts = districts.length;
  res.verticesPerDistrict = districts[0]!.geometry.coordinates[0]!.length - 1;

  t = performance.now();
  const index = new DistrictIndex(districts);
  res.indexBuildMs = round(performance.now() - t, 1);

  gc?.();
  const mem = process.memoryUsage();
  res.heapUsedAfterLoadMB = mb(mem.heapUsed);
  res.heapForDistrictsAndIndexMB = mb(mem.heapUsed - heapBefore);
  // The prepared edge arrays live in ArrayBuffers, which V8 counts outside heapUsed.
  res.arrayBuffersAfterLoadMB = mb(mem.arrayBuffers);
  res.rssAfterLoadMB = mb(mem.rss);
  res.gcExposed = gc ? "yes" : "no (run with node --expose-gc --import tsx for a cleaner heap figure)";

  // Random points over the whole frame (a few fall outside the last, partly filled row).
  const rnd = prng(7);
  const xs = new Float64Array(lookups);
  const ys = new Float64Array(lookups);
  for (let k = 0; k < lookups; k++) {
    xs[k] = FRAME.minLon + rnd() * (FRAME.maxLon - FRAME.minLon);
    ys[k] = FRAME.minLat + rnd() * (FRAME.maxLat - FRAME.minLat);
  }
  for (let k = 0; k < Math.min(2000, lookups); k++) index.lookup(xs[k]!, ys[k]!); // warm-up
  t = performance.now();
  let found = 0;
  for (let k = 0; k < lookups; k++) if (index.lookup(xs[k]!, ys[k]!)) found++;
  const indexSec = (performance.now() - t) / 1000;
  res.indexLookups = lookups;
  res.indexLookupsPerSec = round(lookups / indexSec);
  res.indexLookupHitRate = round(found / lookups, 3);

  // Linear scan (linearLookup: exact test of every district) on a subset of the same points.
  const linearN = Math.min(lookups, 300);
  linearLookup(index.districts, xs[0]!, ys[0]!);
  t = performance.now();
  let mismatches = 0;
  for (let k = 0; k < linearN; k++) {
    if (linearLookup(index.districts, xs[k]!, ys[k]!)?.id !== index.lookup(xs[k]!, ys[k]!)?.id) mismatches++;
  }
  const linearSec = (performance.now() - t) / 1000;
  res.linearLookups = linearN;
  res.linearLookupsPerSec = round(linearN / linearSec, 1);
  res.indexVsLinearSpeedup = round(res.indexLookupsPerSec / res.linearLookupsPerSec);
  res.answerMismatches = mismatches;

  // A fairer naive baseline too: a linear scan that skips districts by bounding box first.
  const boxes = districts.map((d) => bboxOfGeometry(d.geometry));
  const bboxScanN = Math.min(lookups, 20_000);
  t = performance.now();
  let bboxMismatches = 0;
  for (let k = 0; k < bboxScanN; k++) {
    const x = xs[k]!;
    const y = ys[k]!;
    let hit: SyntheticDistrict | null = null;
    let boundaryHit: SyntheticDistrict | null = null;
    for (let i = 0; i < boxes.length; i++) {
      const b = boxes[i]!;
      if (x < b[0] || x > b[2] || y < b[1] || y > b[3]) continue;
      const where = locatePoint(districts[i]!.geometry, x, y);
      if (where === "inside") {
        hit = districts[i]!;
        break;
      }
      if (where === "boundary" && !boundaryHit) boundaryHit = districts[i]!;
    }
    if (k < 2000 && (hit ?? boundaryHit)?.id !== index.lookup(x, y)?.id) bboxMismatches++;
  }
  const bboxSec = (performance.now() - t) / 1000;
  res.bboxScanLookupsPerSec = round(bboxScanN / bboxSec);
  res.indexVsBboxScanSpeedup = round(res.indexLookupsPerSec / res.bboxScanLookupsPerSec, 1);
  res.bboxScanMismatches = bboxMismatches;

  // Import validation of the whole dataset (what an import does before its DB writes).
  const geojson = {
    type: "FeatureCollection",
    features: districts.map((d) => ({
      type: "Feature",
      properties: { number: d.number, name: `Rejon ${d.number}`, unit: `U${Math.ceil(d.id / 20)}`, officer: `O${d.id}` },
      geometry: d.geometry,
    })),
  };
  const text = JSON.stringify(geojson);
  res.geojsonMB = mb(text.length);
  t = performance.now();
  const parsed: unknown = JSON.parse(text);
  res.jsonParseMs = round(performance.now() - t);
  const units = new Set(districts.map((d) => `U${Math.ceil(d.id / 20)}`));
  const officers = new Set(districts.map((d) => `O${d.id}`));
  t = performance.now();
  const result = validateDistrictImport({ fileName: "synthetic.geojson", geojson: parsed, knownUnitCodes: units, knownOfficerCodes: officers });
  res.validateMs = round(performance.now() - t);
  res.validateProblems = result.problems.length;
  if (result.problems.length) res.firstProblem = result.problems[0]!.message;
  res.validateCandidatePairs = result.stats.candidatePairs;
  res.validateExactOverlapChecks = result.stats.exactOverlapChecks;
  res.note = "validateMs = import time minus DB writes (JSON parsing is jsonParseMs)";
  return res;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await benchDistricts();
  for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(30)} ${v}`);
}
