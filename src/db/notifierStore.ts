import { METRES_PER_DEGREE } from "../domain/geo/measure.js";
import { DUPLICATE_RADIUS_M } from "../domain/reports/limits.js";
import { CONFIRMED_STATUSES } from "../domain/reports/status.js";
import { enqueue, type OutgoingMessage } from "../delivery/outbox.js";
import type { Selectable } from "kysely";
import type { Report, ReportEvent } from "../generated/kysely/types.js";
import { preparedQuery, type Database, type Queryable } from "./connection.js";

/** A stored report event not yet turned into messages. */
export type PendingEvent = Pick<Selectable<ReportEvent>, "id" | "reportId" | "kind" | "actorId" | "toStatus" | "fromStatus" | "note" | "publicNote" | "fileId">;

/** Who a message goes to: enough to pick their language and to skip those who blocked the bot. */
export interface Recipient {
  id: number;
  telegramId: bigint;
  blocked: boolean;
  language: string | null;
  languageCode: string | null;
}

/** The report's own columns, as stored and as shown alike (and the ref of the report it was merged into). */
type ReportFields = Pick<
  Selectable<Report>,
  | "id"
  | "ref"
  | "categoryCode"
  | "status"
  | "lat"
  | "lon"
  | "address"
  | "timesOfDay"
  | "days"
  | "description"
  | "photos"
  | "referredTo"
  | "lastPublicNote"
  | "reporterId"
  | "moderationMessageId"
> & { mergedIntoRef: string | null };

/** A report with everything its messages and its moderators' card show. */
export interface NoticeReport extends ReportFields {
  contactConsent: boolean;
  createdAt: Date;
  district: { number: string; name: string; officer: { rank: string; firstName: string; lastName: string; user: Recipient | null } | null } | null;
  followers: { userId: number; kind: string; user: Recipient }[];
}

/** Staff act under their first name in their own group; residents' events (additions, answers) are never named. */
const STAFF_ROLES = ["coordinator", "officer", "admin"];

/** The box of ±2×250 m around a report's point, in degrees. */
function nearbyBox(report: { lat: number; lon: number }): { south: number; north: number; west: number; east: number } {
  const dLat = (DUPLICATE_RADIUS_M * 2) / METRES_PER_DEGREE;
  const dLon = dLat / Math.cos((report.lat * Math.PI) / 180);
  return { south: report.lat - dLat, north: report.lat + dLat, west: report.lon - dLon, east: report.lon + dLon };
}

/** Other reports of a category in a box: a range on the (categoryCode, lat, lon) index (test/integration checks the plan). */
export function nearbyCountQuery(db: Queryable, report: { id: number; categoryCode: string; lat: number; lon: number }) {
  const box = nearbyBox(report);
  return nearbyCountOf(db, report.categoryCode, report.id, box.south, box.north, box.west, box.east);
}

const nearbyCountOf = (db: Queryable, categoryCode: string, id: number, south: number, north: number, west: number, east: number) =>
  db
    .selectFrom("Report")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("categoryCode", "=", categoryCode)
    .where("id", "!=", id)
    .where((eb) => eb.between("lat", south, north))
    .where((eb) => eb.between("lon", west, east));

// The notifier's queries run for every report: prepared (built and compiled once, see db/connection.ts).
const nearbyCount = preparedQuery(nearbyCountOf);
const anyPending = preparedQuery((db) => db.selectFrom("ReportEvent").select("id").where("notifiedAt", "is", null).limit(1));
const pendingEvents = preparedQuery((db, limit: number) =>
  db
    .selectFrom("ReportEvent")
    .select(["id", "reportId", "kind", "actorId", "toStatus", "fromStatus", "note", "publicNote", "fileId"])
    .where("notifiedAt", "is", null)
    .orderBy("id")
    .limit(limit),
);
const reportRow = preparedQuery((db, reportId: number) =>
  db
    .selectFrom("Report as r")
    .leftJoin("Report as m", "m.id", "r.mergedIntoId")
    .leftJoin("District as d", "d.id", "r.districtId")
    .leftJoin("Officer as o", "o.id", "d.officerId")
    .leftJoin("User as u", "u.id", "o.userId")
    .select([
      "r.id",
      "r.ref",
      "r.categoryCode",
      "r.status",
      "r.lat",
      "r.lon",
      "r.address",
      "r.timesOfDay",
      "r.days",
      "r.description",
      "r.photos",
      "r.contactConsent",
      "r.createdAt",
      "r.referredTo",
      "r.lastPublicNote",
      "r.reporterId",
      "r.moderationMessageId",
      "m.ref as mergedIntoRef",
      "d.id as districtId",
      "d.number as districtNumber",
      "d.name as districtName",
      "o.id as officerId",
      "o.rank as officerRank",
      "o.firstName as officerFirstName",
      "o.lastName as officerLastName",
      "u.id as officerUserId",
      "u.telegramId as officerTelegramId",
      "u.blocked as officerBlocked",
      "u.language as officerLanguage",
      "u.languageCode as officerLanguageCode",
    ])
    .where("r.id", "=", reportId),
);
const followersOf = preparedQuery((db, reportId: number) =>
  db
    .selectFrom("ReportFollower as f")
    .innerJoin("User as u", "u.id", "f.userId")
    .select(["f.userId", "f.kind", "u.telegramId", "u.blocked", "u.language", "u.languageCode"])
    .where("f.reportId", "=", reportId)
    .orderBy("f.createdAt")
    .orderBy("f.userId"),
);
const reporterCounts = preparedQuery((db, reporterId: number) =>
  db
    .selectFrom("Report")
    .select((eb) => [eb.fn.countAll().as("total"), eb.fn.count(eb.case().when("status", "in", CONFIRMED_STATUSES).then(1).end()).as("confirmed")])
    .where("reporterId", "=", reporterId),
);
const lastChangeOf = preparedQuery((db, reportId: number) =>
  db.selectFrom("ReportEvent").select("id").where("reportId", "=", reportId).where("fromStatus", "is not", null).orderBy("id", "desc").limit(1),
);
const lastStaffChangeOf = preparedQuery((db, reportId: number) =>
  db
    .selectFrom("ReportEvent as e")
    .innerJoin("User as u", "u.id", "e.actorId")
    .select(["u.firstName as name", "e.actorRole as role", "e.createdAt as at"])
    .where("e.reportId", "=", reportId)
    .where("e.actorRole", "in", STAFF_ROLES)
    .orderBy("e.id", "desc")
    .limit(1),
);

/**
 * What the notifier reads and writes. It runs after every report, so the card's reads are few and joined.
 * A pass is one transaction (`transaction`): the messages are queued and their events marked together, or neither.
 */
export class NotifierStore {
  /** The database, or (inside `transaction`) the transaction. */
  constructor(private readonly db: Database) {}

  /** Runs `fn` in one transaction, with a store whose every query is part of it. */
  transaction<T>(fn: (store: NotifierStore) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((tx) => fn(new NotifierStore(tx)));
  }

  /** Whether any event waits for its messages: a pass takes the write lock only then. */
  async hasPending(): Promise<boolean> {
    return (await anyPending(this.db)).length > 0;
  }

  pendingEvents(limit: number): Promise<PendingEvent[]> {
    return pendingEvents(this.db, limit);
  }

  async markNotified(eventIds: readonly number[], now: Date): Promise<void> {
    if (!eventIds.length) return;
    await this.db.updateTable("ReportEvent").set({ notifiedAt: now }).where("id", "in", eventIds).execute();
  }

  /** Queues messages (a no-op for dedupe keys already queued); returns how many were new. */
  enqueue(items: OutgoingMessage[], now: Date): Promise<number> {
    return enqueue(this.db, items, { now });
  }

  async report(reportId: number): Promise<NoticeReport | null> {
    const [row] = await reportRow(this.db, reportId);
    if (!row) return null;
    const followers = await followersOf(this.db, reportId);
    const {
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
      district:
        districtId === null
          ? null
          : {
              number: districtNumber!,
              name: districtName!,
              officer: officerId === null ? null : { rank: officerRank!, firstName: officerFirstName!, lastName: officerLastName!, user: officerUser },
            },
      followers: followers.map((f) => ({
        userId: f.userId,
        kind: f.kind,
        user: recipient(f.userId, f.telegramId, f.blocked, f.language, f.languageCode),
      })),
    };
  }

  /** The reporter's record, for the card: how many reports and how many confirmed. Never who they are. */
  async reporterRecord(reporterId: number): Promise<{ total: number; confirmed: number }> {
    const [row] = await reporterCounts(this.db, reporterId);
    return { total: Number(row!.total), confirmed: Number(row!.confirmed) };
  }

  /** Other reports of the category in a box of ±2×250 m around the point: one indexed count. */
  async nearby(report: { id: number; categoryCode: string; lat: number; lon: number }): Promise<number> {
    const box = nearbyBox(report);
    const [row] = await nearbyCount(this.db, report.categoryCode, report.id, box.south, box.north, box.west, box.east);
    return Number(row!.n);
  }

  /** The latest event after the creation (a status change, merge, category…), if any. */
  async lastChange(reportId: number): Promise<number | null> {
    const [row] = await lastChangeOf(this.db, reportId);
    return row?.id ?? null;
  }

  /** The staff member who last changed the report, for the card ("Celina (koordynator), 29.11.2026, 13:05"). */
  async lastStaffChange(reportId: number): Promise<{ name: string; role: string; at: Date } | null> {
    const [row] = await lastStaffChangeOf(this.db, reportId);
    return row ? { name: row.name, role: row.role!, at: row.at } : null;
  }

  async setModerationMessageId(reportId: number, messageId: number, now: Date): Promise<void> {
    await this.db.updateTable("Report").set({ moderationMessageId: messageId, updatedAt: now }).where("id", "=", reportId).execute();
  }
}

const recipient = (id: number, telegramId: number, blocked: boolean, language: string | null, languageCode: string | null): Recipient => ({
  id,
  telegramId: BigInt(telegramId),
  blocked,
  language,
  languageCode,
});
