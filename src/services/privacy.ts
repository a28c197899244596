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

    // The reports: the resident's words go, the police record stays.
    const reports = await tx.report.findMany({
      where: { reporterId: uid },
      select: {
        id: true,
        lat: true,
        lon: true,
        address: true,
        placeSource: true,
        description: true,
        moderationMessageId: true,
        district: { select: { name: true } },
      },
    });
    for (const r of reports) {
      const coords = formatCoordinates(r.lat, r.lon);
      // A typed address is the resident's words; a pin's label is the map's and stays.
      const neutral = r.placeSource === "address" ? (r.district ? `${r.district.name} · ${coords}` : coords) : null;
      await blankCardCopies(tx, r.id, [
        ...(r.description ? [[r.description, "—"] as const] : []),
        ...(neutral !== null ? [[r.address, neutral] as const] : []),
      ]);
      await tx.report.update({
        where: { id: r.id },
        data: { description: null, photos: "[]", contactConsent: false, reporterId: tombstone.id, ...(neutral !== null ? { address: neutral } : {}) },
      });
    }
    await purgeOwnMessages(tx, uid);
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

interface OutboxRow {
  id: number;
  kind: string;
  status: string;
  payload: string;
}

/**
 * The report's card wherever the outbox holds it (the moderators' card and its edits, the officer's copy), in
 * any status but "sending" (that one finishes): the resident's words are replaced in place, as the card renders
 * them ("Opis: …", "Miejsce: …"), so a queued card still tells the staff of the report and nothing already sent
 * goes out again (its dedupe key stays). Albums are the resident's photos: a queued one is dropped, a sent one
 * keeps only its method. Past edits of the group's card are dropped, so the caller's fresh edit is not absorbed
 * by an old key. Key ranges on the unique dedupe key ("report:<id>:…", "event:<id>:…"), never a list of ids.
 */
async function blankCardCopies(tx: Prisma.TransactionClient, reportId: number, replacements: (readonly [string, string])[]): Promise<void> {
  const rows = await tx.$queryRawUnsafe<OutboxRow[]>(
    `SELECT d."id", d."kind", d."status", d."payload" FROM "Delivery" d
       WHERE d."dedupeKey" >= ? AND d."dedupeKey" < ? AND d."kind" IN ${CARD_KINDS} AND d."status" <> 'sending'
     UNION ALL
     SELECT d."id", d."kind", d."status", d."payload" FROM "ReportEvent" e JOIN "Delivery" d
       ON d."dedupeKey" >= 'event:' || e."id" || ':' AND d."dedupeKey" < 'event:' || e."id" || ';'
       WHERE e."reportId" = ? AND d."kind" IN ${CARD_KINDS} AND d."status" <> 'sending'`,
    `report:${reportId}:`,
    `report:${reportId};`,
    reportId,
  );
  const swaps = replacements.map(([words, instead]) => [`: ${escapeHtml(words)}`, `: ${escapeHtml(instead)}`] as const);
  for (const row of rows) {
    const id = Number(row.id);
    const payload = JSON.parse(row.payload) as { method: string; text?: unknown; caption?: unknown };
    if (row.kind === "moderation_card_edit" && row.status !== "pending") {
      await tx.delivery.delete({ where: { id } });
    } else if (payload.method === "sendMediaGroup") {
      if (row.status === "pending") await tx.delivery.delete({ where: { id } });
      else await tx.delivery.update({ where: { id }, data: { payload: JSON.stringify({ method: payload.method }) } });
    } else {
      const blank = (v: unknown) => (typeof v === "string" ? swaps.reduce((text, [from, to]) => text.split(from).join(to), v) : v);
      const blanked = {
        ...payload,
        ...(payload.text !== undefined ? { text: blank(payload.text) } : {}),
        ...(payload.caption !== undefined ? { caption: blank(payload.caption) } : {}),
      };
      await tx.delivery.update({ where: { id }, data: { payload: JSON.stringify(blanked) } });
    }
  }
}

/**
 * Outbox rows, whatever their status but "sending": those addressed to the person, their additions and answers
 * (their events are marked notified, so nothing renders them again), their meeting questions; in a meeting's
 * digest, which lists every resident's questions, their lines are struck out.
 */
async function purgeOwnMessages(tx: Prisma.TransactionClient, uid: number): Promise<void> {
  const run = (sql: string, ...params: unknown[]) => tx.$executeRawUnsafe(sql, ...params);
  await run(
    `DELETE FROM "Delivery" WHERE "status" <> 'sending' AND "id" IN (
       SELECT d."id" FROM "ReportEvent" e JOIN "Delivery" d ON d."dedupeKey" >= 'event:' || e."id" || ':' AND d."dedupeKey" < 'event:' || e."id" || ';'
         WHERE e."actorId" = ? AND e."kind" IN ${WORDS_KINDS}
       UNION ALL
       SELECT d."id" FROM "MeetingQuestion" q JOIN "Delivery" d ON d."dedupeKey" = 'meeting:' || q."meetingId" || ':question:' || q."id" WHERE q."userId" = ?)`,
    uid,
    uid,
  );
  await run(`DELETE FROM "Delivery" WHERE ("userId" = ? OR "chatId" = (SELECT "telegramId" FROM "User" WHERE "id" = ?)) AND "status" <> 'sending'`, uid, uid);

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
