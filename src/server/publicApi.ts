import crypto from "node:crypto";
import type http from "node:http";
import zlib from "node:zlib";
import type { Database } from "../db/connection.js";
import { findCategory, type CategoryGroup } from "../domain/reports/categories.js";
import type { PublicMapRule } from "../domain/reports/publicMap.js";
import { isStatus, type Status } from "../domain/reports/status.js";
import type { Locale } from "../domain/locale.js";
import { isLocale, type I18n } from "../i18n/index.js";
import type { Logger } from "../logger.js";
import type { PublicNames } from "../publicData/publicReport.js";
import { reportsCsv, reportsGeoJson } from "../publicData/reportFiles.js";
import {
  open311Body,
  open311Discovery,
  open311Error,
  open311Request,
  open311Services,
  parseRequestsQuery,
  statusesWithOpen311Status,
  type Open311Documents,
  type Open311Format,
  type Open311Root,
} from "../publicData/open311.js";
import type { DistrictDirectory } from "../services/districtDirectory.js";
import { listPublicReports, type PublicReportFilter } from "../services/publicReports.js";

export interface PublicApiOptions {
  db: Database;
  i18n: I18n;
  rule: PublicMapRule;
  directory: DistrictDirectory;
  logger: Logger;
  now: () => Date;
  /**
   * Answers are kept this long, by path and query (PUBLIC_CACHE_SECONDS): a busy map asks the same few questions
   * (the default filters) many times a second, and each would otherwise cost a query and its rendering on the bot's
   * own thread. Within what Cache-Control lets any cache keep anyway; a question asked again while its answer is
   * being made waits for that one. Wall-clock time: the injected clock of tests may stand still.
   */
  cacheMs: number;
}

/** A public answer: short-lived in caches (reports change by the minute), open to any site (CORS). */
const CACHE_SECONDS = 60;
const SERVER_CACHE_ENTRIES = 500;
const DEFAULT_DAYS = 30;
const MAX_DAYS = 3_660;
/** Rows per page of the report files: the whole of a month in most places, a page of it nationally. */
const DEFAULT_LIMIT = 5_000;
const MAX_LIMIT = 10_000;
const DAY_MS = 24 * 3600_000;

type Route = (url: URL, names: PublicNames) => Promise<Answer>;
interface Answer {
  status: number;
  type: string;
  body: string;
  headers?: Record<string, string>;
}

/** What went wrong with a request, by the key of its text in locales/ (api.error.*). */
class BadRequest extends Error {
  constructor(
    readonly key: string,
    readonly values: Record<string, unknown> = {},
  ) {
    super(key);
  }
}

/**
 * The open data (issue #16): GET /api/reports.geojson, /api/reports.csv, /api/districts.geojson, and Open311
 * GeoReport v2, read-only (/open311/v2/discovery, services, requests and requests/<id>, each .json or .xml). Every
 * report comes from listPublicReports, so each shows what the public rule lets out and nothing more. Returns a
 * handler that answers the paths it serves (true) and leaves every other request alone (false).
 */
export function publicApi(options: PublicApiOptions): (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => boolean {
  const routes = new Map<string, Route>([
    ["/api/reports.geojson", async (url, names) => reportFile(url, names, "geojson")],
    ["/api/reports.csv", async (url, names) => reportFile(url, names, "csv")],
    ["/api/districts.geojson", async () => districtsFile()],
  ]);
  for (const format of ["json", "xml"] as const) {
    routes.set(`/open311/v2/discovery.${format}`, async (url) =>
      open311Answer(format, "discovery", open311Discovery(open311Base(url), OPEN311_CHANGESET, OPEN311_CONTACT)),
    );
    routes.set(`/open311/v2/services.${format}`, async (_url, names) => open311Answer(format, "services", open311Services(names)));
    routes.set(`/open311/v2/requests.${format}`, async (url, names) => open311Requests(format, url, names));
  }

  async function open311Requests(format: Open311Format, url: URL, names: PublicNames): Promise<Answer> {
    const parsed = parseRequestsQuery(url.searchParams, options.now());
    if (!parsed.ok) return open311Answer(format, "errors", [parsed.error], 400);
    const q = parsed.query;
    const reports = await listPublicReports(options.db, options.rule, options.now(), {
      ...(q.serviceCodes ? { categories: q.serviceCodes } : {}),
      ...(q.status ? { statuses: statusesWithOpen311Status(q.status) } : {}),
      ...(q.startDate ? { createdFrom: q.startDate } : {}),
      // The specification's end date is inclusive; the filter's bound is not.
      ...(q.endDate ? { createdBefore: new Date(q.endDate.getTime() + 1) } : {}),
      ...(q.ids ? { refs: q.ids } : {}),
      limit: q.pageSize,
      offset: (q.page - 1) * q.pageSize,
    });
    return open311Answer(
      format,
      "service_requests",
      reports.map((r) => open311Request(r, names)),
    );
  }

  /** GET /open311/v2/requests/<id>.<format>: one request, as a list of one (the specification's shape). */
  async function open311One(format: Open311Format, id: string, names: PublicNames): Promise<Answer> {
    const reports = await listPublicReports(options.db, options.rule, options.now(), { refs: [id], limit: 1 });
    if (!reports.length) return open311Answer(format, "errors", open311Error(404, `no public service request ${id.slice(0, 40)}`), 404);
    return open311Answer(
      format,
      "service_requests",
      reports.map((r) => open311Request(r, names)),
    );
  }

  async function reportFile(url: URL, names: PublicNames, kind: "geojson" | "csv"): Promise<Answer> {
    const filter = reportFilter(url.searchParams, options.now());
    const reports = await listPublicReports(options.db, options.rule, options.now(), filter);
    const next = reports.length === filter.limit ? pageUrl(url, (filter.offset ?? 0) / filter.limit + 2) : undefined;
    const lastModified = reports.reduce((max, r) => Math.max(max, r.updatedAt.getTime()), 0);
    const headers: Record<string, string> = {
      ...(lastModified ? { "last-modified": new Date(lastModified).toUTCString() } : {}),
      ...(next ? { link: `<${next}>; rel="next"` } : {}),
    };
    if (kind === "csv")
      return {
        status: 200,
        type: "text/csv; charset=utf-8",
        body: reportsCsv(reports, names),
        headers: { ...headers, "content-disposition": 'inline; filename="zgloszenia.csv"' },
      };
    return { status: 200, type: "application/geo+json; charset=utf-8", body: JSON.stringify(reportsGeoJson(reports, names, { next })), headers };
  }

  async function districtsFile(): Promise<Answer> {
    const rows = await options.db.selectFrom("District").select(["id", "geometry"]).orderBy("number").execute();
    const features: string[] = [];
    for (const row of rows) {
      const d = options.directory.byId(row.id);
      if (!d) continue;
      const properties = {
        number: d.number,
        name: d.name,
        unit: { name: d.unit.name, address: d.unit.address, phone: d.unit.dutyPhone ?? d.unit.switchboardPhone },
        officer: d.officer && {
          rank: d.officer.rank,
          firstName: d.officer.firstName,
          lastName: d.officer.lastName,
          phone: d.officer.phone,
          email: d.officer.email,
          dutyHours: d.officer.dutyHours,
        },
        plan: d.plan,
      };
      // The stored geometry is GeoJSON already (checked at import): it goes in as it is.
      features.push(`{"type":"Feature","id":${JSON.stringify(d.number)},"geometry":${row.geometry},"properties":${JSON.stringify(properties)}}`);
    }
    const body = `{"type":"FeatureCollection","features":[${features.join(",")}]}`;
    return { status: 200, type: "application/geo+json; charset=utf-8", body };
  }

  const cache = new Map<string, { at: number; answer: Promise<Prepared> }>();
  const answerFor = (route: Route, url: URL): Promise<Prepared> => {
    const key = `${url.pathname}${url.search}`;
    const now = Date.now();
    const cached = cache.get(key);
    if (cached && now - cached.at < options.cacheMs) return cached.answer;
    const locale = localeOf(url, options.i18n.defaultLocale);
    const answer = route(url, publicNames(options.i18n, locale)).then((a) => new Prepared(a));
    cache.delete(key);
    if (cache.size >= SERVER_CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
    cache.set(key, { at: now, answer });
    // A failure is not kept: the next request tries again.
    answer.catch(() => cache.get(key)?.answer === answer && cache.delete(key));
    return answer;
  };

  const ONE_REQUEST = /^\/open311\/v2\/requests\/([A-Za-z0-9-]{1,40})\.(json|xml)$/;
  const routeOf = (pathname: string): Route | undefined => {
    const one = ONE_REQUEST.exec(pathname);
    if (one) return async (_url, names) => open311One(one[2] as Open311Format, one[1]!, names);
    return routes.get(pathname);
  };

  return (req, res, requested) => {
    const route = routeOf(requested.pathname);
    if (!route || (req.method !== "GET" && req.method !== "HEAD")) return false;
    const url = new URL(`${requested.pathname}${requested.search}`, originOf(req));
    const locale = localeOf(url, options.i18n.defaultLocale);
    answerFor(route, url).then(
      (answer) => send(req, res, answer),
      (err: unknown) => {
        if (err instanceof BadRequest) {
          const text = options.i18n.t(locale, `api.error.${err.key}`, err.values);
          send(req, res, new Prepared({ status: 400, type: "application/json; charset=utf-8", body: JSON.stringify({ error: err.key, message: text }) }));
          return;
        }
        options.logger.error({ err, path: url.pathname }, "public data request failed");
        send(req, res, new Prepared({ status: 500, type: "application/json; charset=utf-8", body: JSON.stringify({ error: "internal" }) }));
      },
    );
    return true;
  };
}

/** Open311 documents as an answer, in the format the path asked for. */
function open311Answer<R extends Open311Root>(format: Open311Format, root: R, content: Open311Documents[R], status = 200): Answer {
  const { contentType, body } = open311Body(format, root, content);
  return { status, type: contentType, body };
}

/** Where this server's Open311 endpoint is, as the client reached it. */
function open311Base(url: URL): string {
  return `${url.origin}/open311/v2`;
}

/** The origin the client used: behind a reverse proxy, its forwarded host and scheme. */
function originOf(req: http.IncomingMessage): string {
  const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value)?.split(",")[0]?.trim();
  const proto = first(req.headers["x-forwarded-proto"]) === "https" ? "https" : "http";
  const host = first(req.headers["x-forwarded-host"]) ?? req.headers.host ?? "localhost";
  return /^[A-Za-z0-9.:[\]-]+$/.test(host) ? `${proto}://${host}` : "http://localhost";
}

/** When the Open311 service list last changed (the categories of 2022; see domain/reports/categories.ts). */
const OPEN311_CHANGESET = new Date("2026-12-04T00:00:00Z");
const OPEN311_CONTACT = "Dzielnicowy: zgłoszenia przez Telegram; dane na licencji CC BY 4.0";

/** The page's language (?lang=), else the deployment's default. */
function localeOf(url: URL, fallback: Locale): Locale {
  const lang = url.searchParams.get("lang");
  return lang && isLocale(lang) ? lang : fallback;
}

/** Names from locales/, in the language asked for. */
export function publicNames(i18n: I18n, locale: Locale): PublicNames {
  return {
    category: (code) => i18n.t(locale, `categories.${code}`),
    // The map's plain group names: the bot's own (categoryGroups) are button labels ("Ruch drogowy — inne").
    group: (group: CategoryGroup) => i18n.t(locale, `map.groups.${group}`),
    status: (status: Status) => i18n.t(locale, `status.${status}`),
  };
}

/** The query's filters; anything malformed is a BadRequest (never a silent default). */
export function reportFilter(params: URLSearchParams, now: Date): PublicReportFilter {
  const list = (name: string) =>
    params
      .get(name)
      ?.split(",")
      .map((v) => v.trim())
      .filter(Boolean);
  const categories = list("category");
  for (const code of categories ?? [])
    if (!findCategory(code) || findCategory(code)!.publicVisibility === "never") throw new BadRequest("category", { value: code });
  const statuses = list("status");
  for (const status of statuses ?? []) if (!isStatus(status) || status === "joke") throw new BadRequest("status", { value: status });
  const int = (name: string, fallback: number, min: number, max: number) => {
    const raw = params.get(name);
    if (raw === null || raw === "") return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new BadRequest("range", { name, min, max });
    return n;
  };
  const date = (name: string) => {
    const raw = params.get(name);
    if (!raw) return undefined;
    const d = new Date(raw);
    if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(d.getTime())) throw new BadRequest("date", { name });
    return d;
  };
  const from = date("from");
  const to = date("to");
  const days = int("days", DEFAULT_DAYS, 1, MAX_DAYS);
  const limit = int("limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
  const page = int("page", 1, 1, 1_000_000);
  return {
    ...(categories ? { categories } : {}),
    ...(statuses ? { statuses: statuses as Status[] } : {}),
    // An explicit period wins over `days` (the last N days up to now).
    createdFrom: from ?? new Date(now.getTime() - days * DAY_MS),
    ...(to ? { createdBefore: to } : {}),
    limit,
    offset: (page - 1) * limit,
  };
}

function pageUrl(url: URL, page: number): string {
  const next = new URL(url);
  next.searchParams.set("page", String(page));
  return `${next.pathname}${next.search}`;
}

/** An answer ready to send, made once however often it is sent: its bytes, their ETag and, asked for, their gzip. */
class Prepared {
  readonly body: Buffer;
  readonly headers: Record<string, string>;
  private gzipped: Buffer | undefined;

  constructor(readonly answer: Answer) {
    this.body = Buffer.from(answer.body);
    const etag = `"${crypto.createHash("sha1").update(this.body).digest("base64url")}"`;
    this.headers = {
      "content-type": answer.type,
      "access-control-allow-origin": "*",
      "cache-control": answer.status === 200 ? `public, max-age=${CACHE_SECONDS}` : "no-store",
      vary: "accept-encoding",
      ...(answer.status === 200 ? { etag } : {}),
      ...answer.headers,
    };
  }

  /** GeoJSON and CSV shrink about tenfold: worth it past a few kilobytes. */
  gzip(): Buffer | undefined {
    if (this.body.length < 2048) return undefined;
    return (this.gzipped ??= zlib.gzipSync(this.body));
  }
}

/** Sends the answer with the public headers; a request whose ETag still matches gets 304 and no body. */
function send(req: http.IncomingMessage, res: http.ServerResponse, prepared: Prepared): void {
  const { status } = prepared.answer;
  // Only the ETag decides a 304: a report dropping off the map changes the file without changing any row's date.
  const etag = prepared.headers.etag;
  if (etag && req.headers["if-none-match"]?.split(/\s*,\s*/).includes(etag)) {
    res.writeHead(304, prepared.headers).end();
    return;
  }
  const gzip = /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? "")) ? prepared.gzip() : undefined;
  const body = gzip ?? prepared.body;
  res.writeHead(status, { ...prepared.headers, ...(gzip ? { "content-encoding": "gzip" } : {}), "content-length": String(body.length) });
  res.end(req.method === "HEAD" ? undefined : body);
}
