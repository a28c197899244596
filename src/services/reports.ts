import type { Db } from "../db/client.js";
import { residentView, type ResidentView } from "../domain/reports/residentView.js";

/** Ids bound per query: SQLite refuses more than 999 parameters in one statement. */
const REFS_PER_QUERY = 500;

/**
 * Numbers of the reports these were merged into: one query for a page, fixed-size chunks for an export
 * (a list of ids bound as parameters must never grow with the data).
 */
export async function mergedRefs(db: Db, ids: (number | null)[]): Promise<Map<number, string>> {
  const wanted = [...new Set(ids.filter((id): id is number => id !== null))];
  const refs = new Map<number, string>();
  for (let start = 0; start < wanted.length; start += REFS_PER_QUERY) {
    const rows = await db.report.findMany({ where: { id: { in: wanted.slice(start, start + REFS_PER_QUERY) } }, select: { id: true, ref: true } });
    for (const r of rows) refs.set(r.id, r.ref);
  }
  return refs;
}

/** The resident's own and followed reports, newest first, as this resident may see them. */
export async function listReportsOf(db: Db, userId: number, page: number, pageSize: number): Promise<{ total: number; reports: ResidentView[] }> {
  const where = { followers: { some: { userId } } };
  const [total, rows] = await Promise.all([
    db.report.count({ where }),
    db.report.findMany({ where, orderBy: { createdAt: "desc" }, skip: page * pageSize, take: pageSize }),
  ]);
  const refs = await mergedRefs(
    db,
    rows.map((r) => r.mergedIntoId),
  );
  return { total, reports: rows.map((r) => residentView(r, userId, r.mergedIntoId === null ? null : (refs.get(r.mergedIntoId) ?? null))) };
}

/** One report, only if this resident follows it (callback data is untrusted), as this resident may see it. */
export async function getReportFor(db: Db, reportId: number, userId: number): Promise<ResidentView | null> {
  const row = await db.report.findFirst({ where: { id: reportId, followers: { some: { userId } } } });
  if (!row) return null;
  const refs = await mergedRefs(db, [row.mergedIntoId]);
  return residentView(row, userId, row.mergedIntoId === null ? null : (refs.get(row.mergedIntoId) ?? null));
}
