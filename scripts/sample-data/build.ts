/**
 * Builds the sample district data of the Komenda Miejska Policji w Bielsku-Białej:
 *
 *   npx tsx scripts/sample-data/build.ts            (writes data/sample/)
 *   npx tsx scripts/sample-data/build.ts --out DIR  (writes DIR/, e.g. to compare)
 *
 * Reads   data/sample/source/bielsko-biala-area.geojson   (city + 10 gminy, public domain)
 *         data/sample/source/bielsko-biala-places.json    (approximate osiedla centres)
 * Writes  data/sample/districts.geojson   42 districts in the import schema (src/domain/districts/SCHEMA.md)
 *         data/sample/units.json          the Komenda Miejska (real) + 5 sample komisariaty/posterunki
 *         data/sample/officers.json       41 fictional district officers
 *         data/sample/address-rules.csv   a few sample address rules
 *
 * How the districts are made:
 *  - city: one district per osiedle, "1".."30" in the order of the places file: Voronoi cells
 *    (d3-delaunay) around the osiedla centres, computed in a local metric projection (so cells are
 *    fair in metres, not in degrees) and clipped to the city polygon with polyclip-ts; a fragment that
 *    clipping cuts off a cell goes to the neighbour it borders most;
 *  - county: one district per gmina, "31" on in alphabetical order: the gmina polygon minus the city
 *    polygon (in this data they do not overlap, but subtracting guarantees it); Czechowice-Dziedzice
 *    and Jasienica are split north/south by a two-point Voronoi split at the middle of their extent.
 *
 * Deterministic: no randomness, no clock; identical inputs give byte-identical outputs. The script
 * ends by validating its output with validateDistrictImport and fails on any problem.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Delaunay } from "d3-delaunay";
import type { LonLat, PolygonGeometry } from "../../src/domain/geo/types.js";
import { bboxOfGeometry } from "../../src/domain/geo/bbox.js";
import { geometryAreaM2, haversineM } from "../../src/domain/geo/measure.js";
import { intersectGeometries, subtractGeometries, unionGeometries } from "../../src/domain/geo/clip.js";
import { polygonAreaM2 } from "../../src/domain/geo/measure.js";
import { locatePoint } from "../../src/domain/geo/pointInPolygon.js";
import { DistrictIndex } from "../../src/domain/districts/districtIndex.js";
import { validateDistrictImport } from "../../src/domain/districts/validate.js";
import { formatProblem } from "../../src/domain/districts/types.js";
import {
  BIALA_SIDE,
  CITY_STREET_RULES,
  GMINA_UNIT,
  GMINA_VILLAGES,
  OFFICER_NAMES,
  PLAN_PERIOD,
  RANKS,
  SAMPLE_NOTE,
  SHARED_OFFICER,
  SPLIT_GMINY,
  UNITS,
  dutyHours,
  planFor,
} from "./content.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SOURCE = join(ROOT, "data", "sample", "source");
/** Output folder: data/sample, or the folder after "--out" (the tests rebuild into a temp folder and compare). */
const OUT = ((): string => {
  const i = process.argv.indexOf("--out");
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : join(ROOT, "data", "sample");
})();

/** Two osiedla centres closer than this would give one of them a sliver of a cell. */
const MIN_CENTRE_SEPARATION_M = 250;

/**
 * Centres moved before the Voronoi step. In the source, "Biała Wschód" (medium confidence) lies 20 m
 * from "Biała Śródmieście" (an estimate): as given, one of them would get a thin sliver. Biała Wschód
 * is the eastern part of old Biała, so its seed moves 700 m due east, into the gap towards Lipnik.
 */
const NUDGES: { name: string; bearingDeg: number; distanceM: number; reason: string }[] = [
  {
    name: "Biała Wschód",
    bearingDeg: 90,
    distanceM: 700,
    reason: "source centre lies 20 m from Biała Śródmieście; moved 700 m due east (the osiedle is the eastern part of Biała) so that both get a proper cell",
  },
];

/** Parts smaller than this (m²) left by clipping simplified boundaries are dropped as slivers. */
const MIN_PART_AREA_M2 = 10_000;

/** Output precision: 1e-9° (0.1 mm) keeps shared vertices shared and T-junctions within the border tolerance. */
const round = (x: number): number => Math.round(x * 1e9) / 1e9;

interface AreaFeature {
  properties: { name: string; terc: string; kind: string; county: string };
  geometry: PolygonGeometry;
}

interface Place {
  name: string;
  lat: number;
  lon: number;
  confidence: string;
}

interface DistrictOut {
  number: string;
  name: string;
  unit: string;
  officer?: string;
  description: string;
  geometry: PolygonGeometry;
  /** Seed point of the Voronoi cell (city) or a reference point (county). */
  seed: LonLat;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(join(SOURCE, file), "utf8")) as T;

/** Local equirectangular projection in metres around a reference latitude: fine for a 40 km area. */
function projection(lat0: number, lon0: number) {
  const k = (Math.PI / 180) * 6_371_008.8;
  const kx = k * Math.cos((lat0 * Math.PI) / 180);
  return {
    fwd: ([lon, lat]: LonLat): [number, number] => [(lon - lon0) * kx, (lat - lat0) * k],
    inv: ([x, y]: [number, number]): LonLat => [lon0 + x / kx, lat0 + y / k],
  };
}

/** Voronoi cells (lon/lat rings) of seeds, bounded by a box around `bounds` (a geometry). */
function voronoiCells(seeds: LonLat[], bounds: PolygonGeometry): PolygonGeometry[] {
  const [minX, minY, maxX, maxY] = bboxOfGeometry(bounds);
  const proj = projection((minY + maxY) / 2, (minX + maxX) / 2);
  const [x0, y0] = proj.fwd([minX, minY]);
  const [x1, y1] = proj.fwd([maxX, maxY]);
  const margin = 1000;
  const pts = seeds.map(proj.fwd);
  const voronoi = Delaunay.from(pts).voronoi([x0 - margin, y0 - margin, x1 + margin, y1 + margin]);
  return seeds.map((_, i) => {
    const cell = voronoi.cellPolygon(i);
    if (!cell) throw new Error(`seed ${i} has an empty Voronoi cell (duplicate point?)`);
    return { type: "Polygon", coordinates: [cell.map((p) => proj.inv([p[0], p[1]]))] };
  });
}

/** Drops sliver parts and rounds coordinates; null when nothing substantial is left. */
function tidy(geometry: PolygonGeometry | null): PolygonGeometry | null {
  if (!geometry) return null;
  const polygons = (geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates)
    .filter((p) => polygonAreaM2(p) >= MIN_PART_AREA_M2)
    .map((p) => p.map((ring) => ring.map(([x, y]): LonLat => [round(x), round(y)])));
  if (polygons.length === 0) return null;
  return polygons.length === 1 ? { type: "Polygon", coordinates: polygons[0]! } : { type: "MultiPolygon", coordinates: polygons };
}

/**
 * A convex Voronoi cell can cut the (non-convex) city polygon into several pieces, leaving a district
 * with a detached fragment far from its centre. Each fragment goes to the neighbouring district that
 * shares most of its vertices (neighbours share exact Voronoi edges, so the union is clean).
 */
function reassignDetachedParts(districts: DistrictOut[]): { part: LonLat; from: string; to: string }[] {
  const moves: { part: LonLat; from: string; to: string }[] = [];
  for (const d of districts) {
    if (d.geometry.type !== "MultiPolygon") continue;
    const parts = [...d.geometry.coordinates].sort((a, b) => polygonAreaM2(b) - polygonAreaM2(a));
    d.geometry = { type: "Polygon", coordinates: parts[0]! };
    for (const part of parts.slice(1)) {
      const fragment: PolygonGeometry = { type: "Polygon", coordinates: part };
      let best: DistrictOut | undefined;
      let bestShared = 0;
      for (const other of districts) {
        if (other === d) continue;
        const shared = part[0]!.filter((p) => locatePoint(other.geometry, p[0], p[1]) === "boundary").length;
        if (shared > bestShared) {
          best = other;
          bestShared = shared;
        }
      }
      if (!best) throw new Error(`a detached part of ${d.name} touches no other district`);
      best.geometry = must(tidy(unionGeometries(best.geometry, fragment)), "empty union");
      moves.push({ part: part[0]![0]!, from: d.name, to: best.name });
    }
  }
  return moves;
}

function move([lon, lat]: LonLat, bearingDeg: number, distanceM: number): LonLat {
  const proj = projection(lat, lon);
  const b = (bearingDeg * Math.PI) / 180;
  const [x, y] = proj.inv([distanceM * Math.sin(b), distanceM * Math.cos(b)]);
  return [Math.round(x * 1e6) / 1e6, Math.round(y * 1e6) / 1e6];
}

function must<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(what);
  return value;
}

function main(): void {
  const area = readJson<{ features: AreaFeature[] }>("bielsko-biala-area.geojson");
  const places = readJson<{ osiedla: Place[] }>("bielsko-biala-places.json");
  const city = must(
    area.features.find((f) => f.properties.terc === "2461011"),
    "city feature (TERC 2461011) missing",
  ).geometry;
  const gminy = area.features.filter((f) => f.properties.terc !== "2461011").sort((a, b) => a.properties.name.localeCompare(b.properties.name, "pl"));

  // --- city: Voronoi cells around (possibly nudged) osiedla centres -------------------------------
  const nudgesApplied: { name: string; from: LonLat; to: LonLat; reason: string }[] = [];
  const seeds: LonLat[] = places.osiedla.map((o) => {
    const from: LonLat = [o.lon, o.lat];
    const nudge = NUDGES.find((n) => n.name === o.name);
    if (!nudge) return from;
    const to = move(from, nudge.bearingDeg, nudge.distanceM);
    nudgesApplied.push({ name: o.name, from, to, reason: nudge.reason });
    return to;
  });
  for (let i = 0; i < seeds.length; i++) {
    for (let j = i + 1; j < seeds.length; j++) {
      const d = haversineM(seeds[i]![0], seeds[i]![1], seeds[j]![0], seeds[j]![1]);
      if (d < MIN_CENTRE_SEPARATION_M) {
        throw new Error(`centres of ${places.osiedla[i]!.name} and ${places.osiedla[j]!.name} are only ${Math.round(d)} m apart: add a nudge`);
      }
    }
  }
  const cells = voronoiCells(seeds, city);
  const districts: DistrictOut[] = places.osiedla.map((o, i) => ({
    number: String(i + 1),
    name: o.name,
    unit: BIALA_SIDE.has(o.name) ? "KP2" : "KP1",
    description: `Rejon obejmuje osiedle ${o.name} (granice przykładowe, wyznaczone automatycznie).`,
    geometry: must(tidy(intersectGeometries(cells[i]!, city)), `empty city cell for ${o.name}`),
    seed: seeds[i]!,
  }));

  const reassigned = reassignDetachedParts(districts);

  // --- county: gmina minus city, large gminy split north/south ------------------------------------
  let next = districts.length + 1;
  for (const g of gminy) {
    const name = g.properties.name;
    const rest = must(tidy(subtractGeometries(g.geometry, city)), `nothing left of ${name}`);
    const [minX, minY, maxX, maxY] = bboxOfGeometry(rest);
    const midLon = (minX + maxX) / 2;
    const midLat = (minY + maxY) / 2;
    const unit = must(GMINA_UNIT[name], `no unit for gmina ${name}`);
    if (SPLIT_GMINY.has(name)) {
      // Two seeds on the middle meridian, a quarter of the height from the middle: their Voronoi split
      // is the parallel through the middle of the gmina's extent.
      const dy = (maxY - minY) / 4;
      const halves: [string, string, LonLat][] = [
        ["północ", "północną", [midLon, midLat + dy]],
        ["południe", "południową", [midLon, midLat - dy]],
      ];
      const split = voronoiCells(
        halves.map((h) => h[2]),
        rest,
      );
      halves.forEach(([suffix, adjective, seed], k) => {
        districts.push({
          number: String(next++),
          name: `Gmina ${name} – ${suffix}`,
          unit,
          description: `Rejon obejmuje ${adjective} część gminy ${name} (granica podziału przykładowa).`,
          geometry: must(tidy(intersectGeometries(split[k]!, rest)), `empty half of ${name}`),
          seed,
        });
      });
    } else {
      districts.push({
        number: String(next++),
        name: `Gmina ${name}`,
        unit,
        description: `Rejon obejmuje gminę ${name}.`,
        geometry: rest,
        seed: [midLon, midLat],
      });
    }
  }

  // --- officers ------------------------------------------------------------------------------------
  const unitName = new Map(UNITS.map((u) => [u.code, u.name]));
  const officers: Record<string, unknown>[] = [];
  const officerOf = new Map<string, string>();
  for (const d of districts) {
    const partnerName = SHARED_OFFICER.find((pair) => pair.includes(d.name))?.find((n) => n !== d.name);
    const partner = partnerName ? districts.find((x) => x.name === partnerName) : undefined;
    if (partner && officerOf.has(partner.number)) {
      officerOf.set(d.number, officerOf.get(partner.number)!);
      continue;
    }
    const n = officers.length + 1;
    const nn = String(n).padStart(2, "0");
    const [firstName, lastName] = must(OFFICER_NAMES[n - 1], `not enough officer names for ${n}`);
    const code = `O${nn}`;
    officerOf.set(d.number, code);
    officers.push({
      code,
      rank: RANKS[(n * 7) % RANKS.length],
      firstName,
      lastName,
      phone: `+48 47 899 00 ${nn}`,
      email: `dzielnicowy.${nn}@bielsko.policja.example`,
      dutyHours: dutyHours(n, must(unitName.get(d.unit), `unknown unit ${d.unit}`)),
      unit: d.unit,
      districts: [] as string[],
    });
  }
  for (const d of districts) {
    d.officer = officerOf.get(d.number)!;
    (officers.find((o) => o.code === d.officer)!.districts as string[]).push(d.number);
  }

  // --- GeoJSON -------------------------------------------------------------------------------------
  const featureCollection = {
    type: "FeatureCollection",
    metadata: {
      sample: true,
      note: SAMPLE_NOTE,
      generatedBy: "scripts/sample-data/build.ts",
      sources: [
        "data/sample/source/bielsko-biala-area.geojson (Państwowy Rejestr Granic via gis-support.pl, simplified by PolandGeoJson; public domain)",
        "data/sample/source/bielsko-biala-places.json (approximate osiedla centres)",
      ],
      method:
        "city: Voronoi cells (d3-delaunay, local metric projection) around osiedla centres clipped to the city polygon (polyclip-ts); county: gmina minus city polygon, Czechowice-Dziedzice and Jasienica split north/south at mid-extent",
      nudgedCentres: nudgesApplied,
      reassignedParts: reassigned,
      seeds: Object.fromEntries(districts.map((d) => [d.number, d.seed])),
    },
    features: districts.map((d) => ({
      type: "Feature",
      properties: {
        number: d.number,
        name: d.name,
        unit: d.unit,
        officer: d.officer,
        description: d.description,
        plan: { period: PLAN_PERIOD, ...planFor(d.name, d.number) },
      },
      geometry: d.geometry,
    })),
  };

  const unitsJson = { sample: true, note: SAMPLE_NOTE, units: UNITS };
  const officersJson = {
    sample: true,
    note: {
      pl: `${SAMPLE_NOTE.pl} Numery telefonów dzielnicowych (+48 47 899 00 xx) i adresy e-mail w domenie .example są fikcyjne.`,
      en: `${SAMPLE_NOTE.en} The officers' phone numbers (+48 47 899 00 xx) and .example e-mail addresses are fictional.`,
    },
    officers,
  };

  // --- address rules -------------------------------------------------------------------------------
  const index = new DistrictIndex(districts.map((d) => ({ ...d, id: d.number })));
  const csvLines = [
    "# Dane przykładowe / sample data: generated by scripts/sample-data/build.ts; house-number ranges are invented.",
    "district_number,kind,street,village,from,to,parity",
  ];
  for (const r of CITY_STREET_RULES) {
    const d = must(index.lookup(r.at[0], r.at[1]), `street point of ${r.street} is outside the districts`);
    csvLines.push([d.number, r.kind, r.street, "", r.from ?? "", r.to ?? "", r.kind === "range" ? (r.parity ?? "all") : ""].join(","));
  }
  for (const d of districts) {
    const gmina = d.name.replace(/^Gmina /u, "");
    for (const village of GMINA_VILLAGES[gmina] ?? []) csvLines.push([d.number, "village", "", village, "", "", ""].join(","));
  }
  const csvText = `${csvLines.join("\n")}\n`;

  // --- checks --------------------------------------------------------------------------------------
  const result = validateDistrictImport({
    fileName: "districts.geojson",
    geojson: JSON.parse(JSON.stringify(featureCollection)),
    knownUnitCodes: new Set(UNITS.map((u) => u.code)),
    knownOfficerCodes: new Set(officers.map((o) => o.code as string)),
    csv: { fileName: "address-rules.csv", text: csvText },
  });
  if (result.problems.length) {
    for (const p of result.problems) console.error(formatProblem(p));
    throw new Error(`the generated sample data has ${result.problems.length} problem(s)`);
  }
  const cityArea = geometryAreaM2(city);
  const cityCells = districts.slice(0, places.osiedla.length).map((d) => d.geometry);
  const unionArea = geometryAreaM2(must(unionGeometries(cityCells[0]!, ...cityCells.slice(1)), "empty union"));
  const gap = Math.abs(unionArea - cityArea) / cityArea;
  if (gap > 0.001) throw new Error(`city cells cover ${(unionArea / 1e6).toFixed(3)} km² of ${(cityArea / 1e6).toFixed(3)} km²`);
  places.osiedla.forEach((o, i) => {
    const d = index.lookup(seeds[i]![0], seeds[i]![1]);
    if (d?.number !== String(i + 1)) throw new Error(`the centre of ${o.name} is not in its own district`);
  });
  for (const u of UNITS) {
    const d = must(index.lookup(u.lon, u.lat), `unit ${u.code} lies outside all districts`);
    if (!districts.some((x) => x.unit === u.code && x.number === d.number) && u.code !== "KMP") {
      console.warn(`note: ${u.code} lies in district ${d.number} (${d.name}), which it does not serve`);
    }
  }

  // --- write ---------------------------------------------------------------------------------------
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, "districts.geojson"), stringify(featureCollection));
  writeFileSync(join(OUT, "units.json"), stringify(unitsJson));
  writeFileSync(join(OUT, "officers.json"), stringify(officersJson));
  writeFileSync(join(OUT, "address-rules.csv"), csvText);
  console.log(
    `districts: ${districts.length} (city ${cityCells.length}, county ${districts.length - cityCells.length}); ` +
      `officers: ${officers.length}; units: ${UNITS.length}; address rules: ${result.rules.length}; ` +
      `city coverage: ${(unionArea / 1e6).toFixed(3)} of ${(cityArea / 1e6).toFixed(3)} km² (diff ${(gap * 100).toFixed(4)} %)`,
  );
}

/** Pretty JSON with each [lon, lat] pair on one line (diff-friendly, a fraction of the size). */
function stringify(value: unknown): string {
  return `${JSON.stringify(value, null, 1).replace(/\[\s+(-?[\d.e+-]+),\s+(-?[\d.e+-]+)\s+\]/gu, "[$1, $2]")}\n`;
}

main();
