import type Database from "better-sqlite3";
import { METRES_PER_DEGREE } from "../domain/geo/measure.js";
import { DUPLICATE_RADIUS_M } from "../domain/reports/limits.js";
import { CONFIRMED_STATUSES } from "../domain/reports/status.js";
import { enqueueStatement, type OutgoingMessage } from "../delivery/outbox.js";
import { sqliteDate, type HotPath } from "./hotPath.js";

/** A stored report event not yet turned into messages. */
export interface PendingEvent {
  id: number;
  reportId: number;
  kind: string;
  actorId: number | null;
  toStatus: string;
  fromStatus: string | null;
  note: string | null;
  publicNote: string | null;
  fileId: string | null;
}

/** Who a message goes to: enough to pick their language and to skip those who blocked the bot. */
export interface Recipient {
  id: number;
  telegramId: bigint;
  blocked: boolean;
  language: string | null;
  languageCode: string | null;
}

/** The report's own columns, as stored and as shown alike. */
interface ReportFields {
  id: number;
  ref: string;
  categoryCode: string;
  status: string;
  lat: number;
  lon: number;
  address: string;
  timesOfDay: string;
  days: string;
  description: string | null;
  photos: string;
  referredTo: string | null;
  lastPublicNote: string | null;
  reporterId: number;
  mergedIntoRef: string | null;
  moderationMessageId: number | null;
}

/** A report with everything its messages and its moderators' card show. */
export interface NoticeReport extends ReportFields {
  contactConsent: boolean;
  createdAt: Date;
  district: { number: string; name: string; officer: { rank: string; firstName: string; lastName: string; user: Recipient | null } | null } | null;
  followers: { userId: number; kind: string; user: Recipient }[];
}

/** Other reports of a category in a box: a range on the (categoryCode, lat, lon) index (test/integration checks the plan). */
export const NEARBY_COUNT_SQL = `SELECT COUNT(*) AS "n" FROM "Report"
  WHERE "categoryCode" = @category AND "id" != @id AND "lat" BETWEEN @south AND @north AND "lon" BETWEEN @west AND @east`;

const CONFIRMED = CONFIRMED_STATUSES.map((s) => `'${s}'`).join(", ");

/**
 * What the notifier reads and writes, as prepared statements on the hot-path connection: it runs after
 * every report, and through Prisma the card alone cost about ten queries of ~1 ms CPU each
 * (bench/reports.ts with a moderators' group). Synchronous, so a whole pass is one transaction: the
 * messages are queued and their events marked together, or neither.
 */
export class NotifierStore {
  private readonly pending: Database.Statement;
  private readonly anyPending: Database.Statement;
  private readonly markOne: Database.Statement;
  private readonly reportRow: Database.Statement;
  private readonly followerRows: Database.Statement;
  private readonly reporterCounts: Database.Statement;
  private readonly nearbyCount: Database.Statement;
  private readonly lastStatusEvent: Database.Statement;
  private readonly lastStaffEvent: Database.Statement;
  private readonly setMessageId: Database.Statement;
  private readonly insert: (items: OutgoingMessage[], now: Date) => number;

  constructor(private readonly hot: HotPath) {
    const db = hot.sqlite;
    this.pending = db.prepare(
      `SELECT "id", "reportId", "kind", "actorId", "toStatus", "fromStatus", "note", "publicNote", "fileId"
       FROM "ReportEvent" WHERE "notifiedAt" IS NULL ORDER BY "id" LIMIT ?`,
    );
    this.anyPending = db.prepare(`SELECT 1 FROM "ReportEvent" WHERE "notifiedAt" IS NULL LIMIT 1`);
    this.markOne = db.prepare(`UPDATE "ReportEvent" SET "notifiedAt" = ? WHERE "id" = ?`);
    this.reportRow = db.prepare(
      `SELECT r."id", r."ref", r."categoryCode", r."status", r."lat", r."lon", r."address", r."timesOfDay", r."days",
         r."description", r."photos", r."contactConsent", r."createdAt", r."referredTo", r."lastPublicNote", r."reporterId",
         r."moderationMessageId", m."ref" AS "mergedIntoRef",
         d."id" AS "districtId", d."number" AS "districtNumber", d."name" AS "districtName",
         o."id" AS "officerId", o."rank" AS "officerRank", o."firstName" AS "officerFirstName", o."lastName" AS "officerLastName",
         u."id" AS "officerUserId", CAST(u."telegramId" AS TEXT) AS "officerTelegramId", u."blocked" AS "officerBlocked",
         u."language" AS "officerLanguage", u."languageCode" AS "officerLanguageCode"
       FROM "Report" r
       LEFT JOIN "Report" m ON m."id" = r."mergedIntoId"
       LEFT JOIN "District" d ON d."id" = r."districtId"
       LEFT JOIN "Officer" o ON o."id" = d."officerId"
       LEFT JOIN "User" u ON u."id" = o."userId"
       WHERE r."id" = ?`,
    );
    this.followerRows = db.prepare(
      `SELECT f."userId", f."kind", CAST(u."telegramId" AS TEXT) AS "telegramId", u."blocked", u."language", u."languageCode"
       FROM "ReportFollower" f JOIN "User" u ON u."id" = f."userId"
       WHERE f."reportId" = ? ORDER BY f."createdAt", f."userId"`,
    );
    this.reporterCounts = db.prepare(
      `SELECT COUNT(*) AS "total", COALESCE(SUM("status" IN (${CONFIRMED})), 0) AS "confirmed" FROM "Report" WHERE "reporterId" = ?`,
    );
    this.nearbyCount = db.prepare(NEARBY_COUNT_SQL);
    this.lastStatusEvent = db.prepare(`SELECT "id" FROM "ReportEvent" WHERE "reportId" = ? AND "fromStatus" IS NOT NULL ORDER BY "id" DESC LIMIT 1`);
    // Staff act under their first name in their own group; residents' events (additions, answers) are never named.
    this.lastStaffEvent = db.prepare(
      `SELECT u."firstName" AS "name", e."actorRole" AS "role", e."createdAt" AS "at"
       FROM "ReportEvent" e JOIN "User" u ON u."id" = e."actorId"
       WHERE e."reportId" = ? AND e."actorRole" IN ('coordinator', 'officer', 'admin') ORDER BY e."id" DESC LIMIT 1`,
    );
    this.setMessageId = db.prepare(`UPDATE "Report" SET "moderationMessageId" = ?, "updatedAt" = ? WHERE "id" = ?`);
    this.insert = enqueueStatement(db);
  }

  /** Runs `fn` in one transaction on the hot-path connection (waiting for the lock, see HotPath.write). */
  transaction<T>(fn: () => T): Promise<T> {
    return this.hot.transaction(fn);
  }

  /** Whether any event waits for its messages: a pass takes the write lock only then. */
  hasPending(): boolean {
    return this.anyPending.get() !== undefined;
  }

  pendingEvents(limit: number): PendingEvent[] {
    return this.pending.all(limit) as PendingEvent[];
  }

  markNotified(eventIds: readonly number[], now: Date): void {
    const at = sqliteDate(now);
    for (const id of eventIds) this.markOne.run(at, id);
  }

  /** Queues messages (a no-op for dedupe keys already queued); returns how many were new. */
  enqueue(items: OutgoingMessage[], now: Date): number {
    return this.insert(items, now);
  }

  report(reportId: number): NoticeReport | null {
    const row = this.reportRow.get(reportId) as ReportRow | undefined;
    if (!row) return null;
    const {
      contactConsent,
      createdAt,
      districtId,
      districtNumber,
      districtName,
      officerId,
      officerRank,
      officerFirstName,
      officerLastName,
      officerUserId,
      officerTelegramId,
      officerBlocked,
      officerLanguage,
      officerLanguageCode,
      ...fields
    } = row;
    const officerUser = officerUserId === null ? null : recipient(officerUserId, officerTelegramId!, officerBlocked!, officerLanguage, officerLanguageCode);
    return {
      ...fields,
      contactConsent: contactConsent === 1,
      createdAt: new Date(createdAt),
      district:
        districtId === null
          ? null
          : {
              number: districtNumber!,
              name: districtName!,
              officer: officerId === null ? null : { rank: officerRank!, firstName: officerFirstName!, lastName: officerLastName!, user: officerUser },
            },
      followers: (this.followerRows.all(reportId) as FollowerRow[]).map((f) => ({
        userId: f.userId,
        kind: f.kind,
        user: recipient(f.userId, f.telegramId, f.blocked, f.language, f.languageCode),
      })),
    };
  }

  /** The reporter's record, for the card: how many reports and how many confirmed. Never who they are. */
  reporterRecord(reporterId: number): { total: number; confirmed: number } {
    return this.reporterCounts.get(reporterId) as { total: number; confirmed: number };
  }

  /** Other reports of the category in a box of ±2×250 m around the point: one indexed count. */
  nearby(report: { id: number; categoryCode: string; lat: number; lon: number }): number {
    const dLat = (DUPLICATE_RADIUS_M * 2) / METRES_PER_DEGREE;
    const dLon = dLat / Math.cos((report.lat * Math.PI) / 180);
    const row = this.nearbyCount.get({
      category: report.categoryCode,
      id: report.id,
      south: report.lat - dLat,
      north: report.lat + dLat,
      west: report.lon - dLon,
      east: report.lon + dLon,
    }) as { n: number };
    return row.n;
  }

  /** The latest event after the creation (a status change, merge, category…), if any. */
  lastChange(reportId: number): number | null {
    return (this.lastStatusEvent.get(reportId) as { id: number } | undefined)?.id ?? null;
  }

  /** The staff member who last changed the report, for the card ("Celina (koordynator), 29.11.2026, 13:05"). */
  lastStaffChange(reportId: number): { name: string; role: string; at: Date } | null {
    const row = this.lastStaffEvent.get(reportId) as { name: string; role: string; at: string } | undefined;
    return row ? { name: row.name, role: row.role, at: new Date(row.at) } : null;
  }

  setModerationMessageId(reportId: number, messageId: number, now: Date): void {
    this.setMessageId.run(messageId, sqliteDate(now), reportId);
  }
}

/** The report's row as SQLite returns it: 0/1 for booleans, ISO text for dates, the joined columns flat. */
interface ReportRow extends ReportFields {
  contactConsent: number;
  createdAt: string;
  districtId: number | null;
  districtNumber: string | null;
  districtName: string | null;
  officerId: number | null;
  officerRank: string | null;
  officerFirstName: string | null;
  officerLastName: string | null;
  officerUserId: number | null;
  officerTelegramId: string | null;
  officerBlocked: number | null;
  officerLanguage: string | null;
  officerLanguageCode: string | null;
}

interface FollowerRow {
  userId: number;
  kind: string;
  telegramId: string;
  blocked: number;
  language: string | null;
  languageCode: string | null;
}

const recipient = (id: number, telegramId: string, blocked: number, language: string | null, languageCode: string | null): Recipient => ({
  id,
  telegramId: BigInt(telegramId),
  blocked: blocked === 1,
  language,
  languageCode,
});
