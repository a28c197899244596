import { findCategory } from "../domain/reports/categories.js";
import type { PublicNames, PublicReport } from "./publicReport.js";

// The open data files of the public reports (issue #16): GeoJSON (RFC 7946) and CSV (RFC 4180), one row per report
// with the same fields in both. Only what PublicReport holds can reach them.

/** The fields of one report, in the order of the CSV's columns. */
function fieldsOf(report: PublicReport, names: PublicNames) {
  const group = findCategory(report.categoryCode)?.group;
  return {
    ref: report.ref,
    category: report.categoryCode,
    categoryName: names.category(report.categoryCode),
    group: group ?? null,
    groupName: group ? names.group(group) : null,
    status: report.status,
    statusName: names.status(report.status),
    createdAt: report.createdAt.toISOString(),
    statusSince: report.statusSince.toISOString(),
    updatedAt: report.updatedAt.toISOString(),
    lat: report.lat,
    lon: report.lon,
    districtNumber: report.district?.number ?? null,
    districtName: report.district?.name ?? null,
    agency: report.agency,
    publicNote: report.publicNote,
  };
}

export function reportsGeoJson(reports: readonly PublicReport[], names: PublicNames, links: { next?: string } = {}) {
  return {
    type: "FeatureCollection" as const,
    features: reports.map((report) => {
      const { lat, lon, ...properties } = fieldsOf(report, names);
      return { type: "Feature" as const, id: report.ref, geometry: { type: "Point" as const, coordinates: [lon, lat] }, properties };
    }),
    ...(links.next ? { links: [{ rel: "next", href: links.next }] } : {}),
  };
}

const CSV_COLUMNS = [
  "ref",
  "category",
  "category_name",
  "group",
  "group_name",
  "status",
  "status_name",
  "created_at",
  "status_since",
  "updated_at",
  "lat",
  "lon",
  "district_number",
  "district_name",
  "agency",
  "public_note",
] as const;

/** RFC 4180 quoting; a text a spreadsheet would run as a formula (=, +, -, @ first) starts with ' instead. */
function csvField(value: string | number | null): string {
  if (value === null) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The header line, then a line per report (CRLF, as RFC 4180 has it). */
export function reportsCsv(reports: readonly PublicReport[], names: PublicNames): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const report of reports) {
    const f = fieldsOf(report, names);
    lines.push(
      [
        f.ref,
        f.category,
        f.categoryName,
        f.group,
        f.groupName,
        f.status,
        f.statusName,
        f.createdAt,
        f.statusSince,
        f.updatedAt,
        f.lat,
        f.lon,
        f.districtNumber,
        f.districtName,
        f.agency,
        f.publicNote,
      ]
        .map(csvField)
        .join(","),
    );
  }
  return `${lines.join("\r\n")}\r\n`;
}
