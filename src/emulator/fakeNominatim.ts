// A fake Nominatim (OpenStreetMap geocoder) on 127.0.0.1, answering /search and /reverse from a
// small gazetteer of Bielsko-Biała with the JSON shapes the real service returns (lat/lon as
// strings, boundingbox of four strings, address details). It records every request with its
// headers, so tests can check the User-Agent and the 1 request/second policy, and it can fail
// (HTTP 500 or 429 with an HTML body), hang, drop the connection, or answer slowly.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { defaultGazetteer, distanceKm, type GazetteerEntry } from "./gazetteer.js";

export type { GazetteerEntry } from "./gazetteer.js";

/** "reset" closes the connection without an answer: a network error for the client. */
export type NominatimMode = "normal" | "error500" | "error429" | "hang" | "reset";

export interface NominatimRequest {
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  at: number;
}

const LICENCE = "Data © OpenStreetMap contributors, ODbL 1.0. https://osm.org/copyright";

const CITY = {
  city: "Bielsko-Biała",
  county: "powiat Bielsko-Biała",
  state: "województwo śląskie",
  "ISO3166-2-lvl4": "PL-24",
  country: "Polska",
  country_code: "pl",
};

/** Beyond this distance from every known place, /reverse answers "Unable to geocode". */
const REVERSE_RADIUS_KM = 3;

// Words people put around names ("ul. Cieszyńska", "al. gen. Andersa", "os. Karpackie").
const NOISE_WORDS = new Set(["ul", "ulica", "al", "aleja", "aleje", "os", "osiedle", "pl", "plac", "gen"]);

const HOUSE_NUMBER = /^\d+[a-z]?(?:\/\d+)?$/;

const IMPORTANCE: Record<GazetteerEntry["kind"], number> = {
  suburb: 0.35,
  landmark: 0.3,
  street: 0.2,
  intersection: 0.15,
};

/** Lowercase without diacritics; "ł" has no decomposition, so it is mapped by hand. */
function fold(text: string): string {
  return text.toLowerCase().replace(/ł/g, "l").normalize("NFD").replace(/\p{M}/gu, "");
}

function tokens(text: string): string[] {
  const found = fold(text).match(/\d+\p{L}?\/\d+|[\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)*/gu) ?? [];
  return found.filter((t) => !NOISE_WORDS.has(t));
}

/** A hyphenated token also stands for its parts: "bielsko-biala" matches "Bielsko Biała". */
function tokenSet(text: string): Set<string> {
  const set = new Set<string>();
  for (const t of tokens(text)) {
    set.add(t);
    for (const part of t.split("-")) set.add(part);
  }
  return set;
}

const matches = (token: string, set: Set<string>) => set.has(token) || token.split("-").every((part) => set.has(part));

interface IndexedEntry {
  entry: GazetteerEntry;
  index: number;
  name: Set<string>;
  context: Set<string>;
}

interface Hit {
  indexed: IndexedEntry;
  houseNumber?: string;
  score: number;
}

export class FakeNominatim {
  readonly url: string;
  readonly requests: NominatimRequest[] = [];
  mode: NominatimMode = "normal";

  private delayMs = 0;
  private readonly entries: IndexedEntry[];
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: Server,
    gazetteer: GazetteerEntry[],
  ) {
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.entries = gazetteer.map((entry, index) => ({
      entry,
      index,
      name: tokenSet(entry.name),
      context: tokenSet([entry.suburb, CITY.city, CITY.county, CITY.state, CITY.country, entry.postcode].join(" ")),
    }));
  }

  static async start(opts: { gazetteer?: GazetteerEntry[] } = {}): Promise<FakeNominatim> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const fake = new FakeNominatim(server, opts.gazetteer ?? defaultGazetteer());
    server.on("request", (req, res) => {
      const url = new URL(req.url ?? "/", fake.url);
      fake.requests.push({
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        at: Date.now(),
      });
      if (fake.mode === "hang") return;
      if (fake.mode === "reset") {
        req.socket.destroy();
        return;
      }
      const timer = setTimeout(() => {
        fake.timers.delete(timer);
        fake.respond(url, res);
      }, fake.delayMs);
      fake.timers.add(timer);
    });
    return fake;
  }

  /** Delays every answer by `ms` milliseconds. */
  setDelay(ms: number): void {
    this.delayMs = ms;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private respond(url: URL, res: ServerResponse): void {
    // The mode is read when answering, so switching it affects delayed requests too.
    if (this.mode === "error500" || this.mode === "error429") {
      const status = this.mode === "error500" ? 500 : 429;
      const title = status === 500 ? "500 Internal Server Error" : "429 Too Many Requests";
      res.writeHead(status, { "content-type": "text/html; charset=utf-8" });
      res.end(`<html>\n<head><title>${title}</title></head>\n<body><h1>${title}</h1></body>\n</html>\n`);
      return;
    }
    if (this.mode === "hang") return;
    if (this.mode === "reset") {
      res.socket?.destroy();
      return;
    }
    const params = url.searchParams;
    const format = params.get("format") ?? "json";
    if (format !== "json" && format !== "jsonv2") {
      this.json(res, 400, { error: { code: 400, message: `Parameter 'format': unsupported in this fake: ${format}` } });
      return;
    }
    switch (url.pathname.replace(/\.php$/, "")) {
      case "/search":
        this.json(
          res,
          200,
          this.search(params).map((hit) => this.result(hit, params, format, false)),
        );
        return;
      case "/reverse": {
        const hit = this.reverse(params);
        this.json(res, 200, hit ? this.result(hit, params, format, true) : { error: "Unable to geocode" });
        return;
      }
      default:
        res.writeHead(404, { "content-type": "text/html; charset=utf-8" });
        res.end("<html><body><h1>404 Not Found</h1></body></html>\n");
    }
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
    res.end(JSON.stringify(body));
  }

  // ------------------------------------------------------------------------------------------
  // /search

  private search(params: URLSearchParams): Hit[] {
    const countries = params.get("countrycodes");
    if (countries && !countries.toLowerCase().split(",").includes("pl")) return [];
    // Structured search is free-form search over the joined fields.
    const query =
      params.get("q") ??
      ["amenity", "street", "city", "county", "state", "postalcode", "country"]
        .map((key) => params.get(key))
        .filter((v): v is string => !!v)
        .join(", ");
    const limit = Math.min(40, Math.max(1, Number(params.get("limit") ?? 10)));
    const viewbox = params.get("viewbox")?.split(",").map(Number);
    const bounded = params.get("bounded") === "1" && viewbox?.length === 4;

    const hits = (this.corner(query) ?? this.freeForm(query)).filter(({ indexed: { entry } }) => {
      if (!bounded) return true;
      const [lon1, lat1, lon2, lat2] = viewbox as [number, number, number, number];
      return entry.lon >= Math.min(lon1, lon2) && entry.lon <= Math.max(lon1, lon2) && entry.lat >= Math.min(lat1, lat2) && entry.lat <= Math.max(lat1, lat2);
    });
    return hits.slice(0, limit);
  }

  /** Every query word must name the place or its surroundings (osiedle, city, postcode, ...). */
  private freeForm(query: string): Hit[] {
    const words = tokens(query);
    if (words.length === 0) return [];
    const hits: Hit[] = [];
    for (const indexed of this.entries) {
      if (indexed.entry.kind === "intersection") continue;
      const hit = this.match(words, indexed);
      if (hit) hits.push(hit);
    }
    return hits.sort((a, b) => b.score - a.score || IMPORTANCE[b.indexed.entry.kind] - IMPORTANCE[a.indexed.entry.kind]);
  }

  private match(words: string[], indexed: IndexedEntry): Hit | undefined {
    let houseNumber: string | undefined;
    let named = 0;
    for (const word of words) {
      if (matches(word, indexed.name)) named += 1;
      else if (matches(word, indexed.context)) continue;
      else if (indexed.entry.kind === "street" && houseNumber === undefined && HOUSE_NUMBER.test(word)) {
        houseNumber = word;
      } else return undefined;
    }
    if (named === 0) return undefined;
    return { indexed, houseNumber, score: named / indexed.name.size };
  }

  /**
   * "Cieszyńska róg Karpackiej", "3 Maja i 11 Listopada", "Partyzantów / Olimpijska": the
   * intersection entry of both streets if the gazetteer has one, else the first street's point.
   * Undefined unless the first half names a street, so "Osiedle Mieszka I" stays a plain search.
   */
  private corner(query: string): Hit[] | undefined {
    const parts = fold(query)
      .replace(/^\s*(?:rog|skrzyzowanie)\s+/, "")
      .split(/\s+(?:rog|i|x|&|\/)\s+|(?<=\p{L})\s*[/&]\s*(?=\p{L})/u);
    if (parts.length !== 2) return undefined;
    const [first, second] = parts.map((part) => this.freeForm(part).find((h) => h.indexed.entry.kind === "street"));
    if (!first) return undefined;
    const crossing = second
      ? this.entries.find(({ entry }) => entry.streets?.includes(first.indexed.entry.name) && entry.streets.includes(second.indexed.entry.name))
      : undefined;
    return [{ indexed: crossing ?? first.indexed, score: 1 }];
  }

  // ------------------------------------------------------------------------------------------
  // /reverse

  private reverse(params: URLSearchParams): Hit | undefined {
    const lat = Number(params.get("lat"));
    const lon = Number(params.get("lon"));
    if (!Number.isFinite(lat) || !Number.isFinite(lon)) return undefined;
    // Zoom 16+ asks for a street or building, lower zooms for the osiedle.
    const wantsSuburb = Number(params.get("zoom") ?? 18) < 16;
    let best: IndexedEntry | undefined;
    let bestKm = Infinity;
    for (const indexed of this.entries) {
      const { kind, lat: eLat, lon: eLon } = indexed.entry;
      if (kind === "intersection" || (kind === "suburb") !== wantsSuburb) continue;
      const km = distanceKm(lat, lon, eLat, eLon);
      if (km < bestKm) [best, bestKm] = [indexed, km];
    }
    return best && bestKm <= REVERSE_RADIUS_KM ? { indexed: best, score: 1 } : undefined;
  }

  // ------------------------------------------------------------------------------------------
  // Result objects

  private result(hit: Hit, params: URLSearchParams, format: string, reverse: boolean): Record<string, unknown> {
    const { entry, index } = hit.indexed;
    const house = hit.houseNumber;
    // A house sits a few dozen metres from the street's point, differently for each number.
    const n = house ? parseInt(house, 10) : 0;
    const lat = entry.lat + (house ? 0.00003 * ((n % 40) - 20) : 0);
    const lon = entry.lon + (house ? 0.00004 * (((n * 7) % 40) - 20) : 0);
    const [osmType, osmClass, type, addresstype, placeRank] = house
      ? ["node", "place", "house", "place", 30]
      : entry.kind === "suburb"
        ? ["node", "place", "suburb", "suburb", 20]
        : entry.kind === "landmark"
          ? ["way", entry.osmClass ?? "amenity", entry.osmType ?? "public_building", entry.addressType ?? entry.osmClass ?? "amenity", 30]
          : ["way", "highway", entry.kind === "intersection" ? "crossing" : "residential", "road", 26];
    const half = entry.kind === "suburb" ? 0.01 : entry.kind === "street" && !house ? 0.002 : 0.0005;
    const road = entry.kind === "intersection" ? entry.streets?.[0] : entry.kind === "street" ? entry.name : entry.road;
    const houseNumber = house ?? entry.houseNumber;
    const osmName = entry.osmName ?? entry.name;
    // Nominatim's address runs from the place itself outwards; a landmark's own name comes first.
    const address = withoutUndefined({
      ...(entry.kind === "landmark" ? { [addresstype]: osmName } : {}),
      house_number: houseNumber,
      road,
      suburb: entry.suburb,
      ...CITY,
      postcode: entry.postcode,
    });
    const ownName = entry.kind === "suburb" ? undefined : entry.kind === "landmark" ? osmName : entry.name;
    const displayName = (
      entry.kind === "landmark"
        ? [osmName, houseNumber, road, entry.suburb, CITY.city, CITY.county, CITY.state, entry.postcode, CITY.country]
        : [house, ownName, entry.suburb, CITY.city, CITY.county, CITY.state, entry.postcode, CITY.country]
    )
      .filter((part) => part !== undefined)
      .join(", ");
    // Reverse lookups include the address unless asked not to; searches only when asked.
    const withAddress = params.get("addressdetails") === "1" || (reverse && params.get("addressdetails") !== "0");
    return {
      place_id: 210_000 + index * 10 + (house ? 1 : 0),
      licence: LICENCE,
      osm_type: osmType,
      osm_id: 30_000_000 + index * 97 + n,
      lat: lat.toFixed(7),
      lon: lon.toFixed(7),
      [format === "jsonv2" ? "category" : "class"]: osmClass,
      type,
      place_rank: placeRank,
      importance: IMPORTANCE[entry.kind] - (house ? 0.1 : 0),
      addresstype,
      name: house ? "" : entry.kind === "landmark" ? osmName : entry.name,
      display_name: displayName,
      ...(withAddress ? { address } : {}),
      boundingbox: [lat - half, lat + half, lon - half, lon + half].map((v) => v.toFixed(7)),
    };
  }
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
