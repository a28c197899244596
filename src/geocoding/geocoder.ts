import NodeGeocoder from "node-geocoder";
import type { GeocodeCache } from "../db/geocodeCache.js";
import type { Logger } from "../logger.js";
import { addressLabel, type NominatimResult } from "./addressLabel.js";
import { Pacer } from "./pacer.js";

export interface Place {
  lat: number;
  lon: number;
  /** A readable Polish address, e.g. "ul. Cieszyńska 10, Bielsko-Biała" (see addressLabel.ts). */
  label: string;
}

/** "unavailable" = Nominatim down, erroring or slower than the timeout: the caller asks for a pin instead. */
export type SearchOutcome = { kind: "found"; places: Place[] } | { kind: "unavailable" };
export type ReverseOutcome = { kind: "found"; label: string } | { kind: "none" } | { kind: "unavailable" };

export interface Geocoder {
  search(query: string): Promise<SearchOutcome>;
  reverse(lat: number, lon: number): Promise<ReverseOutcome>;
  /** Remembers the label a resident chose for a point, so later reverse lookups of it need no request. */
  remember(lat: number, lon: number, label: string): Promise<void>;
}

export interface GeocoderOptions {
  nominatimUrl: string;
  userAgent: string;
  timeoutMs: number;
  /** west, south, east, north: the service area, so Nominatim prefers (and bounds to) places in it. */
  viewbox: [number, number, number, number];
  cache: GeocodeCache;
  logger: Logger;
}

/** Bumped when labels are built differently (2: Polish addresses from the address parts). */
const LABEL_FORMAT = 2;

/** A pin waits for no queue: reverse lookups run only when Nominatim can be asked right now. */
const REVERSE_MAX_WAIT_MS = 0;

class QueueBusy extends Error {
  constructor() {
    super("geocoding queue is busy");
  }
}

// One pacer for the whole process: the policy limit is per application, not per caller.
const pacer = new Pacer(1000);

/** node-geocoder (provider "openstreetmap") against a configurable Nominatim, with a SQLite cache. */
export function createGeocoder(options: GeocoderOptions): Geocoder {
  const honestFetch = async (url: string, init: RequestInit = {}) => {
    const res = await fetch(url, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), "user-agent": options.userAgent },
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    if (!res.ok) throw new Error(`Nominatim answered HTTP ${res.status}`);
    return res;
  };
  // osmServer is written on the provider's shared prototype: one geocoder per process (toolchain.md).
  const nodeGeocoder = NodeGeocoder({
    provider: "openstreetmap",
    osmServer: options.nominatimUrl.replace(/\/+$/, ""),
    fetch: honestFetch as never,
  } as NodeGeocoder.Options);
  const [west, south, east, north] = options.viewbox;

  const cached = async <T>(key: string, load: () => Promise<T>): Promise<T> => {
    const hit = options.cache.get(key);
    if (hit !== undefined) return JSON.parse(hit) as T;
    const value = await load();
    // An answer Nominatim already gave is used even if it could not be kept.
    await options.cache.put(key, JSON.stringify(value), new Date()).catch((err: unknown) => options.logger.warn({ err: String(err) }, "geocoding answer not cached"));
    return value;
  };

  // Keys carry the label format: answers cached with an older format are asked again, not shown.
  const reverseKey = (lat: number, lon: number) => `reverse:${LABEL_FORMAT}:${lat.toFixed(5)},${lon.toFixed(5)}`;
  return {
    async remember(lat, lon, label) {
      await options.cache.put(reverseKey(lat, lon), JSON.stringify(label), new Date()).catch((err: unknown) => options.logger.warn({ err: String(err) }, "place label not cached"));
    },
    async search(query) {
      const q = query.trim().replace(/\s+/g, " ");
      try {
        const places = await cached(`search:${LABEL_FORMAT}:${q.toLowerCase()}`, async () => {
          // A resident should not wait in a long queue: past the timeout, ask for a pin instead.
          if (pacer.expectedWait() > options.timeoutMs) throw new Error("geocoding queue is full");
          const results = await pacer.run(() =>
            nodeGeocoder.geocode({
              q,
              countrycodes: "pl",
              limit: 5,
              viewbox: `${west},${north},${east},${south}`,
              bounded: 1,
            } as never),
          );
          const places: Place[] = [];
          for (const row of rawResults(results)) {
            const lat = Number(row.lat);
            const lon = Number(row.lon);
            if (row.lat == null || row.lon == null || !Number.isFinite(lat) || !Number.isFinite(lon)) continue;
            places.push({ lat, lon, label: addressLabel(row) ?? q });
          }
          return dedupe(places);
        });
        return { kind: "found", places };
      } catch (err) {
        options.logger.warn({ err: String(err), query: q }, "geocoding failed");
        return { kind: "unavailable" };
      }
    },
    async reverse(lat, lon) {
      try {
        const label = await cached(reverseKey(lat, lon), async () => {
          if (pacer.expectedWait() > REVERSE_MAX_WAIT_MS) throw new QueueBusy();
          try {
            const results = await pacer.run(() => nodeGeocoder.reverse({ lat, lon, zoom: 18 } as never));
            const first = rawResults(results)[0];
            return (first && addressLabel(first)) ?? null;
          } catch (err) {
            // Nominatim's "Unable to geocode" (open sea, another country) is an answer, not an outage.
            if (/unable to geocode/i.test(String(err))) return null;
            throw err;
          }
        });
        return label ? { kind: "found", label } : { kind: "none" };
      } catch (err) {
        // A busy queue is the design working (the pin gets the district's name), not a failure to report.
        if (err instanceof QueueBusy) options.logger.debug("reverse geocoding skipped: Nominatim was asked within the last second");
        else options.logger.warn({ err: String(err) }, "reverse geocoding failed");
        return { kind: "unavailable" };
      }
    },
  };
}

/** Nominatim's own answer behind node-geocoder's results (it keeps only some address parts): an object for reverse, a list for search. */
function rawResults(results: unknown): (NominatimResult & { lat?: unknown; lon?: unknown })[] {
  const raw = (results as { raw?: unknown }).raw;
  const rows = Array.isArray(raw) ? raw : raw ? [raw] : [];
  return rows.filter((r): r is NominatimResult & { lat?: unknown; lon?: unknown } => typeof r === "object" && r !== null);
}

function dedupe(places: Place[]): Place[] {
  const seen = new Set<string>();
  return places.filter((p) => {
    const key = p.label.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
