import type { Db } from "../db/client.js";

/** The resident's own and followed reports, newest first. */
export async function listReportsOf(db: Db, userId: number, page: number, pageSize: number) {
  const where = { followers: { some: { userId } } };
  const [total, reports] = await Promise.all([
    db.report.count({ where }),
    db.report.findMany({ where, orderBy: { createdAt: "desc" }, skip: page * pageSize, take: pageSize }),
  ]);
  return { total, reports };
}

/** One report, only if this resident follows it (callback data is untrusted). */
export function getReportFor(db: Db, reportId: number, userId: number) {
  return db.report.findFirst({ where: { id: reportId, followers: { some: { userId } } } });
}
