// What GET /metrics shows (Prometheus' text format): one registry per running app, never prom-client's global
// one, so that the several apps a test process runs do not count into each other.
import fs from "node:fs";
import os from "node:os";
import type { Registry } from "prom-client";
import { projectPath } from "../projectRoot.js";

/** Update kinds the bot asks Telegram for (app.ts' ALLOWED_UPDATES); anything else is "other", so labels stay few. */
const UPDATE_TYPES: ReadonlySet<string> = new Set(["message", "edited_message", "callback_query", "my_chat_member"]);

/** What a request to Nominatim came to: an answer, or why there was none. */
export type NominatimOutcome = "ok" | "timeout" | "network" | "http-429" | "http-5xx" | "http-4xx";

/** A counter as the app uses it (prom-client's, or one that counts nothing). */
export interface Count {
  inc(): void;
}
export interface LabelledCount<L extends string> {
  inc(labels: Partial<Record<L, string>>): void;
}

export interface Metrics {
  /** Undefined when nothing can scrape (no PORT): prom-client is then not even loaded (it costs ~2 MB of heap). */
  readonly registry: Registry | undefined;
  /** Names this process in /healthz and in dzielnicowy_instance_info: host and pid. */
  readonly instanceId: string;
  /** One handled update (by its kind) and how long it took, from its arrival at the bot to its end. */
  update(update: object, seconds: number): void;
  readonly reportsCreated: Count;
  readonly outboxSent: Count;
  readonly outboxFailed: Count;
  readonly outboxRetried: Count;
  readonly telegram429: Count;
  readonly nominatimRequests: LabelledCount<"outcome">;
  readonly geocodeCacheHits: Count;
}

export interface MetricsOptions {
  /** Rows waiting in the outbox: read from the database at each scrape (a cheap indexed count). */
  pendingOutbox: () => Promise<number>;
  /**
   * Whether GET /metrics is served (PORT is set). Otherwise nothing is counted and prom-client is not loaded; nor
   * are its process metrics, whose event-loop monitor and GC observer would cost an idle bot wake-ups for nothing.
   */
  served: boolean;
}

const NOT_COUNTED: Count & LabelledCount<string> = { inc: () => {} };

export async function createMetrics(options: MetricsOptions): Promise<Metrics> {
  const instanceId = `${os.hostname()}:${process.pid}`;
  if (!options.served) {
    return {
      registry: undefined,
      instanceId,
      update: () => {},
      reportsCreated: NOT_COUNTED,
      outboxSent: NOT_COUNTED,
      outboxFailed: NOT_COUNTED,
      outboxRetried: NOT_COUNTED,
      telegram429: NOT_COUNTED,
      nominatimRequests: NOT_COUNTED,
      geocodeCacheHits: NOT_COUNTED,
    };
  }
  const { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } = await import("prom-client");
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });

  new Gauge({
    name: "dzielnicowy_instance_info",
    help: "This instance (host:pid) and the app's version; always 1.",
    labelNames: ["instance_id", "version"],
    registers,
  }).set({ instance_id: instanceId, version: VERSION }, 1);
  const updates = new Counter({ name: "dzielnicowy_updates_total", help: "Telegram updates handled, by kind.", labelNames: ["type"], registers });
  const updateDuration = new Histogram({
    name: "dzielnicowy_update_duration_seconds",
    help: "Time from an update reaching the bot to the end of its handling (includes waiting behind its chat's earlier updates).",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  new Gauge({
    name: "dzielnicowy_outbox_pending",
    help: "Messages waiting in the outbox (due now or later), read from the database at each scrape.",
    registers,
    async collect() {
      // Unknown (NaN) while the database does not answer: the rest of the page is still worth having.
      this.set(await options.pendingOutbox().catch(() => NaN));
    },
  });
  return {
    registry,
    instanceId,
    update(update, seconds) {
      const type = Object.keys(update).find((key) => key !== "update_id");
      updates.inc({ type: type && UPDATE_TYPES.has(type) ? type : "other" });
      updateDuration.observe(seconds);
    },
    reportsCreated: new Counter({ name: "dzielnicowy_reports_created_total", help: "Reports residents created.", registers }),
    outboxSent: new Counter({ name: "dzielnicowy_outbox_sent_total", help: "Outbox messages Telegram took.", registers }),
    outboxFailed: new Counter({ name: "dzielnicowy_outbox_failed_total", help: "Outbox messages given up (refused, or failing too often).", registers }),
    outboxRetried: new Counter({
      name: "dzielnicowy_outbox_retried_total",
      help: "Outbox sends that will be tried again (5xx, network, 429, 401).",
      registers,
    }),
    telegram429: new Counter({ name: "dzielnicowy_telegram_429_total", help: "429 (flood control) answers from Telegram, handlers and outbox.", registers }),
    nominatimRequests: new Counter({
      name: "dzielnicowy_nominatim_requests_total",
      help: "Requests sent to Nominatim, by outcome (ok, timeout, network, http-429, http-5xx, http-4xx).",
      labelNames: ["outcome"],
      registers,
    }),
    geocodeCacheHits: new Counter({ name: "dzielnicowy_geocode_cache_hits_total", help: "Geocoding answers taken from the cache.", registers }),
  };
}

/** package.json's version, from the project root (the sources, dist/ and the bundle alike). */
const VERSION = ((): string => {
  try {
    const pkg = JSON.parse(fs.readFileSync(projectPath("package.json"), "utf8")) as { version?: unknown };
    return typeof pkg.version === "string" ? pkg.version : "unknown";
  } catch {
    return "unknown";
  }
})();
