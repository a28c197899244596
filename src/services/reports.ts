import type { Database } from "../db/connection.js";
import { residentView, type ResidentView } from "../domain/reports/residentView.js";

/** Ids bound per query: SQLite refuses more than 999 parameters in one statement. */
const REFS_PER_QUERY = 500;

/**
 * Numbers of the reports these were merged into: one query for a page, fixed-size chunks for an export
 * (a list of ids bound as parameters must never grow with the data).
 */
export async function mergedRefs(db: Database, ids: (number | null)[]): Promise<Map<number, string>> {
  const wanted = [...new Set(ids.filter((id): id is number => id !== null))];
  const refs = new Map<number, string>();
  for (let start = 0; start < wanted.length; start += REFS_PER_QUERY) {
    const rows = await db
      .selectFrom("Report")
      .select(["id", "ref"])
      .where("id", "in", wanted.slice(start, start + REFS_PER_QUERY))
      .execute();
    for (const r of rows) refs.set(r.id, r.ref);
  }
  return refs;
}

/** Reports this resident follows (their own, confirmed or merged into): one row each, the follower key being (report, user). */
const followedBy = (db: Database, userId: number) =>
  db
    .selectFrom("Report")
    .innerJoin("ReportFollower", (join) => join.onRef("ReportFollower.reportId", "=", "Report.id").on("ReportFollower.userId", "=", userId));

const RESIDENT_COLUMNS = [
  "Report.id",
  "Report.ref",
  "Report.categoryCode",
  "Report.status",
  "Report.createdAt",
  "Report.lastPublicNote",
  "Report.districtId",
  "Report.reporterId",
  "Report.address",
  "Report.description",
  "Report.photos",
  "Report.timesOfDay",
  "Report.days",
  "Report.mergedIntoId",
] as const;

/** The resident's own and followed reports, newest first, as this resident may see them. */
export async function listReportsOf(db: Database, userId: number, page: number, pageSize: number): Promise<{ total: number; reports: ResidentView[] }> {
  const [count, rows] = await Promise.all([
    followedBy(db, userId)
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirstOrThrow(),
    followedBy(db, userId)
      .select(RESIDENT_COLUMNS)
      .orderBy("Report.createdAt", "desc")
      .orderBy("Report.id", "desc")
      .offset(page * pageSize)
      .limit(pageSize)
      .execute(),
  ]);
  const refs = await mergedRefs(
    db,
    rows.map((r) => r.mergedIntoId),
  );
  return {
    total: Number(count.n),
    reports: rows.map((r) => residentView(r, userId, r.mergedIntoId === null ? null : (refs.get(r.mergedIntoId) ?? null))),
  };
}

/** One report, only if this resident follows it (callback data is untrusted), as this resident may see it. */
export async function getReportFor(db: Database, reportId: number, userId: number): Promise<ResidentView | null> {
  const row = await followedBy(db, userId).select(RESIDENT_COLUMNS).where("Report.id", "=", reportId).executeTakeFirst();
  if (!row) return null;
  const refs = await mergedRefs(db, [row.mergedIntoId]);
  return residentView(row, userId, row.mergedIntoId === null ? null : (refs.get(row.mergedIntoId) ?? null));
}
