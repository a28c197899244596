import type { Database, Queryable, Tx } from "../db/connection.js";
import type { OutgoingMessage } from "../delivery/outbox.js";
import { dueReminders, QUESTION_DIGEST_HOURS_BEFORE, questionDigestDue, sentReminderKey } from "../domain/meetings/schedule.js";
import { CANCELLED, OPEN, PUBLISHED, type MeetingInput } from "../domain/meetings/types.js";
import { detailsOf, type MeetingDetails, type MeetingRecord } from "./meetingQueries.js";
import { batchProgress, cancel as cancelDeliveries, enqueue } from "../delivery/outbox.js";

/** What a service that queues messages needs: the database, and the worker's bell to ring after its commit. */
export interface OutboxDeps {
  db: Database;
  notifier: { wakeOutbox(): void };
}

const announceBatch = (meetingId: number) => `meeting:${meetingId}:announce`;

/** A new meeting (a draft) with its districts. Inside the caller's transaction: see importMeetings, createAndPublishMeeting. */
async function insertMeeting(tx: Tx, input: MeetingInput, createdById: number | null, now: Date, formKey?: string): Promise<number> {
  const districts =
    input.cityWide || input.districtNumbers.length === 0
      ? []
      : await tx.selectFrom("District").select("id").where("number", "in", input.districtNumbers).orderBy("id").execute();
  const { id } = await tx
    .insertInto("Meeting")
    .values({
      title: input.title,
      organiser: input.organiser,
      startsAt: input.startsAt,
      endsAt: input.endsAt,
      venueName: input.venueName,
      venueAddress: input.venueAddress,
      lat: input.lat ?? null,
      lon: input.lon ?? null,
      cityWide: input.cityWide,
      description: input.description,
      agenda: input.agenda ?? null,
      createdById,
      createdAt: now,
      formKey: formKey ?? null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  if (districts.length)
    await tx
      .insertInto("MeetingArea")
      .values(districts.map((d) => ({ meetingId: id, districtId: d.id })))
      .execute();
  return id;
}

/** A draft meeting with its districts, in one transaction. */
export async function createMeeting(db: Database, input: MeetingInput, createdById: number | null, now: Date): Promise<number> {
  return db.transaction().execute((tx) => insertMeeting(tx, input, createdById, now));
}

/** Drafts of every meeting, all or nothing (the import CLI): their ids in order. */
export async function importMeetings(db: Database, meetings: MeetingInput[], now: Date): Promise<number[]> {
  return db.transaction().execute(async (tx) => {
    const created: number[] = [];
    for (const m of meetings) created.push(await insertMeeting(tx, m, null, now));
    return created;
  });
}

// Audiences are sub-selects inside one statement: a list of ids bound as parameters grows with the city
// and SQLite refuses a statement with more than 999 of them (a broadcast to 998 subscribers failed). Every
// query here binds a fixed number of values, whatever the number of residents.

type MeetingRef = { id: number; cityWide: boolean };

/** Users subscribed to something that covers the meeting: "everything", or one of its districts (any, when city-wide). */
const subscribed = (db: Queryable, m: MeetingRef) =>
  db
    .selectFrom("Subscription")
    .select("Subscription.userId")
    .$if(!m.cityWide, (q) =>
      q.where((eb) =>
        eb.or([
          eb("Subscription.scope", "=", "all"),
          eb("Subscription.districtId", "in", eb.selectFrom("MeetingArea").select("MeetingArea.districtId").where("MeetingArea.meetingId", "=", m.id)),
        ]),
      ),
    );

/** Those who said "Będę" to the meeting. */
const going = (db: Queryable, m: MeetingRef) => db.selectFrom("MeetingRsvp").select("MeetingRsvp.userId").where("MeetingRsvp.meetingId", "=", m.id);

/** Those the announcement reached. */
const reached = (db: Queryable, m: MeetingRef) =>
  db
    .selectFrom("Delivery")
    .select("Delivery.userId")
    .where("Delivery.batchKey", "=", announceBatch(m.id))
    .where("Delivery.status", "=", "sent")
    .where("Delivery.userId", "is not", null);

/** Who hears of a change; `going`: said "Będę" (their buttons show it). */
export type Recipient = { id: number; telegramId: number; language: string | null; languageCode: string | null; going: boolean };

async function recipients(db: Queryable, m: MeetingRef, who: "audience" | "reminder" | "change"): Promise<Recipient[]> {
  const rows = await db
    .selectFrom("User")
    .select((eb) => [
      "User.id",
      "User.telegramId",
      "User.language",
      "User.languageCode",
      eb.case().when("User.id", "in", going(db, m)).then(eb.lit(1)).else(eb.lit(0)).end().as("going"),
    ])
    .where("User.blocked", "=", false)
    .where((eb) =>
      who === "audience"
        ? eb("User.id", "in", subscribed(db, m))
        : who === "reminder"
          ? eb.or([eb("User.id", "in", subscribed(db, m)), eb("User.id", "in", going(db, m))])
          : eb.or([eb("User.id", "in", going(db, m)), eb.and([eb("User.id", "in", reached(db, m)), eb("User.id", "in", subscribed(db, m))])]),
    )
    .orderBy("User.id")
    .execute();
  return rows.map((r) => ({ id: r.id, telegramId: r.telegramId, language: r.language, languageCode: r.languageCode, going: Number(r.going) === 1 }));
}

/** Subscribers a meeting reaches: "everything", plus the meeting's districts (or every district when city-wide). */
export function audienceOf(db: Queryable, meeting: MeetingRef): Promise<Recipient[]> {
  return recipients(db, meeting, "audience");
}

/** Who is reminded of a meeting: its audience and everyone who said "Będę" (`going`: their buttons show it). */
export function reminderRecipients(db: Queryable, meeting: MeetingRef): Promise<Recipient[]> {
  return recipients(db, meeting, "reminder");
}

/**
 * Who hears of a change or a cancellation: those the announcement reached who still subscribe to something
 * that covers the meeting, and everyone who said "Będę". Unsubscribing means "no more messages about
 * meetings"; but a resident who said they are coming has asked about this one meeting and would otherwise
 * walk to a cancelled or moved meeting, so the "Będę" list is told regardless (they can withdraw it).
 */
export function changeNoticeRecipients(db: Queryable, meeting: MeetingRef): Promise<Recipient[]> {
  return recipients(db, meeting, "change");
}

type AnnouncementRender = (user: { id: number; language: string | null; languageCode: string | null }) => OutgoingMessage["message"];

/**
 * Publishes a draft: the status and one outbox row per subscriber, in one transaction (both or neither), each
 * row unique per meeting and resident. Publishing twice queues nobody twice.
 */
export async function publishMeeting(
  deps: OutboxDeps,
  input: { meetingId: number; now: Date; render: AnnouncementRender },
): Promise<{ queued: number; audience: number } | null> {
  const published = await deps.db.transaction().execute((tx) => publishIn(tx, input));
  if (published?.queued) deps.notifier.wakeOutbox();
  return published;
}

async function publishIn(tx: Tx, input: { meetingId: number; now: Date; render: AnnouncementRender }) {
  const meeting = await tx
    .updateTable("Meeting")
    .set({ status: PUBLISHED, publishedAt: input.now })
    .where("id", "=", input.meetingId)
    .where("status", "in", OPEN)
    .returning(["id", "cityWide"])
    .executeTakeFirst();
  if (!meeting) return null;
  const audience = await audienceOf(tx, meeting);
  const queued = await enqueue(
    tx,
    audience.map((u) => ({
      dedupeKey: `meeting:${meeting.id}:announce:user:${u.id}`,
      batchKey: announceBatch(meeting.id),
      chatId: u.telegramId,
      userId: u.id,
      kind: "meeting_announcement",
      message: input.render(u),
    })),
    { now: input.now },
  );
  return { queued, audience: audience.length };
}

/**
 * The new-meeting form's "Opublikuj": the meeting, its status and its announcements in one transaction,
 * idempotent on the form's key. A tap replayed after a crash (the inbox hands the update over again and the
 * conversation runs the step again) finds the meeting it made and queues nothing new.
 */
export async function createAndPublishMeeting(
  deps: OutboxDeps,
  input: { meeting: MeetingInput; formKey: string; createdById: number; now: Date; render: (meeting: MeetingRecord) => AnnouncementRender },
): Promise<{ id: number; audience: number; replayed: boolean }> {
  const result = await deps.db.transaction().execute(async (tx) => {
    const existing = await tx.selectFrom("Meeting").select("id").where("formKey", "=", input.formKey).executeTakeFirst();
    if (existing) {
      const { n } = await tx
        .selectFrom("Delivery")
        .select((eb) => eb.fn.countAll().as("n"))
        .where("batchKey", "=", announceBatch(existing.id))
        .executeTakeFirstOrThrow();
      return { id: existing.id, audience: Number(n), replayed: true, queued: 0 };
    }
    const id = await insertMeeting(tx, input.meeting, input.createdById, input.now, input.formKey);
    const meeting = await tx.selectFrom("Meeting").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    const published = await publishIn(tx, { meetingId: id, now: input.now, render: input.render(meeting) });
    return { id, audience: published?.audience ?? 0, replayed: false, queued: published?.queued ?? 0 };
  });
  if (result.queued) deps.notifier.wakeOutbox();
  return { id: result.id, audience: result.audience, replayed: result.replayed };
}

type Render = (user: Recipient) => OutgoingMessage["message"];

/**
 * Cancels a meeting, in one transaction: the status, the announcements still queued stop, and one notice per
 * person who must hear of it (see changeNoticeRecipients). Null when it was not published (or a draft) any more.
 */
export async function cancelMeeting(deps: OutboxDeps, input: { meetingId: number; now: Date; render: Render }): Promise<number | null> {
  const notified = await deps.db.transaction().execute(async (tx) => {
    const meeting = await tx
      .updateTable("Meeting")
      .set({ status: CANCELLED, cancelledAt: input.now })
      .where("id", "=", input.meetingId)
      .where("status", "in", OPEN)
      .returning(["id", "cityWide"])
      .executeTakeFirst();
    if (!meeting) return null;
    await cancelDeliveries(tx, { batchKey: announceBatch(meeting.id) });
    const users = await changeNoticeRecipients(tx, meeting);
    return enqueue(
      tx,
      users.map((u) => ({
        dedupeKey: `meeting:${meeting.id}:cancelled:user:${u.id}`,
        chatId: u.telegramId,
        userId: u.id,
        kind: "meeting_cancelled",
        message: input.render(u),
      })),
      { now: input.now },
    );
  });
  if (notified) deps.notifier.wakeOutbox();
  return notified;
}

export const EDITABLE_FIELDS = ["title", "when", "venueName", "venueAddress", "description", "agenda"] as const;
export type EditableField = (typeof EDITABLE_FIELDS)[number];

export type MeetingChange = Partial<{
  title: string;
  startsAt: Date;
  endsAt: Date;
  venueName: string;
  venueAddress: string;
  description: string;
  agenda: string | null;
}>;

/**
 * Changes fields of a published meeting and tells those who must hear of it (changeNoticeRecipients) what
 * changed, in one transaction. The revision goes up: the .ics keeps its UID and raises SEQUENCE.
 * Announcements still queued go out with the old text: the notice follows them.
 */
export async function editMeeting(
  deps: OutboxDeps,
  input: {
    meetingId: number;
    data: MeetingChange;
    now: Date;
    /** The edit dialogue's key: the same edit replayed after a crash changes nothing and tells nobody again. */
    editKey: string;
    render: (user: Recipient, before: MeetingRecord, after: MeetingRecord) => OutgoingMessage["message"];
  },
): Promise<number | null> {
  const batchKey = `meeting:${input.meetingId}:update:${input.editKey}`;
  const outcome = await deps.db.transaction().execute(async (tx) => {
    const before = await tx.selectFrom("Meeting").selectAll().where("id", "=", input.meetingId).executeTakeFirst();
    if (!before || before.status !== PUBLISHED) return null;
    const { n: applied } = await tx
      .selectFrom("Delivery")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("batchKey", "=", batchKey)
      .executeTakeFirstOrThrow();
    if (Number(applied)) return { notified: Number(applied), queued: 0 };
    const after = await tx
      .updateTable("Meeting")
      .set((eb) => ({ ...input.data, revision: eb("revision", "+", 1) }))
      .where("id", "=", before.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const users = await changeNoticeRecipients(tx, after);
    const queued = await enqueue(
      tx,
      users.map((u) => ({
        dedupeKey: `meeting:${after.id}:update:${input.editKey}:user:${u.id}`,
        batchKey,
        chatId: u.telegramId,
        userId: u.id,
        kind: "meeting_update",
        message: input.render(u, before, after),
      })),
      { now: input.now },
    );
    return { notified: queued, queued };
  });
  if (outcome?.queued) deps.notifier.wakeOutbox();
  return outcome?.notified ?? null;
}

/** "Będę" (going = true) or "Nie będę": idempotent, never a toggle, so a repeated tap changes nothing. */
export async function setRsvp(
  db: Database,
  input: { meetingId: number; userId: number; going: boolean; now: Date },
): Promise<{ changed: boolean; count: number }> {
  const result = input.going
    ? await db
        .insertInto("MeetingRsvp")
        .values({ meetingId: input.meetingId, userId: input.userId, createdAt: input.now })
        .onConflict((oc) => oc.columns(["meetingId", "userId"]).doNothing())
        .executeTakeFirst()
        .then((r) => Number(r.numInsertedOrUpdatedRows ?? 0))
    : await db
        .deleteFrom("MeetingRsvp")
        .where("meetingId", "=", input.meetingId)
        .where("userId", "=", input.userId)
        .executeTakeFirst()
        .then((r) => Number(r.numDeletedRows));
  const { n } = await db
    .selectFrom("MeetingRsvp")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("meetingId", "=", input.meetingId)
    .executeTakeFirstOrThrow();
  return { changed: result > 0, count: Number(n) };
}

/** Where a meeting's questions go: the coordinator who announced it, else the moderators' group. */
export async function organiserOf(db: Queryable, meeting: { createdById: number | null }, fallbackChatId: bigint | undefined) {
  const organiser = meeting.createdById
    ? await db.selectFrom("User").select(["id", "telegramId", "blocked", "language", "languageCode"]).where("id", "=", meeting.createdById).executeTakeFirst()
    : undefined;
  const user = organiser && !organiser.blocked ? organiser : null;
  const chatId: number | bigint | null = user ? user.telegramId : (fallbackChatId ?? null);
  return chatId === null ? null : { chatId, user };
}

export type Organiser = NonNullable<Awaited<ReturnType<typeof organiserOf>>>;

/**
 * Stores a resident's question. Once the digest has gone out (the day before, or at once for a meeting
 * announced at short notice) the question is forwarded to the organiser on its own, queued in the same
 * transaction as it is stored, so it cannot fall between the digest and the meeting.
 */
export async function askQuestion(
  deps: OutboxDeps,
  input: {
    meetingId: number;
    userId: number;
    text: string;
    now: Date;
    fallbackChatId: bigint | undefined;
    render: (organiser: Organiser, meeting: { title: string }) => OutgoingMessage["message"];
  },
): Promise<{ forwarded: boolean } | null> {
  const outcome = await deps.db.transaction().execute(async (tx) => {
    const meeting = await tx.selectFrom("Meeting").selectAll().where("id", "=", input.meetingId).executeTakeFirst();
    if (!meeting || meeting.status !== PUBLISHED || meeting.endsAt <= input.now) return null;
    const question = await tx
      .insertInto("MeetingQuestion")
      .values({ meetingId: meeting.id, userId: input.userId, text: input.text, createdAt: input.now })
      .returning("id")
      .executeTakeFirstOrThrow();
    if (meeting.digestSentAt === null) return { forwarded: false };
    const organiser = await organiserOf(tx, meeting, input.fallbackChatId);
    if (!organiser) return { forwarded: false };
    await enqueue(
      tx,
      [
        {
          dedupeKey: `meeting:${meeting.id}:question:${question.id}`,
          chatId: organiser.chatId,
          kind: "meeting_question",
          message: input.render(organiser, meeting),
        },
      ],
      { now: input.now },
    );
    return { forwarded: true };
  });
  if (outcome?.forwarded) deps.notifier.wakeOutbox();
  return outcome;
}

/**
 * The digest of a meeting's questions, once, in one transaction with the mark that it went out (questions
 * stored later are forwarded one by one, see askQuestion). With no questions nothing is sent when the meeting
 * was announced less than a digest period before (the organiser learns nothing from "none yet" an hour
 * after announcing it); otherwise the organiser hears that none came and that later ones will follow.
 */
export async function sendDigest(
  deps: OutboxDeps,
  input: {
    meetingId: number;
    now: Date;
    fallbackChatId: bigint | undefined;
    render: (organiser: Organiser, meeting: MeetingRecord, questions: { text: string }[]) => OutgoingMessage["message"];
  },
): Promise<"sent" | "skipped" | null> {
  const outcome = await deps.db.transaction().execute(async (tx) => {
    const meeting = await tx.selectFrom("Meeting").selectAll().where("id", "=", input.meetingId).executeTakeFirst();
    if (!meeting || meeting.status !== PUBLISHED || meeting.digestSentAt !== null) return null;
    const questions = await tx.selectFrom("MeetingQuestion").select("text").where("meetingId", "=", meeting.id).orderBy("id").execute();
    const organiser = await organiserOf(tx, meeting, input.fallbackChatId);
    // Residents had the whole time before the digest to ask: "none came" is then worth saying.
    const announcedEarly =
      meeting.publishedAt !== null && meeting.publishedAt.getTime() <= meeting.startsAt.getTime() - QUESTION_DIGEST_HOURS_BEFORE * 3600_000;
    const send = organiser !== null && (questions.length > 0 || announcedEarly);
    if (send)
      await enqueue(
        tx,
        [{ dedupeKey: `meeting:${meeting.id}:digest`, chatId: organiser.chatId, kind: "meeting_digest", message: input.render(organiser, meeting, questions) }],
        { now: input.now },
      );
    await tx.updateTable("Meeting").set({ digestSentAt: input.now }).where("id", "=", meeting.id).execute();
    return send ? "sent" : "skipped";
  });
  if (outcome === "sent") deps.notifier.wakeOutbox();
  return outcome;
}

const DAY = 24 * 3600_000;

/**
 * From the day before a meeting, the residents' questions go to the organiser as one digest (see sendDigest:
 * nothing empty is sent for a meeting announced at short notice); questions after it are forwarded one by one.
 * Returns how many digests were sent.
 */
export async function sendDueDigests(
  deps: OutboxDeps,
  input: { now: Date; fallbackChatId: bigint | undefined; render: Parameters<typeof sendDigest>[1]["render"] },
): Promise<number> {
  const meetings = await deps.db
    .selectFrom("Meeting")
    .select(["id", "startsAt"])
    .where("status", "=", PUBLISHED)
    .where("digestSentAt", "is", null)
    .where("startsAt", ">", input.now)
    .where("startsAt", "<=", new Date(input.now.getTime() + DAY))
    .execute();
  let count = 0;
  for (const m of meetings) {
    if (!questionDigestDue(m.startsAt, input.now)) continue;
    if ((await sendDigest(deps, { meetingId: m.id, ...input })) === "sent") count++;
  }
  return count;
}

/**
 * Meeting reminders (the offsets before the start, once each) to the meeting's audience and those who said
 * "Będę": the rows and the mark that they are queued in one transaction per reminder. Returns how many were queued.
 */
export async function queueMeetingReminders(
  deps: OutboxDeps,
  input: { now: Date; offsetsHours: readonly number[]; render: (meeting: MeetingDetails) => (user: Recipient) => OutgoingMessage["message"] },
): Promise<number> {
  const { db } = deps;
  const { now } = input;
  const rows = await db
    .selectFrom("Meeting")
    .selectAll()
    .where("status", "=", PUBLISHED)
    .where("startsAt", ">", now)
    .where("startsAt", "<=", new Date(now.getTime() + (Math.max(...input.offsetsHours) + 1) * 3600_000))
    .execute();
  if (!rows.length) return 0;
  const meetings = await detailsOf(db, rows);
  const reminders = await db
    .selectFrom("MeetingReminder")
    .select(["meetingId", "key"])
    .where(
      "meetingId",
      "in",
      rows.map((m) => m.id),
    )
    .execute();
  const sent = new Set(reminders.map((r) => sentReminderKey(r.meetingId, r.key)));
  const schedulable = meetings.map((m) => ({ ...m, status: PUBLISHED, announcedAt: m.publishedAt }));
  let queued = 0;
  for (const due of dueReminders(schedulable, sent, now, input.offsetsHours)) {
    const m = due.meeting;
    const render = input.render(m);
    queued += await db.transaction().execute(async (tx) => {
      // One query however many residents (see reminderRecipients): a list of ids as parameters would not fit.
      const people = await reminderRecipients(tx, m);
      await enqueue(
        tx,
        people.map((u) => ({
          dedupeKey: `meeting:${m.id}:remind:${due.key}:user:${u.id}`,
          batchKey: `meeting:${m.id}:remind:${due.key}`,
          chatId: u.telegramId,
          userId: u.id,
          kind: "meeting_reminder",
          message: render(u),
        })),
        { now },
      );
      await tx
        .insertInto("MeetingReminder")
        .values({ meetingId: m.id, key: due.key, sentAt: now })
        .onConflict((oc) => oc.columns(["meetingId", "key"]).doNothing())
        .execute();
      return people.length;
    });
  }
  if (queued) deps.notifier.wakeOutbox();
  return queued;
}

/**
 * The organiser's progress message of each broadcast of the last day, edited in place (sent / failed / left)
 * whenever the figures changed since `lastShown` (the caller keeps it between runs).
 */
export async function queueBroadcastProgress(
  deps: OutboxDeps,
  input: {
    now: Date;
    lastShown: Map<number, string>;
    render: (meeting: { title: string }, progress: Awaited<ReturnType<typeof batchProgress>>) => string;
  },
): Promise<void> {
  const { db } = deps;
  const meetings = await db
    .selectFrom("Meeting")
    .select(["id", "title", "progressChatId", "progressMessageId"])
    .where("status", "in", [PUBLISHED, CANCELLED])
    .where("progressMessageId", "is not", null)
    .where("publishedAt", ">=", new Date(input.now.getTime() - DAY))
    .execute();
  let queued = 0;
  for (const m of meetings) {
    const p = await batchProgress(db, announceBatch(m.id));
    const key = `${p.sent}/${p.failed}/${p.pending}/${p.cancelled}`;
    if (input.lastShown.get(m.id) === key) continue;
    input.lastShown.set(m.id, key);
    queued += await enqueue(
      db,
      [
        {
          dedupeKey: `meeting:${m.id}:progress:${key}`,
          chatId: m.progressChatId!,
          kind: "meeting_progress",
          message: { method: "editMessageText", message_id: m.progressMessageId!, text: input.render(m, p) },
        },
      ],
      { now: input.now },
    );
  }
  if (queued) deps.notifier.wakeOutbox();
}

/** Remembers the organiser's progress message of a broadcast (see queueBroadcastProgress). */
export async function setProgressMessage(db: Database, meetingId: number, message: { chatId: number; messageId: number }): Promise<void> {
  await db.updateTable("Meeting").set({ progressChatId: message.chatId, progressMessageId: message.messageId }).where("id", "=", meetingId).execute();
}

export async function subscribe(db: Database, userId: number, districtId: number | null, now: Date): Promise<boolean> {
  const scope = districtId === null ? "all" : `district:${districtId}`;
  const result = await db
    .insertInto("Subscription")
    .values({ userId, scope, districtId, createdAt: now })
    .onConflict((oc) => oc.columns(["userId", "scope"]).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Removes subscriptions (one scope, or all) and stops announcements still queued for this resident. */
export async function unsubscribe(db: Database, userId: number, scope: string | null): Promise<number> {
  return db.transaction().execute(async (tx) => {
    const removed = await tx
      .deleteFrom("Subscription")
      .where("userId", "=", userId)
      .$if(scope !== null, (q) => q.where("scope", "=", scope!))
      .executeTakeFirst();
    const left = await tx.selectFrom("Subscription").select("id").where("userId", "=", userId).limit(1).executeTakeFirst();
    if (!left) await cancelDeliveries(tx, { userId, kind: "meeting_announcement" });
    return Number(removed.numDeletedRows);
  });
}
