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

/** What a card shows beyond the report's own row. */
export interface CardFacts {
  reporter: { total: number; confirmed: number };
  nearby: number;
  lastChange: { name: string; role: string; at: Date } | null;
}

/** Staff act under their first name in their own group; residents' events (additions, answers) are never named. */
const STAFF_ROLES = ["coordinator", "officer", "admin"];

/** The box of ±2×250 m around a report's point, in degrees. */
function nearbyBox(report: { lat: number; lon: number }): { south: number; north: number; west: number; east: number } {
  const dLat = (DUPLICATE_RADIUS_M * 2) / METRES_PER_DEGREE;
  const dLon = dLat / Math.cos((report.lat * Math.PI) / 180);
  return { south: report.lat - dLat, north: report.lat + dLat, west: report.lon - dLon, east: report.lon + dLon };
}

/**
 * What a moderators' card shows beyond the report's row, in one query (it runs for every report): the reporter's
 * record (how many reports, how many confirmed; never who they are), the other reports of the category in a box of
 * ±2×250 m around the point (a range on the (categoryCode, lat, lon) index: test/integration checks the plan), and
 * the staff member who last changed the report ("Celina (koordynator), 29.11.2026, 13:05").
 */
export function cardFactsQuery(db: Queryable, report: { id: number; reporterId: number; categoryCode: string; lat: number; lon: number }) {
  const box = nearbyBox(report);
  return cardFactsOf(db, report.id, report.reporterId, report.categoryCode, box.south, box.north, box.west, box.east);
}

const cardFactsOf = (db: Queryable, reportId: number, reporterId: number, categoryCode: string, south: number, north: number, west: number, east: number) =>
  db
    .selectFrom("Report as r")
    // The latest event of a staff member (the join keeps it a row of its own, dates decoded as dates).
    .leftJoin("ReportEvent as e", (join) =>
      join.on((eb) =>
        eb(
          "e.id",
          "=",
          eb
            .selectFrom("ReportEvent as x")
            .innerJoin("User as xu", "xu.id", "x.actorId")
            .select((x) => x.fn.max("x.id").as("id"))
            .where("x.reportId", "=", reportId)
            .where("x.actorRole", "in", STAFF_ROLES),
        ),
      ),
    )
    .leftJoin("User as u", "u.id", "e.actorId")
    .select((eb) => [
      eb
        .selectFrom("Report")
        .select((c) => c.fn.countAll().as("n"))
        .where("reporterId", "=", reporterId)
        .as("total"),
      eb
        .selectFrom("Report")
        .select((c) => c.fn.countAll().as("n"))
        .where("reporterId", "=", reporterId)
        .where("status", "in", CONFIRMED_STATUSES)
        .as("confirmed"),
      eb
        .selectFrom("Report")
        .select((c) => c.fn.countAll().as("n"))
        .where("categoryCode", "=", categoryCode)
        .where("id", "!=", reportId)
        .where((c) => c.between("lat", south, north))
        .where((c) => c.between("lon", west, east))
        .as("nearby"),
      "u.firstName as staffName",
      "e.actorRole as staffRole",
      "e.createdAt as staffAt",
    ])
    .where("r.id", "=", reportId);

// The notifier's queries run for every report: prepared (built and compiled once, see db/connection.ts).
const cardFacts = preparedQuery(cardFactsOf);
const anyPending = preparedQuery((db) => db.selectFrom("ReportEvent").select("id").where("notifiedAt", "is", null).limit(1));
const pendingEvents = preparedQuery((db, limit: number) =>
  db
    .selectFrom("ReportEvent")
    .select(["id", "reportId", "kind", "actorId", "toStatus", "fromStatus", "note", "publicNote", "fileId"])
    .where("notifiedAt", "is", null)
    .orderBy("id")
    .limit(limit),
);
/** The reports a notice needs, by id (a pass reads all its events' reports at once). */
const reportRows = (db: Queryable, reportIds: readonly number[]) =>
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
    .where("r.id", "in", reportIds)
    .execute();
const followerRows = (db: Queryable, reportIds: readonly number[]) =>
  db
    .selectFrom("ReportFollower as f")
    .innerJoin("User as u", "u.id", "f.userId")
    .select(["f.reportId", "f.userId", "f.kind", "u.telegramId", "u.blocked", "u.language", "u.languageCode"])
    .where("f.reportId", "in", reportIds)
    .orderBy("f.reportId")
    .orderBy("f.createdAt")
    .orderBy("f.userId")
    .execute();
const lastChangeOf = preparedQuery((db, reportId: number) =>
  db.selectFrom("ReportEvent").select("id").where("reportId", "=", reportId).where("fromStatus", "is not", null).orderBy("id", "desc").limit(1),
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
    return (await this.reports([reportId])).get(reportId) ?? null;
  }

  /** The reports by id, each with its followers, in two queries however many (a report that is gone is absent). */
  async reports(reportIds: readonly number[]): Promise<Map<number, NoticeReport>> {
    const found = new Map<number, NoticeReport>();
    if (!reportIds.length) return found;
    const rows = await reportRows(this.db, reportIds);
    if (!rows.length) return found;
    const followers = await followerRows(
      this.db,
      rows.map((r) => r.id),
    );
    for (const row of rows) {
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
      found.set(row.id, {
        ...fields,
        district:
          districtId === null
            ? null
            : {
                number: districtNumber!,
                name: districtName!,
                officer: officerId === null ? null : { rank: officerRank!, firstName: officerFirstName!, lastName: officerLastName!, user: officerUser },
              },
        followers: followers
          .filter((f) => f.reportId === row.id)
          .map((f) => ({
            userId: f.userId,
            kind: f.kind,
            user: recipient(f.userId, f.telegramId, f.blocked, f.language, f.languageCode),
          })),
      });
    }
    return found;
  }

  /** What the card shows beyond the report's row (cardFactsQuery); zeros and no staff change for a report that is gone. */
  async cardFacts(report: { id: number; reporterId: number; categoryCode: string; lat: number; lon: number }): Promise<CardFacts> {
    const box = nearbyBox(report);
    const [row] = await cardFacts(this.db, report.id, report.reporterId, report.categoryCode, box.south, box.north, box.west, box.east);
    return {
      reporter: { total: Number(row?.total ?? 0), confirmed: Number(row?.confirmed ?? 0) },
      nearby: Number(row?.nearby ?? 0),
      lastChange: row?.staffName != null ? { name: row.staffName, role: row.staffRole!, at: row.staffAt! } : null,
    };
  }

  /** The latest event after the creation (a status change, merge, category…), if any. */
  async lastChange(reportId: number): Promise<number | null> {
    const [row] = await lastChangeOf(this.db, reportId);
    return row?.id ?? null;
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
