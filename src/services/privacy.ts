import { sql, type Expression, type ExpressionBuilder, type SqlBool, type Updateable } from "kysely";
import type { Database, Queryable, Tx } from "../db/connection.js";
import { purgeGeocodeKeysOf } from "../db/geocodeCache.js";
import type { DB, Report } from "../generated/kysely/types.js";
import { escapeHtml } from "../bot/html.js";
import { formatCoordinates } from "../bot/placeLabel.js";

/** The account reports are moved to when their reporter deletes their data: reports stay police records. */
export const TOMBSTONE_TELEGRAM_ID = 0;

/** Outbox rows about a report that quote what its reporter wrote (the card: description, typed address, photos). */
const CARD_KINDS = ["moderation_card", "moderation_album", "moderation_card_edit", "officer_assignment"];
/** Events whose only content is the resident's own words or photo. */
export const WORDS_KINDS = ["addition", "relay_answer"];

/** The moderators' cards of the deleted account's reports (those already in the group). */
export interface Deleted {
  cards: { reportId: number; messageId: number }[];
}

/** What deleting needs besides the database: the notifier brings the moderators' cards up to date after the commit. */
export interface PrivacyDeps {
  db: Database;
  notifier: { flush(): Promise<void>; recordSent(event: { dedupeKey: string; result?: unknown }): Promise<void> };
}

/**
 * "Usuń moje dane": everything tied to this Telegram account goes — saved address, subscriptions, RSVPs,
 * questions, open forms, queued and past messages quoting them, typed searches in the geocode cache, the
 * officer link, the user row itself. Reports stay (they are the police's record of a threat: category, place
 * as coordinates, times, status, the staff's notes) but lose the resident's own words — description, photos,
 * the address they typed (replaced by the district and the coordinates), additions and relayed answers — and no
 * longer point at the person: they move to an anonymous tombstone account without contact consent.
 * After the commit, cards that had not gone out are queued again without the resident's words, and those in the
 * group are edited to match. Returns null for an unknown account.
 */
export async function deleteUserData(deps: PrivacyDeps, telegramId: number, now: Date): Promise<Deleted | null> {
  const deleted = await deps.db.transaction().execute((tx) => deleteInTransaction(tx, telegramId, now));
  if (deleted) {
    await deps.notifier.flush();
    for (const card of deleted.cards) await deps.notifier.recordSent(cardSent(card));
  }
  return deleted;
}

/** What the outbox would tell the notifier had the card just been sent: it then edits the group's card to show the report as it is now. */
export const cardSent = (card: { reportId: number; messageId: number }) => ({
  dedupeKey: `report:${card.reportId}:card`,
  result: { message_id: card.messageId },
});

/** "Usuń moje dane" inside the caller's transaction (the retention job deletes inactive accounts with it too). */
export async function deleteInTransaction(tx: Tx, telegramId: number, now: Date): Promise<Deleted | null> {
  const user = await tx.selectFrom("User").select("id").where("telegramId", "=", telegramId).executeTakeFirst();
  if (!user) return null;
  const uid = user.id;
  await tx
    .insertInto("User")
    .values({ telegramId: TOMBSTONE_TELEGRAM_ID, firstName: "", blocked: true, firstSeen: now, lastSeen: now })
    .onConflict((oc) => oc.column("telegramId").doNothing())
    .execute();
  const tombstone = await tx.selectFrom("User").select("id").where("telegramId", "=", TOMBSTONE_TELEGRAM_ID).executeTakeFirstOrThrow();

  // The reports: the resident's words go, the police record stays, no longer tied to the person.
  const reports = await reportsToStrip(tx).where("Report.reporterId", "=", uid).orderBy("Report.id").execute();
  for (const r of reports) await stripReport(tx, r, now, { contactConsent: false, reporterId: tombstone.id });
  // Their words anywhere (additions, answers to an officer, a confirmation's own words), and whatever else they
  // noted on an event: blanked, the events kept as facts ("an answer came").
  await silenceEvents(tx, (eb) => eb.and([eb("actorId", "=", uid), eb("kind", "in", WORDS_KINDS)]), now);
  await purgeOwnMessages(tx, uid, telegramId);
  await tx.updateTable("ReportEvent").set({ note: null, fileId: null, actorId: null }).where("actorId", "=", uid).execute();

  await tx.deleteFrom("ReportFollower").where("userId", "=", uid).execute();
  // Their answers to "Czy problem nadal występuje?" stay as facts, no longer tied to them.
  await tx.updateTable("ReportFollowUp").set({ userId: null }).where("userId", "=", uid).execute();
  await tx.deleteFrom("MeetingRsvp").where("userId", "=", uid).execute();
  await tx.deleteFrom("MeetingQuestion").where("userId", "=", uid).execute();
  // Ratings of meetings and consultation votes stay in the counts; the comments and suggestions (their words) go.
  await tx.updateTable("MeetingFeedback").set({ userId: null, comment: null }).where("userId", "=", uid).execute();
  await tx.updateTable("ConsultationVote").set({ userId: null, text: null }).where("userId", "=", uid).execute();
  await tx.deleteFrom("Subscription").where("userId", "=", uid).execute();
  // Open forms (the report form's row, every dialogue's state keyed "<chat>:<user>") hold what was typed so far.
  await tx
    .deleteFrom("ConversationState")
    .where((eb) => eb.or([eb("key", "=", `reportForm:${telegramId}`), eb("key", "like", `%:${telegramId}`)]))
    .execute();
  await purgeGeocodeKeysOf(tx, uid);
  await tx.updateTable("Officer").set({ userId: null }).where("userId", "=", uid).execute();
  await tx.deleteFrom("OfficerLinkCode").where("createdById", "=", uid).where("usedAt", "is", null).execute();
  await tx.updateTable("Meeting").set({ createdById: null }).where("createdById", "=", uid).execute();
  await tx.deleteFrom("User").where("id", "=", uid).execute();
  return {
    cards: reports.flatMap((r) => (r.moderationMessageId !== null ? [{ reportId: r.id, messageId: r.moderationMessageId }] : [])),
  };
}

/** `'<prefix>' || <id> || '<suffix>'`: a dedupe key (or its bound) built from a row's id, in standard SQL. */
const keyOf = (prefix: string, id: string, suffix: string) => sql<string>`${sql.lit(prefix)} || ${sql.ref(id)} || ${sql.lit(suffix)}`;

/** What stripping a report of its resident's words reads: the report and its district's name. */
export type ReportToStrip = {
  id: number;
  lat: number;
  lon: number;
  address: string;
  placeSource: string;
  description: string | null;
  moderationMessageId: number | null;
  districtName: string | null;
};

/** Reports as `stripReport` takes them; the caller says which (`.where(...)`). */
export function reportsToStrip(db: Queryable) {
  return db
    .selectFrom("Report")
    .leftJoin("District", "District.id", "Report.districtId")
    .select([
      "Report.id",
      "Report.lat",
      "Report.lon",
      "Report.address",
      "Report.placeSource",
      "Report.description",
      "Report.moderationMessageId",
      "District.name as districtName",
    ]);
}

/**
 * Strips a report of its resident's words, for "Usuń moje dane" and the retention job alike: the description,
 * the photos and a typed address (replaced by the district and the coordinates; a pin's label is the map's and
 * stays) go from the report and from its copies in the outbox (blankCardCopies); the police record stays:
 * category, point, times, status, the staff's notes. `also`: the caller's own columns (the tombstone as
 * reporter; the retention job's mark). The words of its events are the caller's (silenceEvents).
 */
export async function stripReport(
  tx: Tx,
  r: ReportToStrip,
  now: Date,
  also: Pick<Updateable<Report>, "contactConsent" | "reporterId" | "wordsRemovedAt"> = {},
): Promise<void> {
  const coords = formatCoordinates(r.lat, r.lon);
  const neutral = r.placeSource === "address" ? (r.districtName !== null ? `${r.districtName} · ${coords}` : coords) : null;
  await blankCardCopies(tx, r.id, [...(r.description ? [[r.description, "—"] as const] : []), ...(neutral !== null ? [[r.address, neutral] as const] : [])]);
  await tx
    .updateTable("Report")
    .set({ description: null, photos: "[]", ...(neutral !== null ? { address: neutral } : {}), ...also, updatedAt: now })
    .where("id", "=", r.id)
    .execute();
}

/** Which events (a condition on ReportEvent). */
export type EventFilter = (eb: ExpressionBuilder<DB, "ReportEvent">) => Expression<SqlBool>;

/**
 * Events lose their words (note and photo) and stay as facts ("an answer came"); the outbox rows that relayed
 * them (to the officer, the group, the resident) go, whatever their status but "sending" (that one finishes);
 * one still waiting for the notifier is marked notified, so nothing renders it again.
 */
export async function silenceEvents(tx: Tx, which: EventFilter, now: Date): Promise<void> {
  const relayed = tx
    .selectFrom("ReportEvent as e")
    .innerJoin("Delivery as d", (join) => join.on("d.dedupeKey", ">=", keyOf("event:", "e.id", ":")).on("d.dedupeKey", "<", keyOf("event:", "e.id", ";")))
    .select("d.id")
    .where("e.id", "in", tx.selectFrom("ReportEvent").select("id").where(which));
  await tx.deleteFrom("Delivery").where("status", "<>", "sending").where("id", "in", relayed).execute();
  await tx.updateTable("ReportEvent").set({ notifiedAt: now }).where(which).where("notifiedAt", "is", null).execute();
  await tx.updateTable("ReportEvent").set({ note: null, fileId: null }).where(which).execute();
}

/**
 * The report's card wherever the outbox holds it (the moderators' card and its edits, the officer's copy), in
 * any status but "sending" (that one finishes): the resident's words are replaced in place, as the card renders
 * them ("Opis: …", "Miejsce: …"), so a queued card still tells the staff of the report and nothing already sent
 * goes out again (its dedupe key stays). Albums are the resident's photos: a queued one is dropped, a sent one
 * keeps only its method. Past edits of the group's card are dropped, so the caller's fresh edit is not absorbed
 * by an old key. Key ranges on the unique dedupe key ("report:<id>:…", "event:<id>:…"), never a list of ids.
 */
async function blankCardCopies(tx: Tx, reportId: number, replacements: (readonly [string, string])[]): Promise<void> {
  const byReport = tx
    .selectFrom("Delivery as d")
    .select(["d.id", "d.kind", "d.status", "d.payload"])
    .where("d.dedupeKey", ">=", `report:${reportId}:`)
    .where("d.dedupeKey", "<", `report:${reportId};`)
    .where("d.kind", "in", CARD_KINDS)
    .where("d.status", "<>", "sending");
  const byEvent = tx
    .selectFrom("ReportEvent as e")
    .innerJoin("Delivery as d", (join) => join.on("d.dedupeKey", ">=", keyOf("event:", "e.id", ":")).on("d.dedupeKey", "<", keyOf("event:", "e.id", ";")))
    .select(["d.id", "d.kind", "d.status", "d.payload"])
    .where("e.reportId", "=", reportId)
    .where("d.kind", "in", CARD_KINDS)
    .where("d.status", "<>", "sending");
  const rows = await byReport.unionAll(byEvent).execute();
  const swaps = replacements.map(([words, instead]) => [`: ${escapeHtml(words)}`, `: ${escapeHtml(instead)}`] as const);
  for (const row of rows) {
    const payload = JSON.parse(row.payload) as { method: string; text?: unknown; caption?: unknown };
    if (row.kind === "moderation_card_edit" && row.status !== "pending") {
      await tx.deleteFrom("Delivery").where("id", "=", row.id).execute();
    } else if (payload.method === "sendMediaGroup") {
      if (row.status === "pending") await tx.deleteFrom("Delivery").where("id", "=", row.id).execute();
      else
        await tx
          .updateTable("Delivery")
          .set({ payload: JSON.stringify({ method: payload.method }) })
          .where("id", "=", row.id)
          .execute();
    } else {
      const blank = (v: unknown) => (typeof v === "string" ? swaps.reduce((text, [from, to]) => text.split(from).join(to), v) : v);
      const blanked = {
        ...payload,
        ...(payload.text !== undefined ? { text: blank(payload.text) } : {}),
        ...(payload.caption !== undefined ? { caption: blank(payload.caption) } : {}),
      };
      await tx
        .updateTable("Delivery")
        .set({ payload: JSON.stringify(blanked) })
        .where("id", "=", row.id)
        .execute();
    }
  }
}

/**
 * Outbox rows, whatever their status but "sending": those addressed to the person and their meeting questions
 * (their additions and answers went with silenceEvents); in a meeting's digest, which lists every resident's
 * questions, their lines are struck out.
 */
async function purgeOwnMessages(tx: Tx, uid: number, telegramId: number): Promise<void> {
  const ofTheirQuestions = tx
    .selectFrom("MeetingQuestion as q")
    .innerJoin("Delivery as d", (join) =>
      join.on("d.dedupeKey", "=", sql<string>`${sql.lit("meeting:")} || ${sql.ref("q.meetingId")} || ${sql.lit(":question:")} || ${sql.ref("q.id")}`),
    )
    .select("d.id")
    .where("q.userId", "=", uid);
  await tx.deleteFrom("Delivery").where("status", "<>", "sending").where("id", "in", ofTheirQuestions).execute();
  // Their consultation suggestions on their way to the officer ("consultation:<id>:suggestion:<vote>:<time>").
  const votes = await tx
    .selectFrom("ConsultationVote")
    .select(["id", "consultationId", "text"])
    .where("userId", "=", uid)
    .where("text", "is not", null)
    .execute();
  for (const v of votes)
    await tx
      .deleteFrom("Delivery")
      .where("status", "<>", "sending")
      .where("dedupeKey", "like", `consultation:${v.consultationId}:suggestion:${v.id}:%`)
      .execute();
  await tx
    .deleteFrom("Delivery")
    .where((eb) => eb.or([eb("userId", "=", uid), eb("chatId", "=", telegramId)]))
    .where("status", "<>", "sending")
    .execute();

  const questions = await tx.selectFrom("MeetingQuestion").select(["meetingId", "text"]).where("userId", "=", uid).execute();
  for (const q of questions) await strikeOutLine(tx, (d) => d("dedupeKey", "=", `meeting:${q.meetingId}:digest`), q.text);
  // A consultation's result for the officer lists every suggestion: theirs is struck out while it waits.
  for (const v of votes) await strikeOutLine(tx, (d) => d("dedupeKey", "like", `consultation:${v.consultationId}:result:owner:%`), v.text!);
}

/** In queued messages that list residents' words one per numbered line ("3. …"), this resident's line becomes "3. —". */
async function strikeOutLine(tx: Tx, which: (eb: ExpressionBuilder<DB, "Delivery">) => Expression<SqlBool>, words: string): Promise<void> {
  const rows = await tx.selectFrom("Delivery").select(["id", "status", "payload"]).where(which).execute();
  const line = new RegExp(`^(\\d+\\. )${escapeRegExp(escapeHtml(words))}$`, "gm");
  for (const row of rows) {
    if (row.status === "sending") continue;
    const payload = JSON.parse(row.payload) as { text?: string };
    if (typeof payload.text !== "string") continue;
    const text = payload.text.replace(line, "$1—");
    if (text !== payload.text)
      await tx
        .updateTable("Delivery")
        .set({ payload: JSON.stringify({ ...payload, text }) })
        .where("id", "=", row.id)
        .execute();
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
