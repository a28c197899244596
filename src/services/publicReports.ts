import type { Database } from "../db/connection.js";
import { CATEGORIES } from "../domain/reports/categories.js";
import { isOnPublicMap, publicStatusWindows, snapToGrid, type PublicMapRule } from "../domain/reports/publicMap.js";
import { CONFIRMED_STATUSES, isStatus, type Status } from "../domain/reports/status.js";
import type { PublicReport } from "../publicData/publicReport.js";

/** What a public output asks for; every part narrows, none widens what the rule lets out. */
export interface PublicReportFilter {
  /** Category codes (none: every public category). */
  categories?: readonly string[];
  statuses?: readonly Status[];
  /** Reports created at or after / before these moments. */
  createdFrom?: Date;
  createdBefore?: Date;
  /** Public references: exactly these reports (if public). */
  refs?: readonly string[];
  /** Newest first; `offset` rows skipped, at most `limit` given. */
  limit: number;
  offset?: number;
}

const ALWAYS = CATEGORIES.filter((c) => c.publicVisibility === "always").map((c) => c.code);
const ONCE_CONFIRMED = CATEGORIES.filter((c) => c.publicVisibility === "confirmed").map((c) => c.code);

/**
 * The reports the public may see (domain/reports/publicMap.ts), newest first, as every public output shows them.
 * The query narrows by the rule itself (categories, statuses and how long ago each status was reached), so it reads
 * only public rows from its indexes; each row then passes the rule once more in plain code before it leaves.
 */
export async function listPublicReports(db: Database, rule: PublicMapRule, now: Date, filter: PublicReportFilter): Promise<PublicReport[]> {
  const windows = [...publicStatusWindows(rule, now)].filter(([status]) => !filter.statuses || filter.statuses.includes(status));
  const wanted = (codes: string[]) => (filter.categories ? codes.filter((c) => filter.categories!.includes(c)) : codes);
  const always = wanted(ALWAYS);
  const onceConfirmed = wanted(ONCE_CONFIRMED);
  if (!windows.length || (!always.length && !onceConfirmed.length) || filter.refs?.length === 0) return [];

  let query = db
    .selectFrom("Report as r")
    .leftJoin("District as d", "d.id", "r.districtId")
    .leftJoin("Unit as u", "u.id", "d.unitId")
    .select([
      "r.ref",
      "r.categoryCode",
      "r.status",
      "r.lat",
      "r.lon",
      "r.createdAt",
      "r.statusChangedAt",
      "r.updatedAt",
      "r.lastPublicNote",
      "d.number as districtNumber",
      "d.name as districtName",
      "u.name as unitName",
    ])
    // A report merged into another is that one's confirmation, not a report of its own.
    .where("r.mergedIntoId", "is", null)
    .where((eb) =>
      eb.or([
        ...(always.length ? [eb("r.categoryCode", "in", always)] : []),
        ...(onceConfirmed.length ? [eb.and([eb("r.categoryCode", "in", onceConfirmed), eb("r.status", "in", CONFIRMED_STATUSES)])] : []),
      ]),
    )
    .where((eb) =>
      eb.or(
        windows.map(([status, from]) =>
          from === null ? eb("r.status", "=", status) : eb.and([eb("r.status", "=", status), eb("r.statusChangedAt", ">=", from)]),
        ),
      ),
    );
  if (filter.createdFrom) query = query.where("r.createdAt", ">=", filter.createdFrom);
  if (filter.createdBefore) query = query.where("r.createdAt", "<", filter.createdBefore);
  if (filter.refs) query = query.where("r.ref", "in", filter.refs);
  const rows = await query
    .orderBy("r.createdAt", "desc")
    .orderBy("r.id", "desc")
    .limit(filter.limit)
    .offset(filter.offset ?? 0)
    .execute();

  const reports: PublicReport[] = [];
  for (const row of rows) {
    if (!isStatus(row.status)) continue;
    const statusSince = row.statusChangedAt ?? row.createdAt;
    if (!isOnPublicMap({ categoryCode: row.categoryCode, status: row.status, statusSince }, rule, now)) continue;
    const { lat, lon } = snapToGrid(row.lat, row.lon, rule.gridM);
    reports.push({
      ref: row.ref,
      categoryCode: row.categoryCode,
      status: row.status,
      lat,
      lon,
      createdAt: row.createdAt,
      statusSince,
      updatedAt: row.updatedAt,
      district: row.districtNumber !== null && row.districtName !== null ? { number: row.districtNumber, name: row.districtName } : null,
      agency: row.unitName,
      publicNote: row.lastPublicNote,
    });
  }
  return reports;
}
