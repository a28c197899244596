import type { Db } from "../db/client.js";
import { STATUSES } from "../domain/reports/status.js";

/** Nowe, oldest first: what coordinators must look at. */
export function queue(db: Db, take: number) {
  return db.report.findMany({ where: { status: "new", mergedIntoId: null }, orderBy: { createdAt: "asc" }, take });
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

export async function stats(db: Db, from: Date, to: Date): Promise<PeriodStats> {
  const period = { createdAt: { gte: from, lte: to } };
  const [all, confirmations] = await Promise.all([
    db.report.findMany({
      where: period,
      select: { status: true, categoryCode: true, createdAt: true, firstReviewedAt: true, verifiedAt: true, mergedIntoId: true },
    }),
    db.reportFollower.count({ where: { kind: "confirmation", report: { ...period, mergedIntoId: null } } }),
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
    confirmations,
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

/** RFC 4180 CSV (UTF-8 with BOM so spreadsheet programs read Polish letters); no reporter identity. */
export async function exportCsv(db: Db, from: Date, to: Date, label: (key: string) => string): Promise<string> {
  const reports = await db.report.findMany({ where: { createdAt: { gte: from, lte: to } }, orderBy: { createdAt: "asc" }, include: { district: { select: { number: true } } } });
  const header = ["numer", "data", "kategoria", "status", "szerokosc", "dlugosc", "adres", "rejon", "pora_dnia", "dni", "opis", "zdjecia", "notatka_publiczna", "przekazano_do", "przeglad", "weryfikacja"];
  const rows = reports.map((r) => [
    r.ref,
    r.createdAt.toISOString(),
    label(`categories.${r.categoryCode}`),
    label(`status.${r.status}`),
    r.lat.toFixed(6),
    r.lon.toFixed(6),
    r.address,
    r.district?.number ?? "",
    r.timesOfDay,
    r.days,
    r.description ?? "",
    String((JSON.parse(r.photos) as string[]).length),
    r.lastPublicNote ?? "",
    r.referredTo ?? "",
    r.firstReviewedAt?.toISOString() ?? "",
    r.verifiedAt?.toISOString() ?? "",
  ]);
  return "\uFEFF" + [header, ...rows].map((row) => row.map(csvField).join(",")).join("\r\n") + "\r\n";
}

function csvField(value: string): string {
  // A leading =, +, - or @ would run as a formula in a spreadsheet: prefix it.
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
