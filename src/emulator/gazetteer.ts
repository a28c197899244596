// The fake Nominatim's default gazetteer: Bielsko-Biała's osiedla, landmarks and streets.
// Points come from data/sample/source/bielsko-biala-places.json (a copy of the project's shared reference
// data, approximate WGS84 points with a confidence each), plus a few streets named in the domain
// notes that the file lacks, placed by hand at plausible points (confidence "estimate").
// Postcodes are plausible values in the city's range 43-300…43-382, not authoritative.
import { readFileSync } from "node:fs";
import { projectPath } from "../projectRoot.js";

export type GazetteerKind = "street" | "suburb" | "landmark" | "intersection";

export interface GazetteerEntry {
  name: string;
  kind: GazetteerKind;
  lat: number;
  lon: number;
  /** The osiedle the point lies in (for a suburb: itself). */
  suburb: string;
  postcode: string;
  /** For kind "intersection": the two streets that meet there. */
  streets?: [string, string];
  /** OSM class/type for landmarks (default amenity/public_building). */
  osmClass?: string;
  osmType?: string;
  /** A landmark's key in Nominatim's address (default: its class). */
  addressType?: string;
  /** A landmark's OSM name when people call it otherwise (the entry's name is what they type). */
  osmName?: string;
  /** A landmark's street address, as OSM tags it (addr:street, addr:housenumber). */
  road?: string;
  houseNumber?: string;
}

interface PlacesFile {
  osiedla: PlacePoint[];
  landmarks: PlacePoint[];
  streets: PlacePoint[];
}

interface PlacePoint {
  name: string;
  lat: number;
  lon: number;
  confidence: string;
}

const places = JSON.parse(readFileSync(projectPath("data", "sample", "source", "bielsko-biala-places.json"), "utf8")) as PlacesFile;

const EXTRA_STREETS: PlacePoint[] = [
  { name: "aleja Władysława Andersa", lat: 49.8075, lon: 19.065, confidence: "estimate" },
  { name: "Kolista", lat: 49.8052, lon: 19.069, confidence: "estimate" },
  { name: "Podgórna", lat: 49.7905, lon: 19.048, confidence: "estimate" },
  { name: "Rychlińskiego", lat: 49.8075, lon: 19.0585, confidence: "estimate" },
  { name: "Sternicza", lat: 49.816, lon: 19.079, confidence: "estimate" },
  { name: "Leszczyńska", lat: 49.812, lon: 19.056, confidence: "estimate" },
  { name: "Wapienna", lat: 49.8168, lon: 19.0425, confidence: "estimate" },
];

// As OSM has them: Polish names spell the type of way in lower case ("plac …"), buildings carry their address.
const LANDMARK_TAGS: Record<string, Partial<GazetteerEntry>> = {
  "Starostwo Powiatowe, ul. Piastowska 40": {
    osmClass: "office",
    osmType: "government",
    osmName: "Starostwo Powiatowe w Bielsku-Białej",
    road: "Piastowska",
    houseNumber: "40",
  },
  "Plac Bolesława Chrobrego": { osmClass: "place", osmType: "square", addressType: "square", osmName: "plac Bolesława Chrobrego" },
  "Dworzec Główny (Bielsko-Biała Główna)": { osmClass: "railway", osmType: "station", osmName: "Bielsko-Biała Główna", road: "Warszawska", houseNumber: "2" },
};

const POSTCODES: Record<string, string> = {
  Aleksandrowice: "43-310",
  Hałcnów: "43-331",
  Kamienica: "43-316",
  "Komorowice Krakowskie": "43-346",
  "Komorowice Śląskie": "43-346",
  Leszczyny: "43-309",
  Lipnik: "43-303",
  "Mikuszowice Krakowskie": "43-309",
  "Mikuszowice Śląskie": "43-318",
  Straconka: "43-306",
  Wapienica: "43-382",
};

export function distanceKm(aLat: number, aLon: number, bLat: number, bLon: number): number {
  const rad = Math.PI / 180;
  const dLat = (bLat - aLat) * rad;
  const dLon = (bLon - aLon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(aLat * rad) * Math.cos(bLat * rad) * Math.sin(dLon / 2) ** 2;
  return 12_742 * Math.asin(Math.sqrt(h));
}

function nearestOsiedle(lat: number, lon: number): string {
  let best = places.osiedla[0]!;
  for (const o of places.osiedla) {
    if (distanceKm(lat, lon, o.lat, o.lon) < distanceKm(lat, lon, best.lat, best.lon)) best = o;
  }
  return best.name;
}

function entry(point: PlacePoint, kind: GazetteerKind, suburb = nearestOsiedle(point.lat, point.lon)): GazetteerEntry {
  return { name: point.name, kind, lat: point.lat, lon: point.lon, suburb, postcode: POSTCODES[suburb] ?? "43-300" };
}

export function defaultGazetteer(): GazetteerEntry[] {
  return [
    ...places.osiedla.map((o) => entry(o, "suburb", o.name)),
    ...places.landmarks.map((l) => ({ ...entry(l, "landmark"), ...LANDMARK_TAGS[l.name] })),
    ...[...places.streets, ...EXTRA_STREETS].map((s) => entry(s, "street")),
    {
      ...entry({ name: "3 Maja / 11 Listopada", lat: 49.824, lon: 19.0465, confidence: "estimate" }, "intersection"),
      streets: ["3 Maja", "11 Listopada"],
    },
  ];
}
