import type Database from "better-sqlite3";
import { haversineM, METRES_PER_DEGREE } from "../domain/geo/measure.js";
import { DUPLICATE_RADIUS_M } from "../domain/reports/limits.js";
import { formatReference, warsawYear } from "../domain/reports/reference.js";
import { isActive, STATUSES, type Status } from "../domain/reports/status.js";
import { isPubliclyVisible, mayOfferDuplicates } from "../domain/reports/visibility.js";
import { sqliteDate, type HotPath } from "./hotPath.js";

/** A finished form, as the resident's conversation hands it over. */
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

/** "Potwierdzam": who confirms which report, and what they wrote on their own form (kept, never thrown away). */
export interface Confirmation {
  reportId: number;
  userId: number;
  now: Date;
  /** Their description and times/days as one text for the staff, or null when they added nothing. */
  note: string | null;
  /** Their photos' file_ids. */
  photos: string[];
}

export interface NewReport {
  draft: ReportDraft;
  districtId: number | null;
  reporterId: number;
  /** Idempotency: the same key never makes a second report. */
  submissionKey: string;
  prefix: string;
  now: Date;
}

const ACTIVE_STATUSES = STATUSES.filter(isActive);

/** Active reports of a category in a box: a range on the (categoryCode, lat, lon) index (test/integration checks the plan). */
export const NEARBY_ACTIVE_SQL = `SELECT "id", "ref", "status", "lat", "lon" FROM "Report"
  WHERE "categoryCode" = @category AND "status" IN (${ACTIVE_STATUSES.map((s) => `'${s}'`).join(", ")})
    AND "lat" BETWEEN @south AND @north AND "lon" BETWEEN @west AND @east AND "reporterId" != @exclude`;

/**
 * What the resident's report form reads and writes, as prepared statements on the hot-path connection.
 * Through Prisma each of these costs ~0.8–1 ms of CPU in its query compiler, against ~0.01 ms here, and a
 * report makes about a dozen of them (bench/reports.ts). The rows are exactly what Prisma writes
 * (dates as ISO text with an offset, booleans as 0/1), so the rest of the app reads them through Prisma.
 */
export class ReportStore {
  private readonly recent: Database.Statement;
  private readonly byReporter: Database.Statement;
  private readonly nearby: Database.Statement;
  private readonly bySubmission: Database.Statement;
  private readonly nextNumber: Database.Statement;
  private readonly insertReport: Database.Statement;
  private readonly insertEvent: Database.Statement;
  private readonly insertFollower: Database.Statement;
  private readonly confirmStmt: Database.Statement;
  private readonly confirmations: Database.Statement;
  private readonly statusOf: Database.Statement;
  private readonly insertResidentEvent: Database.Statement;
  private readonly subscriptions: Database.Statement;

  constructor(private readonly hot: HotPath) {
    const db = hot.sqlite;
    this.recent = db.prepare(`SELECT COUNT(*) AS n FROM "Report" WHERE "reporterId" = ? AND "createdAt" > ?`);
    this.byReporter = db.prepare(`SELECT COUNT(*) AS n FROM "Report" WHERE "reporterId" = ?`);
    this.nearby = db.prepare(NEARBY_ACTIVE_SQL);
    // The key is the reporter's own (their form's): another resident's report is never handed back for it.
    this.bySubmission = db.prepare(`SELECT "id", "ref" FROM "Report" WHERE "submissionKey" = ? AND "reporterId" = ?`);
    this.nextNumber = db.prepare(
      `INSERT INTO "Counter" ("name", "value") VALUES (?, 1)
       ON CONFLICT ("name") DO UPDATE SET "value" = "value" + 1 RETURNING "value"`,
    );
    this.insertReport = db.prepare(
      `INSERT INTO "Report" ("ref", "categoryCode", "status", "lat", "lon", "address", "placeSource", "timesOfDay", "days",
         "description", "photos", "contactConsent", "reporterId", "submissionKey", "districtId", "createdAt", "updatedAt")
       VALUES (@ref, @categoryCode, 'new', @lat, @lon, @address, @placeSource, @timesOfDay, @days,
         @description, @photos, @contactConsent, @reporterId, @submissionKey, @districtId, @now, @now)
       RETURNING "id"`,
    );
    this.insertEvent = db.prepare(`INSERT INTO "ReportEvent" ("reportId", "kind", "actorId", "toStatus", "createdAt") VALUES (?, 'status', ?, 'new', ?)`);
    this.insertFollower = db.prepare(`INSERT INTO "ReportFollower" ("reportId", "userId", "kind", "createdAt") VALUES (?, ?, 'reporter', ?)`);
    this.confirmStmt = db.prepare(
      `INSERT INTO "ReportFollower" ("reportId", "userId", "kind", "createdAt") VALUES (?, ?, 'confirmation', ?)
       ON CONFLICT ("reportId", "userId") DO NOTHING`,
    );
    this.confirmations = db.prepare(`SELECT COUNT(*) AS n FROM "ReportFollower" WHERE "reportId" = ? AND "kind" = 'confirmation'`);
    this.statusOf = db.prepare(`SELECT "status" FROM "Report" WHERE "id" = ?`);
    this.insertResidentEvent = db.prepare(
      `INSERT INTO "ReportEvent" ("reportId", "kind", "fileId", "actorId", "actorRole", "fromStatus", "toStatus", "note", "createdAt")
       VALUES (@reportId, @kind, @fileId, @actorId, 'resident', @status, @status, @note, @now)`,
    );
    this.subscriptions = db.prepare(`SELECT COUNT(*) AS n FROM "Subscription" WHERE "userId" = ?`);
  }

  /** Reports created by this resident in the 24 h before `now` (the daily limit). */
  countRecent(userId: number, now: Date): number {
    return (this.recent.get(userId, sqliteDate(new Date(now.getTime() - 24 * 3600_000))) as { n: number }).n;
  }

  /** Every report this resident ever made. */
  countByReporter(userId: number): number {
    return (this.byReporter.get(userId) as { n: number }).n;
  }

  /**
   * The closest active report of the same category within 250 m, other than the resident's own, among those
   * residents may know of (src/domain/reports/visibility.ts): never one of a category that is never public.
   */
  findNearbyActive(categoryCode: string, lat: number, lon: number, excludeReporterId: number): NearbyReport | null {
    if (!mayOfferDuplicates(categoryCode)) return null;
    const dLat = DUPLICATE_RADIUS_M / METRES_PER_DEGREE;
    const dLon = dLat / Math.cos((lat * Math.PI) / 180);
    const rows = this.nearby.all({
      category: categoryCode,
      south: lat - dLat,
      north: lat + dLat,
      west: lon - dLon,
      east: lon + dLon,
      exclude: excludeReporterId,
    }) as { id: number; ref: string; status: Status; lat: number; lon: number }[];
    const near = rows
      .map((r) => ({ id: r.id, ref: r.ref, status: r.status, distanceM: haversineM(lon, lat, r.lon, r.lat) }))
      .filter((r) => r.distanceM <= DUPLICATE_RADIUS_M && isPubliclyVisible(categoryCode, r.status))
      .sort((a, b) => a.distanceM - b.distanceM);
    return near[0] ?? null;
  }

  /**
   * Stores the report with status "new", its creation event and its reporter as follower, in one
   * transaction with `alsoInTransaction` (the form's own state). Idempotent on `submissionKey`.
   */
  create(
    input: NewReport,
    alsoInTransaction: (report: { id: number; ref: string }) => void = () => undefined,
  ): Promise<{ id: number; ref: string; created: boolean }> {
    return this.hot.transaction(() => {
      const submissionKey = `${input.reporterId}:${input.submissionKey}`;
      const existing = this.bySubmission.get(submissionKey, input.reporterId) as { id: number; ref: string } | undefined;
      if (existing) {
        alsoInTransaction(existing);
        return { ...existing, created: false };
      }
      // The series follows the calendar year in Poland, whatever the server's time zone.
      const year = warsawYear(input.now);
      const { value } = this.nextNumber.get(`report:${year}`) as { value: number };
      const ref = formatReference(input.prefix, year, value);
      const now = sqliteDate(input.now);
      const { draft } = input;
      const { id } = this.insertReport.get({
        ref,
        categoryCode: draft.categoryCode,
        lat: draft.lat,
        lon: draft.lon,
        address: draft.address,
        placeSource: draft.placeSource,
        timesOfDay: draft.timesOfDay.join(","),
        days: draft.days,
        description: draft.description,
        photos: JSON.stringify(draft.photos),
        contactConsent: draft.contactConsent ? 1 : 0,
        reporterId: input.reporterId,
        submissionKey,
        districtId: input.districtId,
        now,
      }) as { id: number };
      this.insertEvent.run(id, input.reporterId, now);
      this.insertFollower.run(id, input.reporterId, now);
      alsoInTransaction({ id, ref });
      return { id, ref, created: true };
    });
  }

  /**
   * "Potwierdzam to zgłoszenie": the resident follows the existing report (once); no new report is made.
   * In the same transaction the confirmation becomes an event (the card re-renders, staff see the count)
   * and the resident's own words and photos become "addition" events, relayed to the staff like any other
   * addition. Returns the number of confirmations.
   */
  confirm(input: Confirmation, alsoInTransaction: () => void = () => undefined): Promise<number> {
    return this.hot.transaction(() => {
      const now = sqliteDate(input.now);
      const status = (this.statusOf.get(input.reportId) as { status: string } | undefined)?.status ?? "new";
      const event = (kind: string, note: string | null, fileId: string | null) =>
        this.insertResidentEvent.run({ reportId: input.reportId, kind, fileId, actorId: input.userId, status, note, now });
      const isNew = this.confirmStmt.run(input.reportId, input.userId, now).changes > 0;
      // A second "Potwierdzam" by the same resident is no second confirmation; what they wrote still counts.
      if (isNew) event("confirmation", null, null);
      if (input.note) event("addition", input.note, null);
      for (const fileId of input.photos) event("addition", null, fileId);
      alsoInTransaction();
      return (this.confirmations.get(input.reportId) as { n: number }).n;
    });
  }

  subscriptionCount(userId: number): number {
    return (this.subscriptions.get(userId) as { n: number }).n;
  }
}
