import { CATEGORIES, type CategoryGroup } from "../domain/reports/categories.js";
import { ACTIVE_STATUSES, STATUSES, type Status } from "../domain/reports/status.js";
import type { PublicReport } from "./publicReport.js";

/**
 * Open311 GeoReport v2, read only (issue #16): the documents of GET discovery, services, requests and their errors,
 * and the reading of GET requests' query. No HTTP, no database: the server feeds it PublicReport rows (already
 * through the public rule) and sends what comes back. Field and element names are the spec's
 * (http://wiki.open311.org/GeoReport_v2, http://wiki.open311.org/Service_Discovery); XML is the required format,
 * JSON the same objects through JSON.stringify.
 */

export const OPEN311_SPECIFICATION = "http://wiki.open311.org/GeoReport_v2";

/** page_size when none is asked for. page and page_size are not in v2 itself (proposed for v2.1; Chicago, Austin use them). */
export const OPEN311_DEFAULT_PAGE_SIZE = 100;
/** The spec's response volume: "a span of 90 days or first 1000 requests returned, whichever is smallest". */
export const OPEN311_MAX_PAGE_SIZE = 1000;
export const OPEN311_MAX_SPAN_DAYS = 90;
/** Far beyond any real data; keeps (page - 1) × page_size a small, safe integer. */
const MAX_PAGE = 1_000_000;

const DAY_MS = 24 * 3600_000;

export type Open311Status = "open" | "closed";

/**
 * The words Open311 shows, from the caller's i18next (Polish by default). Labels pass through `plainLabel`, so
 * the chat's menu labels ("🚗 Ruch drogowy") may be handed over as they are: the emoji is dropped here.
 */
export interface Open311Names {
  category(code: string): string;
  group(group: CategoryGroup): string;
  status(status: Status): string;
}

export interface Open311Service {
  service_code: string;
  service_name: string;
  description: string;
  /** No service definitions: nothing is ever posted here. */
  metadata: false;
  type: "realtime";
  keywords: string;
  group: string;
}

/**
 * One report, every GeoReport v2 field present, in the spec's order. The literal "" types are the privacy rule
 * written into the type: the resident's description, the address and the photos are never public.
 */
export interface Open311Request {
  service_request_id: string;
  status: Open311Status;
  status_notes: string;
  service_name: string;
  service_code: string;
  description: "";
  agency_responsible: string;
  service_notice: "";
  requested_datetime: string;
  updated_datetime: string;
  /** No promise of a date: null (an empty string would not be a w3 datetime). */
  expected_datetime: null;
  address: "";
  address_id: "";
  zipcode: "";
  lat: number;
  long: number;
  media_url: "";
}

export interface Open311Endpoint {
  specification: string;
  url: string;
  changeset: string;
  type: "production" | "test";
  formats: string[];
}

export interface Open311Discovery {
  changeset: string;
  contact: string;
  key_service: string;
  endpoints: Open311Endpoint[];
}

export interface Open311Error {
  code: number;
  description: string;
}

/** Each root element and what it holds (services, requests and errors are lists; discovery is one object). */
export interface Open311Documents {
  services: readonly Open311Service[];
  service_requests: readonly Open311Request[];
  discovery: Open311Discovery;
  errors: readonly Open311Error[];
}
export type Open311Root = keyof Open311Documents;
export type Open311Format = "json" | "xml";

// ---- Status ----------------------------------------------------------------------------------------------------

/** Open while the problem is live (ACTIVE_STATUSES: new, verification, confirmed, referred); closed once settled. */
export function open311StatusOf(status: Status): Open311Status {
  return ACTIVE_STATUSES.includes(status) ? "open" : "closed";
}

/** The statuses behind an Open311 status, for the query. */
export function statusesWithOpen311Status(status: Open311Status): Status[] {
  return STATUSES.filter((s) => open311StatusOf(s) === status);
}

// ---- Documents -------------------------------------------------------------------------------------------------

/** W3C-DTF in UTC to the second ("2026-11-29T10:15:00Z"): the spec's own example form; every datetime here has it. */
export function w3cDateTime(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A label without the emoji or marks a chat menu puts in front of it: Open311 text is plain. */
export function plainLabel(label: string): string {
  return label.replace(/^[^\p{L}\p{N}]+/u, "").trim();
}

/** The categories that can ever be public: those marked "never" (drugs, animal cruelty) are not even listed. */
const LISTED_CATEGORIES = CATEGORIES.filter((c) => c.publicVisibility !== "never");
const LISTED_CODES = new Set(LISTED_CATEGORIES.map((c) => c.code));

/** GET services: one service per listed category, in the order of CATEGORIES. */
export function open311Services(names: Open311Names): Open311Service[] {
  return LISTED_CATEGORIES.map((category): Open311Service => ({
    service_code: category.code,
    service_name: plainLabel(names.category(category.code)),
    // The exact name of the national KMZB service, whatever the language of service_name.
    description: category.kmzbName,
    metadata: false,
    type: "realtime",
    keywords: "",
    group: plainLabel(names.group(category.group)),
  }));
}

/**
 * GET requests (and GET request): one report. Built field by field, never by spreading the row, so nothing the
 * row might carry beyond PublicReport can reach the output.
 */
export function open311Request(report: PublicReport, names: Open311Names): Open311Request {
  const note = report.publicNote?.trim();
  return {
    service_request_id: report.ref,
    status: open311StatusOf(report.status),
    // The police's public note when there is one, else the KMZB status by name (finer than open/closed).
    status_notes: note ? note : plainLabel(names.status(report.status)),
    service_name: plainLabel(names.category(report.categoryCode)),
    service_code: report.categoryCode,
    description: "",
    agency_responsible: report.agency ?? "",
    service_notice: "",
    requested_datetime: w3cDateTime(report.createdAt),
    updated_datetime: w3cDateTime(report.updatedAt),
    expected_datetime: null,
    address: "",
    address_id: "",
    zipcode: "",
    lat: report.lat,
    long: report.lon,
    media_url: "",
  };
}

/**
 * GET discovery. `endpointUrl` is where services.[format] and requests.[format] live (e.g.
 * "https://example.org/open311/v2"); `changeset` is when the service list last changed. No key is needed to read,
 * so key_service is empty.
 */
export function open311Discovery(endpointUrl: string, changeset: Date, contact: string): Open311Discovery {
  const at = w3cDateTime(changeset);
  return {
    changeset: at,
    contact,
    key_service: "",
    endpoints: [
      {
        specification: OPEN311_SPECIFICATION,
        url: endpointUrl.replace(/\/+$/, ""),
        changeset: at,
        type: "production",
        formats: ["application/json", "text/xml"],
      },
    ],
  };
}

/** The errors document (JSON or XML) of one error: `open311Body(format, "errors", open311Error(404, "…"))`. */
export function open311Error(code: number, description: string): Open311Error[] {
  return [{ code, description }];
}

// ---- XML -------------------------------------------------------------------------------------------------------

/** The element of each item of a list, by the list's element (as in the spec's examples). */
const ITEM_ELEMENT: Record<string, string> = {
  services: "service",
  service_requests: "request",
  errors: "error",
  endpoints: "endpoint",
  formats: "format",
};

/** Characters XML 1.0 cannot carry even escaped (C0 controls but tab, newline, return; U+FFFE, U+FFFF). */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

export function escapeXml(text: string): string {
  return text
    .replace(NOT_XML, "")
    .replace(LONE_SURROGATE, "\uFFFD")
    .replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function element(name: string, value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    const item = ITEM_ELEMENT[name] ?? "item";
    const items = (value as unknown[]).map((v) => element(item, v, `${indent}  `));
    return items.length ? `${indent}<${name}>\n${items.join("\n")}\n${indent}</${name}>` : `${indent}<${name}></${name}>`;
  }
  if (value !== null && typeof value === "object") {
    const fields = Object.entries(value).map(([key, v]) => element(key, v, `${indent}  `));
    return fields.length ? `${indent}<${name}>\n${fields.join("\n")}\n${indent}</${name}>` : `${indent}<${name}></${name}>`;
  }
  // Anything else (null: expected_datetime) is there as an empty element, as the spec's examples show absent values.
  const text = typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? escapeXml(String(value)) : "";
  return `${indent}<${name}>${text}</${name}>`;
}

/** The XML document under `root`: UTF-8 declaration, no namespace (the spec's XML is schemaless), every text escaped. */
export function open311Xml<R extends Open311Root>(root: R, content: Open311Documents[R]): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n${element(root, content, "")}\n`;
}

/** The body and its content type (the spec's: text/xml, application/json; both UTF-8). */
export function open311Body<R extends Open311Root>(format: Open311Format, root: R, content: Open311Documents[R]): { contentType: string; body: string } {
  return format === "xml"
    ? { contentType: "text/xml; charset=utf-8", body: open311Xml(root, content) }
    : { contentType: "application/json; charset=utf-8", body: JSON.stringify(content) };
}

// ---- GET requests: the query -----------------------------------------------------------------------------------

/**
 * What GET requests asks for. With `ids` (service_request_id) nothing else is set but the paging: the spec says
 * the ids override every other argument. Otherwise `startDate` and `endDate` are always set: requested_datetime
 * (the report's createdAt) from startDate to endDate, both included, at most OPEN311_MAX_SPAN_DAYS apart.
 * Newest first is the caller's order (as FixMyStreet); the page is rows (page - 1) × pageSize onwards.
 */
export interface Open311RequestsQuery {
  ids?: string[];
  serviceCodes?: string[];
  /** Absent: both. */
  status?: Open311Status;
  startDate?: Date;
  endDate?: Date;
  /** 1-based. */
  page: number;
  pageSize: number;
}

export type Open311QueryResult = { ok: true; query: Open311RequestsQuery } | { ok: false; error: Open311Error & { code: 400 } };

const W3C_DATETIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+\- ]\d{2}:?\d{2}))?$/;

/**
 * A W3C-DTF moment: a complete date ("2026-11-01", taken as 00:00 UTC) or a date and time with its zone, seconds
 * and fractions optional. A space stands for "+": an offset written unencoded in a URL ("+01:00") arrives so.
 */
export function parseW3cDateTime(text: string): Date | null {
  const m = W3C_DATETIME.exec(text);
  if (!m) return null;
  const [, y, mo, d, h = "0", mi = "0", s = "0", fraction = "", zone = "Z"] = m;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const at = new Date(0);
  // setUTCFullYear, not Date.UTC: the latter reads years 0–99 as 1900–1999.
  at.setUTCFullYear(year, month - 1, day);
  if (at.getUTCMonth() !== month - 1) return null; // 2026-02-30 and the like
  at.setUTCHours(hour, minute, second, Number(fraction.slice(1, 4).padEnd(3, "0")));
  if (zone !== "Z") {
    const offH = Number(zone.slice(1, 3));
    const offM = Number(zone.slice(-2));
    if (offH > 23 || offM > 59) return null;
    const sign = zone.startsWith("-") ? -1 : 1;
    at.setTime(at.getTime() - sign * (offH * 60 + offM) * 60_000);
  }
  return at;
}

/** A parameter's values, every declaration and comma list together; empty means absent (the spec's "optional"). */
function listParam(params: URLSearchParams, name: string): string[] {
  const values = params
    .getAll(name)
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
  return [...new Set(values)];
}

function singleParam(params: URLSearchParams, name: string): string | undefined {
  const value = params.get(name)?.trim();
  return value ? value : undefined;
}

/** The offending value in an error, cut short: the description quotes it, it does not mirror a long input back. */
const quoted = (value: string) => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);

const bad = (description: string): Open311QueryResult => ({ ok: false, error: { code: 400, description } });

function positiveInt(text: string, max: number): number | null {
  if (!/^\d{1,9}$/.test(text)) return null;
  const n = Number(text);
  return n >= 1 && n <= max ? n : null;
}

/**
 * GET requests' arguments, checked: anything the spec does not allow is a 400 with a description naming the
 * argument, never an exception. jurisdiction_id and unknown arguments are ignored (one jurisdiction here).
 * Without dates, the most recent OPEN311_MAX_SPAN_DAYS days up to `now`; with one, that many days from start_date
 * or up to end_date; with both, a longer span is an error (the spec: "may not span more than 90 days").
 */
export function parseRequestsQuery(params: URLSearchParams, now: Date): Open311QueryResult {
  const ids = listParam(params, "service_request_id");
  if (ids.length > OPEN311_MAX_PAGE_SIZE) return bad(`service_request_id: at most ${OPEN311_MAX_PAGE_SIZE} ids at once`);
  if (ids.length) return { ok: true, query: { ids, page: 1, pageSize: ids.length } };

  const serviceCodes = listParam(params, "service_code");
  const unknownCode = serviceCodes.find((code) => !LISTED_CODES.has(code));
  if (unknownCode !== undefined) return bad(`service_code: unknown service ${quoted(unknownCode)}`);

  const statuses = listParam(params, "status");
  const badStatus = statuses.find((s) => s !== "open" && s !== "closed");
  if (badStatus !== undefined) return bad(`status: ${quoted(badStatus)} is neither "open" nor "closed"`);
  const status = statuses.length === 1 ? (statuses[0] as Open311Status) : undefined;

  const dates: Partial<Record<"start_date" | "end_date", Date>> = {};
  for (const name of ["start_date", "end_date"] as const) {
    const text = singleParam(params, name);
    if (text === undefined) continue;
    const at = parseW3cDateTime(text);
    if (!at) return bad(`${name}: ${quoted(text)} is not a W3C datetime (e.g. 2026-11-01T00:00:00Z)`);
    dates[name] = at;
  }
  const span = OPEN311_MAX_SPAN_DAYS * DAY_MS;
  let startDate = dates.start_date;
  let endDate = dates.end_date;
  if (startDate && endDate) {
    if (startDate.getTime() > endDate.getTime()) return bad("start_date is after end_date");
    if (endDate.getTime() - startDate.getTime() > span) return bad(`start_date to end_date spans more than ${OPEN311_MAX_SPAN_DAYS} days`);
  } else if (startDate) {
    endDate = new Date(startDate.getTime() + span);
  } else {
    endDate ??= now;
    startDate = new Date(endDate.getTime() - span);
  }

  const pageText = singleParam(params, "page");
  const page = pageText === undefined ? 1 : positiveInt(pageText, MAX_PAGE);
  if (page === null) return bad(`page: ${quoted(pageText!)} is not a whole number from 1 to ${MAX_PAGE}`);
  const sizeText = singleParam(params, "page_size");
  const pageSize = sizeText === undefined ? OPEN311_DEFAULT_PAGE_SIZE : positiveInt(sizeText, OPEN311_MAX_PAGE_SIZE);
  if (pageSize === null) return bad(`page_size: ${quoted(sizeText!)} is not a whole number from 1 to ${OPEN311_MAX_PAGE_SIZE}`);

  return {
    ok: true,
    query: { ...(serviceCodes.length ? { serviceCodes } : {}), ...(status ? { status } : {}), startDate, endDate, page, pageSize },
  };
}
