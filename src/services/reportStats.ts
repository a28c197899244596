import type { Database } from "../db/connection.js";
import { toWarsawParts } from "../domain/meetings/time.js";
import { STATUSES, type Status } from "../domain/reports/status.js";
import { mergedRefs } from "./reports.js";

/** Nowe, oldest first: what coordinators must look at. */
export function queue(db: Database, take: number) {
  return db
    .selectFrom("Report")
    .select(["id", "ref", "categoryCode", "address", "createdAt"])
    .where("status", "=", "new" satisfies Status)
    .where("mergedIntoId", "is", null)
    .orderBy("createdAt", "asc")
    .limit(take)
    .execute();
}

export interface PeriodStats {
  /** Reports in the period, merged duplicates not counted (they live on in their original). */
  total: number;
  /** Duplicates merged into another report. */
  merged: number;
  /** Residents who confirmed a report of the period instead of reporting it again (merges included). */
  confirmations: number;
  byStatus: Record<string, number>;
  byCategory: Record<string, number>;
  /** Median time from submission to the coordinator's first decision. */
  medianReviewMs: number | null;
  /** Median time from acceptance to the officer's verdict. */
  medianVerificationMs: number | null;
}

export async function stats(db: Database, from: Date, to: Date): Promise<PeriodStats> {
  const [all, confirmed] = await Promise.all([
    db
      .selectFrom("Report")
      .select(["status", "categoryCode", "createdAt", "firstReviewedAt", "verifiedAt", "mergedIntoId"])
      .where("createdAt", ">=", from)
      .where("createdAt", "<=", to)
      .execute(),
    db
      .selectFrom("ReportFollower")
      .innerJoin("Report", "Report.id", "ReportFollower.reportId")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("ReportFollower.kind", "=", "confirmation")
      .where("Report.createdAt", ">=", from)
      .where("Report.createdAt", "<=", to)
      .where("Report.mergedIntoId", "is", null)
      .executeTakeFirstOrThrow(),
  ]);
  const reports = all.filter((r) => r.mergedIntoId === null);
  const byStatus: Record<string, number> = Object.fromEntries(STATUSES.map((s) => [s, 0]));
  const byCategory: Record<string, number> = {};
  for (const r of reports) {
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    byCategory[r.categoryCode] = (byCategory[r.categoryCode] ?? 0) + 1;
  }
  return {
    total: reports.length,
    merged: all.length - reports.length,
    confirmations: Number(confirmed.n),
    byStatus,
    byCategory,
    medianReviewMs: median(reports.filter((r) => r.firstReviewedAt).map((r) => r.firstReviewedAt!.getTime() - r.createdAt.getTime())),
    medianVerificationMs: median(reports.filter((r) => r.verifiedAt && r.firstReviewedAt).map((r) => r.verifiedAt!.getTime() - r.firstReviewedAt!.getTime())),
  };
}

export function median(values: number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The export's columns, in order: locale keys `csv.<column>` name them. */
export const CSV_COLUMNS = [
  "ref",
  "createdAt",
  "category",
  "status",
  "district",
  "address",
  "lat",
  "lon",
  "timesOfDay",
  "days",
  "description",
  "photos",
  "publicNote",
  "referredTo",
  "mergedInto",
  "firstReviewedAt",
  "verifiedAt",
] as const;

/** What one exported row is made of: the report's facts, never who reported it. */
export interface CsvReport {
  ref: string;
  createdAt: Date;
  categoryCode: string;
  status: string;
  district: string | null;
  address: string;
  lat: number;
  lon: number;
  timesOfDay: string;
  days: string;
  description: string | null;
  photos: string;
  lastPublicNote: string | null;
  referredTo: string | null;
  mergedIntoRef: string | null;
  firstReviewedAt: Date | null;
  verifiedAt: Date | null;
}

/** Reports of the period as CSV for Polish spreadsheets (see reportsCsv); no reporter identity. */
export async function exportCsv(db: Database, from: Date, to: Date, label: (key: string) => string): Promise<string> {
  const reports = await db
    .selectFrom("Report")
    .leftJoin("District", "District.id", "Report.districtId")
    .select([
      "Report.ref",
      "Report.createdAt",
      "Report.categoryCode",
      "Report.status",
      "District.number as district",
      "Report.address",
      "Report.lat",
      "Report.lon",
      "Report.timesOfDay",
      "Report.days",
      "Report.description",
      "Report.photos",
      "Report.lastPublicNote",
      "Report.referredTo",
      "Report.mergedIntoId",
      "Report.firstReviewedAt",
      "Report.verifiedAt",
    ])
    .where("Report.createdAt", ">=", from)
    .where("Report.createdAt", "<=", to)
    .orderBy("Report.createdAt", "asc")
    .execute();
  const refOf = await mergedRefs(
    db,
    reports.map((r) => r.mergedIntoId),
  );
  return reportsCsv(
    reports.map((r) => ({ ...r, mergedIntoRef: r.mergedIntoId === null ? null : (refOf.get(r.mergedIntoId) ?? null) })),
    label,
  );
}

/**
 * What Excel in a Polish locale opens with a double click: ";" between fields (the comma is the decimal
 * separator there), UTF-8 with a BOM (else Polish letters break), CRLF, Polish headers and labels,
 * Europe/Warsaw times as "dd.mm.rrrr gg:mm", decimal commas. Fields are quoted as RFC 4180 says.
 */
export function reportsCsv(reports: readonly CsvReport[], label: (key: string) => string): string {
  const labels = (codes: string, prefix: string) =>
    codes
      .split(",")
      .filter(Boolean)
      .map((code) => label(`${prefix}.${code}`))
      .join(", ");
  const rows = reports.map((r) => [
    text(r.ref),
    text(warsawDateTime(r.createdAt)),
    text(label(`categories.${r.categoryCode}`)),
    text(label(`status.${r.status}`)),
    text(r.district ?? ""),
    text(r.address),
    decimal(r.lat, 6),
    decimal(r.lon, 6),
    text(labels(r.timesOfDay, "timing")),
    text(labels(r.days, "days")),
    text(r.description ?? ""),
    String(photoCount(r.photos)),
    text(r.lastPublicNote ?? ""),
    text(r.referredTo ?? ""),
    text(r.mergedIntoRef ?? ""),
    text(r.firstReviewedAt ? warsawDateTime(r.firstReviewedAt) : ""),
    text(r.verifiedAt ? warsawDateTime(r.verifiedAt) : ""),
  ]);
  const header = CSV_COLUMNS.map((c) => text(label(`csv.${c}`)));
  return "\uFEFF" + [header, ...rows].map((row) => row.join(CSV_SEPARATOR)).join("\r\n") + "\r\n";
}

const CSV_SEPARATOR = ";";

/** A text field: guarded against formulas, quoted when it holds the separator, a quote or a line break. */
function text(value: string): string {
  // A spreadsheet runs a field starting with =, +, -, @ (or a tab or CR before one) as a formula: a leading ' keeps it text.
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[;"\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** A number with a decimal comma, as a Polish spreadsheet reads it. */
function decimal(value: number, digits: number): string {
  return value.toFixed(digits).replace(".", ",");
}

function photoCount(photos: string): number {
  try {
    const parsed: unknown = JSON.parse(photos);
    return Array.isArray(parsed) ? parsed.length : 0;
  } catch {
    return 0;
  }
}

/** "07.03.2026 18:05" in Europe/Warsaw. */
export function warsawDateTime(instant: Date): string {
  const p = toWarsawParts(instant);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(p.day)}.${two(p.month)}.${p.year} ${two(p.hour)}:${two(p.minute)}`;
}
