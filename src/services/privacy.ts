import { writeTransaction, type Db } from "../db/client.js";
import { PURGE_GEOCODE_KEYS_SQL } from "../db/geocodeCache.js";
import { sqliteDate } from "../db/hotPath.js";
import type { Prisma } from "../generated/prisma/client.js";
import { escapeHtml } from "../bot/html.js";
import { formatCoordinates } from "../bot/placeLabel.js";

/** The account reports are moved to when their reporter deletes their data: reports stay police records. */
const TOMBSTONE_TELEGRAM_ID = 0n;

/** Outbox rows about a report that quote what its reporter wrote (the card: description, typed address, photos). */
const CARD_KINDS = `('moderation_card', 'moderation_album', 'moderation_card_edit', 'officer_assignment')`;
/** Events whose only content is the resident's own words or photo. */
const WORDS_KINDS = `('addition', 'relay_answer')`;

/** What the caller does after the commit: the moderators' cards of these reports are brought up to date. */
export interface Deleted {
  cards: { reportId: number; messageId: number }[];
}

/**
 * "Usuń moje dane": everything tied to this Telegram account goes — saved address, subscriptions, RSVPs,
 * questions, open forms, queued and past messages quoting them, typed searches in the geocode cache, the
 * officer link, the user row itself. Reports stay (they are the police's record of a threat: category, place
 * as coordinates, times, status, the staff's notes) but lose the resident's own words — description, photos,
 * the address they typed (replaced by the district and the coordinates), additions and relayed answers — and no
 * longer point at the person: they move to an anonymous tombstone account without contact consent.
 * Returns null for an unknown account.
 */
export async function deleteUserData(db: Db, telegramId: number, now: Date = new Date()): Promise<Deleted | null> {
  return writeTransaction(db, async (tx) => {
    const user = await tx.user.findUnique({ where: { telegramId: BigInt(telegramId) } });
    if (!user) return null;
    const uid = user.id;
    const run = (sql: string, ...params: unknown[]) => tx.$executeRawUnsafe(sql, ...params);
    const tombstone = await tx.user.upsert({
      where: { telegramId: TOMBSTONE_TELEGRAM_ID },
      create: { telegramId: TOMBSTONE_TELEGRAM_ID, firstName: "", blocked: true },
      update: {},
    });

    await purgeOutbox(tx, uid);

    // The reports: the resident's words go, the police record stays.
    const reports = await tx.report.findMany({
      where: { reporterId: uid },
      select: { id: true, lat: true, lon: true, placeSource: true, moderationMessageId: true, district: { select: { name: true } } },
    });
    for (const r of reports) {
      const coords = formatCoordinates(r.lat, r.lon);
      await tx.report.update({
        where: { id: r.id },
        data: {
          description: null,
          photos: "[]",
          contactConsent: false,
          reporterId: tombstone.id,
          // A typed address is the resident's words; a pin's label is the map's and stays.
          ...(r.placeSource === "address" ? { address: r.district ? `${r.district.name} · ${coords}` : coords } : {}),
        },
      });
    }
    // Their events anywhere (additions, answers to an officer, a confirmation's own words): blanked, kept as
    // facts ("an answer came"). One still waiting for the notifier has nothing left to say.
    await run(
      `UPDATE "ReportEvent" SET "note" = NULL, "fileId" = NULL, "actorId" = NULL,
         "notifiedAt" = CASE WHEN "kind" IN ${WORDS_KINDS} THEN COALESCE("notifiedAt", ?) ELSE "notifiedAt" END
       WHERE "actorId" = ?`,
      sqliteDate(now),
      uid,
    );

    await tx.reportFollower.deleteMany({ where: { userId: uid } });
    await tx.meetingRsvp.deleteMany({ where: { userId: uid } });
    await tx.meetingQuestion.deleteMany({ where: { userId: uid } });
    await tx.subscription.deleteMany({ where: { userId: uid } });
    // Open forms (the report form's row, every dialogue's state keyed "<chat>:<user>") hold what was typed so far.
    await tx.conversationState.deleteMany({ where: { OR: [{ key: `reportForm:${telegramId}` }, { key: { endsWith: `:${telegramId}` } }] } });
    for (const sql of PURGE_GEOCODE_KEYS_SQL) await run(sql, uid);
    await tx.officer.updateMany({ where: { userId: uid }, data: { userId: null } });
    await tx.officerLinkCode.deleteMany({ where: { createdById: uid, usedAt: null } });
    await tx.meeting.updateMany({ where: { createdById: uid }, data: { createdById: null } });
    await tx.user.delete({ where: { id: uid } });
    return {
      cards: reports.filter((r) => r.moderationMessageId !== null).map((r) => ({ reportId: r.id, messageId: r.moderationMessageId! })),
    };
  });
}

/**
 * Outbox rows, whatever their status but "sending" (that one finishes): those addressed to the person, and
 * those quoting them to others — their reports' cards and officer copies, their additions and answers, their
 * meeting questions. A card or an officer copy that had not gone out yet is queued again by the notifier,
 * rendered from the blanked report, so the staff still learn of the report. Sub-selects and key ranges on the
 * unique dedupe key, never a list of ids: the statements do not grow with the data.
 */
async function purgeOutbox(tx: Prisma.TransactionClient, uid: number): Promise<void> {
  const run = (sql: string, ...params: unknown[]) => tx.$executeRawUnsafe(sql, ...params);
  // Rows of a report ("report:<id>:…") or an event ("event:<id>:…"): the keys between "<prefix>:" and "<prefix>;".
  const reportRows = `SELECT d."id", d."status", r."id" AS "reportId" FROM "Report" r JOIN "Delivery" d
      ON d."dedupeKey" >= 'report:' || r."id" || ':' AND d."dedupeKey" < 'report:' || r."id" || ';'
    WHERE r."reporterId" = ? AND d."kind" IN ${CARD_KINDS} AND d."status" <> 'sending'`;
  const eventRows = `SELECT d."id", d."status", e."id" AS "eventId" FROM "Report" r JOIN "ReportEvent" e ON e."reportId" = r."id" JOIN "Delivery" d
      ON d."dedupeKey" >= 'event:' || e."id" || ':' AND d."dedupeKey" < 'event:' || e."id" || ';'
    WHERE r."reporterId" = ? AND d."kind" IN ${CARD_KINDS} AND d."status" <> 'sending'`;
  const authoredRows = `SELECT d."id" FROM "ReportEvent" e JOIN "Delivery" d
      ON d."dedupeKey" >= 'event:' || e."id" || ':' AND d."dedupeKey" < 'event:' || e."id" || ';'
    WHERE e."actorId" = ? AND e."kind" IN ${WORDS_KINDS} AND d."status" <> 'sending'`;
  const questionRows = `SELECT d."id" FROM "MeetingQuestion" q JOIN "Delivery" d ON d."dedupeKey" = 'meeting:' || q."meetingId" || ':question:' || q."id"
    WHERE q."userId" = ? AND d."status" <> 'sending'`;

  // Cards and officer copies not yet sent are queued again (rendered from the blanked report) once these rows are gone.
  await run(
    `UPDATE "ReportEvent" SET "notifiedAt" = NULL WHERE "kind" = 'status' AND "fromStatus" IS NULL AND "reportId" IN
       (SELECT r."id" FROM "Report" r JOIN "Delivery" d ON d."dedupeKey" = 'report:' || r."id" || ':card' WHERE r."reporterId" = ? AND d."status" = 'pending')`,
    uid,
  );
  await run(
    `UPDATE "ReportEvent" SET "notifiedAt" = NULL WHERE ("actorId" IS NULL OR "actorId" <> ?)
       AND "id" IN (SELECT x."eventId" FROM (${eventRows}) x WHERE x."status" = 'pending')`,
    uid,
    uid,
  );
  for (const rows of [reportRows, eventRows, authoredRows, questionRows]) {
    await run(`DELETE FROM "Delivery" WHERE "id" IN (SELECT "id" FROM (${rows}))`, uid);
  }
  await run(`DELETE FROM "Delivery" WHERE ("userId" = ? OR "chatId" = (SELECT "telegramId" FROM "User" WHERE "id" = ?)) AND "status" <> 'sending'`, uid, uid);

  // A digest lists every resident's questions in one message: theirs are struck out, the others stay.
  const questions = await tx.meetingQuestion.findMany({ where: { userId: uid }, select: { meetingId: true, text: true } });
  for (const q of questions) {
    const digest = await tx.delivery.findUnique({ where: { dedupeKey: `meeting:${q.meetingId}:digest` } });
    if (!digest || digest.status === "sending") continue;
    const payload = JSON.parse(digest.payload) as { text?: string };
    if (typeof payload.text !== "string") continue;
    const line = new RegExp(`^(\\d+\\. )${escapeRegExp(escapeHtml(q.text))}$`, "gm");
    const text = payload.text.replace(line, "$1—");
    if (text !== payload.text) await tx.delivery.update({ where: { id: digest.id }, data: { payload: JSON.stringify({ ...payload, text }) } });
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
