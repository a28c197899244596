import type { Db } from "../db/client.js";
import { haversineM, METRES_PER_DEGREE } from "../domain/geo/measure.js";
import { formatReference } from "../domain/reports/reference.js";
import { DUPLICATE_RADIUS_M } from "../domain/reports/limits.js";
import { STATUSES, isActive, type Status } from "../domain/reports/status.js";
import type { ReportModel } from "../generated/prisma/models.js";

/** A finished form, as the conversation hands it over. */
export interface ReportDraft {
  categoryCode: string;
  lat: number;
  lon: number;
  address: string;
  placeSource: "pin" | "address";
  timesOfDay: string[];
  days: string;
  description: string | null;
  photos: string[];
  contactConsent: boolean;
}

export interface NearbyReport {
  id: number;
  ref: string;
  status: Status;
  distanceM: number;
}

const ACTIVE_STATUSES = STATUSES.filter(isActive);

/** Reports created by this resident in the 24 h before `now` (the daily limit). */
export function countRecentReports(db: Db, userId: number, now: Date): Promise<number> {
  return db.report.count({ where: { reporterId: userId, createdAt: { gt: new Date(now.getTime() - 24 * 3600_000) } } });
}

/** The closest active report of the same category within 250 m, for "already reported? confirm it instead". */
export async function findNearbyActive(db: Db, categoryCode: string, lat: number, lon: number, excludeReporterId?: number): Promise<NearbyReport | null> {
  const dLat = DUPLICATE_RADIUS_M / METRES_PER_DEGREE;
  const dLon = dLat / Math.cos((lat * Math.PI) / 180);
  const candidates = await db.report.findMany({
    where: {
      categoryCode,
      status: { in: ACTIVE_STATUSES },
      lat: { gte: lat - dLat, lte: lat + dLat },
      lon: { gte: lon - dLon, lte: lon + dLon },
      ...(excludeReporterId ? { NOT: { reporterId: excludeReporterId } } : {}),
    },
    select: { id: true, ref: true, status: true, lat: true, lon: true },
  });
  const near = candidates
    .map((r) => ({ id: r.id, ref: r.ref, status: r.status as Status, distanceM: haversineM(lon, lat, r.lon, r.lat) }))
    .filter((r) => r.distanceM <= DUPLICATE_RADIUS_M)
    .sort((a, b) => a.distanceM - b.distanceM);
  return near[0] ?? null;
}

/**
 * Stores the report with status "new", its creation event and its reporter as follower, in one transaction.
 * Idempotent on `submissionKey`: a replayed confirmation returns the report made the first time.
 */
export async function createReport(
  db: Db,
  input: { draft: ReportDraft; districtId: number | null; reporterId: number; submissionKey: string; prefix: string; now: Date },
): Promise<{ report: ReportModel; created: boolean }> {
  const existing = await db.report.findUnique({ where: { submissionKey: input.submissionKey } });
  if (existing) return { report: existing, created: false };
  const year = input.now.getFullYear();
  const { draft } = input;
  return db.$transaction(async (tx) => {
    const counter = await tx.counter.upsert({
      where: { name: `report:${year}` },
      create: { name: `report:${year}`, value: 1 },
      update: { value: { increment: 1 } },
    });
    const report = await tx.report.create({
      data: {
        ref: formatReference(input.prefix, year, counter.value),
        categoryCode: draft.categoryCode,
        lat: draft.lat,
        lon: draft.lon,
        address: draft.address,
        placeSource: draft.placeSource,
        timesOfDay: draft.timesOfDay.join(","),
        days: draft.days,
        description: draft.description,
        photos: JSON.stringify(draft.photos),
        contactConsent: draft.contactConsent,
        districtId: input.districtId,
        reporterId: input.reporterId,
        submissionKey: input.submissionKey,
        createdAt: input.now,
        events: { create: { toStatus: "new", actorId: input.reporterId, createdAt: input.now } },
        followers: { create: { userId: input.reporterId, kind: "reporter", createdAt: input.now } },
      },
    });
    return { report, created: true };
  });
}

/** "Potwierdzam to zgłoszenie": the resident follows the existing report; no new report is made. */
export async function confirmExisting(db: Db, reportId: number, userId: number, now: Date): Promise<{ confirmations: number }> {
  await db.reportFollower.upsert({
    where: { reportId_userId: { reportId, userId } },
    create: { reportId, userId, kind: "confirmation", createdAt: now },
    update: {},
  });
  return { confirmations: await db.reportFollower.count({ where: { reportId, kind: "confirmation" } }) };
}

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
