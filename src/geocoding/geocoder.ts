import { createRequire } from "node:module";
import type NodeGeocoderFactory from "node-geocoder";
import type { GeocodeCache } from "../db/geocodeCache.js";
import type { Logger } from "../logger.js";
import type { Metrics, NominatimOutcome } from "../ops/metrics.js";
import { addressLabel, type NominatimResult } from "./addressLabel.js";
import { CircuitBreaker } from "./breaker.js";
import { LeftQueue, Pacer, QueueFull } from "./pacer.js";

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
  /** `askedBy`: the user (internal id) who typed the query, so their words can be purged with their data. */
  search(query: string, askedBy?: number): Promise<SearchOutcome>;
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
  /** Counts requests to Nominatim and cache hits for GET /metrics. */
  metrics?: Metrics;
}

/** Bumped when labels are built differently (2: Polish addresses from the address parts). */
const LABEL_FORMAT = 2;

/** A pin hardly waits: its reverse lookup runs only when Nominatim can be asked (almost) right now; else the district labels it. */
const REVERSE_MAX_WAIT_MS = 300;

/**
 * After a timeout, a 5xx, a 429 or a network error, Nominatim counts as down for this long: every lookup
 * answers "unavailable" at once (the resident is asked for a pin); then one lookup probes it. A probe costs
 * its resident at most one timeout. (A constant: GEOCODER_BREAKER_MS would be its setting.)
 */
export const BREAKER_OPEN_MS = 10_000;

/** Why a lookup got no answer. Only these are logged: never what was asked (a typed address, a pin). */
type Reason = "timeout" | "network" | "http-5xx" | "http-429" | "http-4xx" | "bad-answer" | "queue-full" | "down";

/** Nominatim is not answering: the breaker opens on these, not on answers it did not like. */
const OUTAGES: ReadonlySet<Reason> = new Set(["timeout", "network", "http-5xx", "http-429"]);

// node-geocoder wraps errors from our fetch into its own, keeping only the message and `code`: the reason rides in `code`.
const CODE_PREFIX = "nominatim:";

class LookupFailed extends Error {
  readonly code: string;
  constructor(
    readonly reason: Reason,
    readonly status?: number,
  ) {
    super(`Nominatim lookup failed: ${reason}${status ? ` (HTTP ${status})` : ""}`);
    this.code = `${CODE_PREFIX}${reason}:${status ?? ""}`;
  }
}

function failureOf(err: unknown): { reason: Reason; status?: number } {
  if (err instanceof LookupFailed) return { reason: err.reason, status: err.status };
  if (err instanceof QueueFull) return { reason: "queue-full" };
  if (err instanceof LeftQueue) return { reason: "down" };
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code.startsWith(CODE_PREFIX)) {
    const [reason, status] = code.slice(CODE_PREFIX.length).split(":");
    return { reason: reason as Reason, status: status ? Number(status) : undefined };
  }
  // node-geocoder could not read the answer (not JSON, or an error field).
  return { reason: "bad-answer" };
}

// One pacer for the whole process: the policy limit is per application, not per caller.
const pacer = new Pacer(1000);

/** node-geocoder (provider "openstreetmap") against a configurable Nominatim, with a SQLite cache. */
export function createGeocoder(options: GeocoderOptions): Geocoder {
  const { logger, metrics } = options;
  const counted = (outcome: NominatimOutcome) => metrics?.nominatimRequests.inc({ outcome });
  const honestFetch = async (url: string, init: RequestInit = {}) => {
    let res: Response;
    let body: string;
    try {
      res = await fetch(url, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), "user-agent": options.userAgent },
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      // The whole answer within the timeout, not just its headers.
      body = await res.text();
    } catch (err) {
      const reason = (err as Error | null)?.name === "TimeoutError" ? "timeout" : "network";
      counted(reason);
      throw new LookupFailed(reason);
    }
    if (!res.ok) {
      const reason = res.status === 429 ? "http-429" : res.status >= 500 ? "http-5xx" : "http-4xx";
      counted(reason);
      throw new LookupFailed(reason, res.status);
    }
    counted("ok");
    return new Response(body, { status: res.status, headers: res.headers });
  };
  // osmServer is written on the provider's shared prototype: one geocoder per process (toolchain.md).
  // Made at the first lookup: node-geocoder with bluebird is ~70 CommonJS files (~50–90 ms to load) that the bot's
  // first answer need not wait for, and a lookup waits on Nominatim anyway.
  let made: ReturnType<typeof NodeGeocoderFactory> | undefined;
  const nodeGeocoder = () =>
    (made ??= (createRequire(import.meta.url)("node-geocoder") as typeof NodeGeocoderFactory)({
      provider: "openstreetmap",
      osmServer: options.nominatimUrl.replace(/\/+$/, ""),
      fetch: honestFetch as never,
    }));
  const [west, south, east, north] = options.viewbox;
  const breaker = new CircuitBreaker(BREAKER_OPEN_MS);

  /**
   * One request to Nominatim, if the breaker lets it through and the queue's wait stays within `maxWaitMs`;
   * a request still waiting when the breaker opens gives up at once. Its outcome moves the breaker.
   */
  const ask = async <T>(call: () => Promise<T>, maxWaitMs: number): Promise<T> => {
    const admission = breaker.admit();
    if (!admission) throw new LookupFailed("down");
    let result: T;
    try {
      result = await pacer.run(call, { maxWaitMs, signal: breaker.opened });
    } catch (err) {
      const { reason, status } = failureOf(err);
      if (reason === "queue-full" || reason === "down") breaker.released(admission);
      else if (!OUTAGES.has(reason)) breaker.answered();
      else if (breaker.failed())
        logger.warn({ reason, status, pauseMs: BREAKER_OPEN_MS }, "Nominatim is down: typed addresses get the pin question at once for a while");
      else if (admission === "probe") logger.info({ reason, status }, "Nominatim is still down");
      throw err;
    }
    if (breaker.answered()) logger.info("Nominatim answers again");
    return result;
  };

  const cached = async <T>(key: string, load: () => Promise<T>, askedBy?: number): Promise<T> => {
    const hit = await options.cache.get(key, askedBy);
    if (hit !== undefined) {
      metrics?.geocodeCacheHits.inc();
      return JSON.parse(hit) as T;
    }
    const value = await load();
    // An answer Nominatim already gave is used even if it could not be kept.
    await options.cache
      .put(key, JSON.stringify(value), new Date(), askedBy)
      .catch((err: unknown) => logger.warn({ err: String(err) }, "geocoding answer not cached"));
    return value;
  };

  /** Logs a lookup that got no answer: that it failed and why, never what was asked. */
  const logFailure = (what: "geocoding" | "reverse geocoding", err: unknown) => {
    const { reason, status } = failureOf(err);
    // A known outage or a busy queue is the design working, not news: the outage itself was logged once.
    if (reason === "down") logger.debug(`${what} skipped: Nominatim is down`);
    // A pin never waits for the queue (its label falls back to the district), a typed address only up to the timeout.
    else if (reason === "queue-full" && what === "reverse geocoding") logger.debug("reverse geocoding skipped: Nominatim is busy");
    else if (reason === "queue-full") logger.info({ reason }, "geocoding skipped: the queue would wait longer than the timeout");
    else logger.warn({ reason, status }, `${what} failed`);
  };

  // Keys carry the label format: answers cached with an older format are asked again, not shown.
  const reverseKey = (lat: number, lon: number) => `reverse:${LABEL_FORMAT}:${lat.toFixed(5)},${lon.toFixed(5)}`;
  return {
    async remember(lat, lon, label) {
      await options.cache
        .put(reverseKey(lat, lon), JSON.stringify(label), new Date())
        .catch((err: unknown) => logger.warn({ err: String(err) }, "place label not cached"));
    },
    async search(query, askedBy) {
      const q = query.trim().replace(/\s+/g, " ");
      try {
        const places = await cached(
          `search:${LABEL_FORMAT}:${q.toLowerCase()}`,
          async () => {
            // A resident waits in the queue no longer than Nominatim may take to answer: past that, a pin.
            const results = await ask(
              () =>
                nodeGeocoder().geocode({
                  q,
                  countrycodes: "pl",
                  limit: 5,
                  viewbox: `${west},${north},${east},${south}`,
                  bounded: 1,
                } as never),
              options.timeoutMs,
            );
            const places: Place[] = [];
            for (const row of rawResults(results)) {
              const lat = Number(row.lat);
              const lon = Number(row.lon);
              if (row.lat == null || row.lon == null || !Number.isFinite(lat) || !Number.isFinite(lon)) continue;
              places.push({ lat, lon, label: addressLabel(row) ?? q });
            }
            return dedupe(places);
          },
          askedBy,
        );
        return { kind: "found", places };
      } catch (err) {
        logFailure("geocoding", err);
        return { kind: "unavailable" };
      }
    },
    async reverse(lat, lon) {
      try {
        const label = await cached(reverseKey(lat, lon), async () => {
          const results = await ask(
            () =>
              nodeGeocoder()
                .reverse({ lat, lon, zoom: 18 } as never)
                .catch((err: unknown) => {
                  // Nominatim's "Unable to geocode" (open sea, another country) is an answer, not an outage.
                  if (/unable to geocode/i.test(String(err))) return null;
                  throw err;
                }),
            REVERSE_MAX_WAIT_MS,
          );
          const first = results ? rawResults(results)[0] : undefined;
          return (first && addressLabel(first)) ?? null;
        });
        return label ? { kind: "found", label } : { kind: "none" };
      } catch (err) {
        logFailure("reverse geocoding", err);
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
