// The public threat map (issue 16): one HTML page in Polish, English or Ukrainian, its script and styles from
// src/server/map/, and Leaflet with its marker-cluster plugin from node_modules (no CDN). The page itself
// fetches /api/reports.geojson and /api/districts.geojson from the same server. Files are read on first use
// and kept in memory (about 250 kB, gzipped copies included).
import crypto from "node:crypto";
import fs from "node:fs";
import type http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import zlib from "node:zlib";
import { LOCALES, type Locale } from "../domain/locale.js";
import { CATEGORY_GROUPS, categoriesInGroup } from "../domain/reports/categories.js";
import { STATUSES } from "../domain/reports/status.js";
import { loadLocaleResources } from "../i18n/index.js";
import { projectPath } from "../projectRoot.js";

export interface MapPageOptions {
  /** The bot's username (from getMe) for the "Zgłoś przez Telegram" link; undefined until known. */
  botUsername: () => string | undefined;
  /** Tile URL template, e.g. "https://tile.openstreetmap.org/{z}/{x}/{y}.png"; "" or "off" = no tiles. */
  tileUrl: string;
  /**
   * The map's starting view, [lat, lon, zoom], until the districts are loaded (the page then fits their
   * outlines) and when there are none. Default: Poland.
   */
  initialView?: readonly [number, number, number];
  /** Told when the page's files cannot be read (the request then gets a 500). */
  onError?: (err: unknown) => void;
}

const DEFAULT_VIEW: readonly [number, number, number] = [52.07, 19.48, 6];

/** The page is rendered from current data by the browser; this only bounds how stale its strings and links are. */
const PAGE_CACHE = "public, max-age=60";
/** Asset URLs carry `?v=<hash of every asset>`, so a versioned URL never changes its content. */
const ASSET_CACHE_VERSIONED = "public, max-age=31536000, immutable";
const ASSET_CACHE = "public, max-age=3600";

/** The page's files stay in src/server/map/: the sources, dist/ and the bundle all read them there. */
const PAGE_DIR = projectPath("src", "server", "map") + path.sep;
const requireFromHere = createRequire(import.meta.url);

/** Every file the handler serves under /map/assets/, by its name there. Nothing else is reachable. */
function assetFiles(): Record<string, string> {
  const leaflet = path.dirname(requireFromHere.resolve("leaflet/dist/leaflet.js"));
  const cluster = path.dirname(requireFromHere.resolve("leaflet.markercluster/dist/leaflet.markercluster.js"));
  return {
    "map.js": path.join(PAGE_DIR, "map.js"),
    "map.css": path.join(PAGE_DIR, "map.css"),
    "favicon.svg": path.join(PAGE_DIR, "favicon.svg"),
    "leaflet/leaflet.js": path.join(leaflet, "leaflet.js"),
    "leaflet/leaflet.css": path.join(leaflet, "leaflet.css"),
    "markercluster/leaflet.markercluster.js": path.join(cluster, "leaflet.markercluster.js"),
    "markercluster/MarkerCluster.css": path.join(cluster, "MarkerCluster.css"),
  };
}

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".html": "text/html; charset=utf-8",
};

interface Body {
  raw: Buffer;
  gzip: Buffer;
  type: string;
}

const body = (raw: Buffer, type: string): Body => ({ raw, gzip: zlib.gzipSync(raw), type });

/** Telegram usernames: 5–32 letters, digits and underscores. Anything else is not put into a link. */
const BOT_USERNAME = /^[A-Za-z0-9_]{5,32}$/;

/** Serves GET / and /map (the page), /map/assets/* (its files and Leaflet's from node_modules). True when it answered. */
export function mapPage(options: MapPageOptions): (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => boolean {
  const tiles = tileSource(options.tileUrl);
  const view = options.initialView ?? DEFAULT_VIEW;
  const csp = contentSecurityPolicy(tiles?.origin);
  let loaded: { assets: Map<string, Body>; version: string; template: string; locales: Record<Locale, Record<string, unknown>> } | undefined;
  const pages = new Map<string, Body>();

  const load = () => {
    if (loaded) return loaded;
    const assets = new Map<string, Body>();
    const hash = crypto.createHash("sha256");
    for (const [name, file] of Object.entries(assetFiles())) {
      const raw = fs.readFileSync(file);
      hash.update(name).update(raw);
      assets.set(name, body(raw, TYPES[path.extname(name)] ?? "application/octet-stream"));
    }
    const template = fs.readFileSync(path.join(PAGE_DIR, "index.html"), "utf8");
    hash.update(template);
    loaded = { assets, version: hash.digest("hex").slice(0, 12), template, locales: loadLocaleResources() };
    return loaded;
  };

  return (req, res, url) => {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    if (url.pathname !== "/" && url.pathname !== "/map" && url.pathname !== "/map/" && !url.pathname.startsWith("/map/assets/")) return false;
    try {
      return answer(req, res, url);
    } catch (err) {
      // A missing file (node_modules without Leaflet, a broken checkout) must not take the bot's server down.
      options.onError?.(err);
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end("The map page is not available.");
      return true;
    }
  };

  function answer(req: http.IncomingMessage, res: http.ServerResponse, url: URL): boolean {
    if (url.pathname === "/" || url.pathname === "/map" || url.pathname === "/map/") {
      const { template, version, locales } = load();
      const lang = chooseLocale(url.searchParams.get("lang"), req.headers["accept-language"]);
      const username = options.botUsername();
      const bot = username && BOT_USERNAME.test(username) ? username : undefined;
      const key = `${lang}\u0000${bot ?? ""}`;
      let page = pages.get(key);
      if (!page) {
        page = body(Buffer.from(renderPage(template, { lang, version, bot, tiles, view, resources: locales[lang] }), "utf8"), TYPES[".html"]!);
        pages.set(key, page);
      }
      send(req, res, page, {
        "cache-control": PAGE_CACHE,
        vary: "Accept-Language, Accept-Encoding",
        "content-language": lang,
        "content-security-policy": csp,
      });
      return true;
    }
    if (url.pathname.startsWith("/map/assets/")) {
      const asset = load().assets.get(url.pathname.slice("/map/assets/".length));
      if (!asset) return false;
      const versioned = url.searchParams.get("v") === load().version;
      send(req, res, asset, { "cache-control": versioned ? ASSET_CACHE_VERSIONED : ASSET_CACHE, vary: "Accept-Encoding" });
      return true;
    }
    return false;
  }
}

function send(req: http.IncomingMessage, res: http.ServerResponse, content: Body, headers: Record<string, string>): void {
  const gzip = /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
  const data = gzip ? content.gzip : content.raw;
  res.writeHead(200, {
    "content-type": content.type,
    "content-length": String(data.length),
    ...(gzip ? { "content-encoding": "gzip" } : {}),
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    ...headers,
  });
  res.end(req.method === "HEAD" ? undefined : data);
}

/** `?lang=` wins, then the browser's Accept-Language (by q), then Polish. */
export function chooseLocale(query: string | null, acceptLanguage: string | undefined): Locale {
  if (query && isLocale(query)) return query;
  const ranked = (acceptLanguage ?? "")
    .split(",")
    .map((part, index) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { base: tag.trim().toLowerCase().split("-")[0] ?? "", q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.q > 0 && isLocale(entry.base))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return (ranked[0]?.base as Locale | undefined) ?? "pl";
}

const isLocale = (value: string): value is Locale => (LOCALES as readonly string[]).includes(value);

/** The tile template and the origin images come from (for the CSP), or undefined when tiles are off or the template is not a URL. */
function tileSource(tileUrl: string): { url: string; origin: string } | undefined {
  const url = tileUrl.trim();
  if (url === "" || url === "off") return undefined;
  try {
    // {s} is a subdomain (a, b, c): allow any; other placeholders ({z}, {x}, {y}, {r}) are in the path.
    const parsed = new URL(url.replace(/\{s\}/g, "subdomain-placeholder").replace(/\{[a-z]+\}/gi, "0"));
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return undefined;
    return { url, origin: `${parsed.protocol}//${parsed.host.replace("subdomain-placeholder", "*")}` };
  } catch {
    return undefined;
  }
}

/** Only our own files, the API on the same origin and the tile server's images. No inline script or style. */
function contentSecurityPolicy(tileOrigin: string | undefined): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data:${tileOrigin ? ` ${tileOrigin}` : ""}`,
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");
}

interface PageContext {
  lang: Locale;
  version: string;
  bot: string | undefined;
  tiles: { url: string; origin: string } | undefined;
  view: readonly [number, number, number];
  resources: Record<string, unknown>;
}

const LANGUAGE_NAMES: Record<Locale, string> = { pl: "Polski", en: "English", uk: "Українська" };
const LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/";

/** Fills index.html: `{{t:map.key}}` with the escaped string, `{{name}}` with what the page needs. */
export function renderPage(template: string, ctx: PageContext): string {
  const strings = (ctx.resources.map ?? {}) as Record<string, unknown>;
  const text = (key: string): string => {
    const value = key
      .split(".")
      .reduce<unknown>((node, part) => (node && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined), ctx.resources);
    return typeof value === "string" ? value : key;
  };
  const dict = (section: string) => (ctx.resources[section] ?? {}) as Record<string, string>;
  const categories = dict("categories");
  const statuses = dict("status");
  const groupNames = (strings.groups ?? {}) as Record<string, string>;
  const data = {
    lang: ctx.lang,
    strings,
    groups: CATEGORY_GROUPS.map((group) => ({
      code: group,
      name: groupNames[group] ?? group,
      categories: categoriesInGroup(group)
        .filter((cat) => cat.publicVisibility !== "never")
        .map((cat) => ({ code: cat.code, name: categories[cat.code] ?? cat.code })),
    })),
    statuses: STATUSES.filter((s) => s !== "joke").map((s) => ({ code: s, name: statuses[s] ?? s })),
    bot: ctx.bot ?? null,
    tiles: ctx.tiles?.url ?? null,
    view: ctx.view,
  };
  const licenceLink = `<a href="${LICENCE_URL}" rel="license">CC BY 4.0</a>`;
  const values: Record<string, string> = {
    lang: ctx.lang,
    v: ctx.version,
    data: jsonForScript(data),
    languages: LOCALES.map(
      (l) =>
        `<a href="?lang=${l}" hreflang="${l}" lang="${l}" title="${LANGUAGE_NAMES[l]}"${l === ctx.lang ? ' aria-current="true"' : ""}>${l.toUpperCase()}</a>`,
    ).join(""),
    licence: escapeHtml(text("map.licence")).replace("{{licence}}", licenceLink),
    reportLink: ctx.bot
      ? `<a id="report-link" class="telegram" href="https://t.me/${ctx.bot}?start=map" rel="noopener">${escapeHtml(text("map.report"))}</a>`
      : "",
  };
  return template.replace(/\{\{(t:)?([A-Za-z0-9_.]+)\}\}/g, (whole, isText: string | undefined, name: string) => {
    if (isText) return escapeHtml(text(name));
    return values[name] ?? whole;
  });
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

/** JSON inside <script type="application/json">: no "</script>", "<!--" or line separators can end or confuse it. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}
