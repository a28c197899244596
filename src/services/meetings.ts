import { writeTransaction, type Db } from "../db/client.js";
import type { Prisma } from "../generated/prisma/client.js";
import { cancel as cancelDeliveries, enqueue, type DbOrTx, type OutgoingMessage } from "../delivery/outbox.js";
import type { MeetingInput } from "../domain/meetings/types.js";

export type MeetingRow = NonNullable<Awaited<ReturnType<typeof getMeeting>>>;

export function getMeeting(db: Db, id: number) {
  return db.meeting.findUnique({
    where: { id },
    include: { areas: { include: { district: { select: { id: true, number: true, name: true } } } }, _count: { select: { rsvps: true, questions: true } } },
  });
}

export async function createMeeting(
  db: Db | Prisma.TransactionClient,
  input: MeetingInput,
  createdById: number | null,
  now: Date,
  formKey?: string,
): Promise<number> {
  const districts = input.cityWide ? [] : await db.district.findMany({ where: { number: { in: input.districtNumbers } }, select: { id: true } });
  const meeting = await db.meeting.create({
    data: {
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
      areas: { create: districts.map((d) => ({ districtId: d.id })) },
    },
  });
  return meeting.id;
}

// Audiences are sub-selects inside one statement: a list of ids bound as parameters grows with the city
// and SQLite refuses a statement with more than 999 of them (a broadcast to 998 subscribers failed). Every
// query here binds a fixed number of values, whatever the number of residents.

// The meeting is bound once, as the one row of "m" (id, cityWide, the announcement's batchKey).
const MEETING = `WITH "m"("id", "cityWide", "batchKey") AS (SELECT ?, ?, ?)`;

/** Users subscribed to something that covers the meeting: "everything", or one of its districts. */
const SUBSCRIBED = `
  SELECT "userId" FROM "Subscription"
  WHERE (SELECT "cityWide" FROM "m") = 1 OR "scope" = 'all'
     OR "districtId" IN (SELECT "districtId" FROM "MeetingArea" WHERE "meetingId" = (SELECT "id" FROM "m"))`;

/** Those who said "Będę" to the meeting. */
const GOING = `SELECT "userId" FROM "MeetingRsvp" WHERE "meetingId" = (SELECT "id" FROM "m")`;

/** Those the announcement reached. */
const REACHED = `SELECT "userId" FROM "Delivery" WHERE "batchKey" = (SELECT "batchKey" FROM "m") AND "status" = 'sent' AND "userId" IS NOT NULL`;

type RawRecipient = { id: number | bigint; telegramId: number | bigint; language: string | null; languageCode: string | null; going?: number | bigint };

async function recipients(db: DbOrTx, meeting: { id: number; cityWide: boolean }, who: string): Promise<Recipient[]> {
  const rows = await db.$queryRawUnsafe<RawRecipient[]>(
    `${MEETING} SELECT "id", "telegramId", "language", "languageCode", "id" IN (${GOING}) AS "going"
     FROM "User" WHERE "blocked" = 0 AND (${who}) ORDER BY "id"`,
    meeting.id,
    meeting.cityWide ? 1 : 0,
    `meeting:${meeting.id}:announce`,
  );
  return rows.map((r) => ({
    id: Number(r.id),
    telegramId: BigInt(r.telegramId),
    language: r.language,
    languageCode: r.languageCode,
    going: Number(r.going) === 1,
  }));
}

/** Subscribers a meeting reaches: "everything", plus the meeting's districts (or every district when city-wide). */
export function audienceOf(db: DbOrTx, meeting: { id: number; cityWide: boolean }): Promise<Recipient[]> {
  return recipients(db, meeting, `"id" IN (${SUBSCRIBED})`);
}

/** Who is reminded of a meeting: its audience and everyone who said "Będę" (`going`: their buttons show it). */
export function reminderRecipients(db: DbOrTx, meeting: { id: number; cityWide: boolean }): Promise<Recipient[]> {
  return recipients(db, meeting, `"id" IN (${SUBSCRIBED}) OR "id" IN (${GOING})`);
}

type AnnouncementRender = (user: { id: number; language: string | null; languageCode: string | null }) => OutgoingMessage["message"];

/**
 * Publishes a draft: the status and one outbox row per subscriber, in one transaction (both or neither), each
 * row unique per meeting and resident. Publishing twice queues nobody twice.
 */
export async function publishMeeting(
  db: Db,
  input: { meetingId: number; now: Date; render: AnnouncementRender },
): Promise<{ queued: number; audience: number } | null> {
  return writeTransaction(db, (tx) => publishIn(tx, input));
}

async function publishIn(tx: Prisma.TransactionClient, input: { meetingId: number; now: Date; render: AnnouncementRender }) {
  const changed = await tx.meeting.updateMany({
    where: { id: input.meetingId, status: { in: ["draft", "published"] } },
    data: { status: "published", publishedAt: input.now },
  });
  if (changed.count !== 1) return null;
  const meeting = await tx.meeting.findUniqueOrThrow({ where: { id: input.meetingId } });
  const audience = await audienceOf(tx, meeting);
  const queued = await enqueue(
    tx,
    audience.map((u) => ({
      dedupeKey: `meeting:${meeting.id}:announce:user:${u.id}`,
      batchKey: `meeting:${meeting.id}:announce`,
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
  db: Db,
  input: { meeting: MeetingInput; formKey: string; createdById: number; now: Date; render: (meeting: MeetingState) => AnnouncementRender },
): Promise<{ id: number; audience: number; replayed: boolean }> {
  return writeTransaction(db, async (tx) => {
    const existing = await tx.meeting.findUnique({ where: { formKey: input.formKey } });
    if (existing) {
      const audience = await tx.delivery.count({ where: { batchKey: `meeting:${existing.id}:announce` } });
      return { id: existing.id, audience, replayed: true };
    }
    const id = await createMeeting(tx, input.meeting, input.createdById, input.now, input.formKey);
    const meeting = await tx.meeting.findUniqueOrThrow({ where: { id } });
    const published = await publishIn(tx, { meetingId: id, now: input.now, render: input.render(meeting) });
    return { id, audience: published?.audience ?? 0, replayed: false };
  });
}

/** Who hears of a change; `going`: said "Będę" (their buttons show it). */
export type Recipient = { id: number; telegramId: bigint; language: string | null; languageCode: string | null; going: boolean };
type Render = (user: Recipient) => OutgoingMessage["message"];

/**
 * Cancels a meeting, in one transaction: the status, the announcements still queued stop, and one notice per
 * person who must hear of it (see changeNoticeRecipients). Null when it was not published (or a draft) any more.
 */
export async function cancelMeeting(db: Db, input: { meetingId: number; now: Date; render: Render }): Promise<number | null> {
  return writeTransaction(db, async (tx) => {
    const changed = await tx.meeting.updateMany({
      where: { id: input.meetingId, status: { in: ["draft", "published"] } },
      data: { status: "cancelled", cancelledAt: input.now },
    });
    if (changed.count !== 1) return null;
    await cancelDeliveries(tx, { batchKey: `meeting:${input.meetingId}:announce` });
    const users = await changeNoticeRecipients(tx, input.meetingId);
    return enqueue(
      tx,
      users.map((u) => ({
        dedupeKey: `meeting:${input.meetingId}:cancelled:user:${u.id}`,
        chatId: u.telegramId,
        userId: u.id,
        kind: "meeting_cancelled",
        message: input.render(u),
      })),
      { now: input.now },
    );
  });
}

/**
 * Who hears of a change or a cancellation: those the announcement reached who still subscribe to something
 * that covers the meeting, and everyone who said "Będę". Unsubscribing means "no more messages about
 * meetings"; but a resident who said they are coming has asked about this one meeting and would otherwise
 * walk to a cancelled or moved meeting, so the "Będę" list is told regardless (they can withdraw it).
 */
export async function changeNoticeRecipients(db: DbOrTx, meetingId: number): Promise<Recipient[]> {
  const meeting = await db.meeting.findUniqueOrThrow({ where: { id: meetingId }, select: { id: true, cityWide: true } });
  return recipients(db, meeting, `"id" IN (${GOING}) OR ("id" IN (${REACHED}) AND "id" IN (${SUBSCRIBED}))`);
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
type MeetingState = Prisma.MeetingGetPayload<object>;

/**
 * Changes fields of a published meeting and tells those who must hear of it (changeNoticeRecipients) what
 * changed, in one transaction. The revision goes up: the .ics keeps its UID and raises SEQUENCE.
 * Announcements still queued go out with the old text: the notice follows them.
 */
export async function editMeeting(
  db: Db,
  input: {
    meetingId: number;
    data: MeetingChange;
    now: Date;
    /** The edit dialogue's key: the same edit replayed after a crash changes nothing and tells nobody again. */
    editKey: string;
    render: (user: Recipient, before: MeetingState, after: MeetingState) => OutgoingMessage["message"];
  },
): Promise<number | null> {
  return writeTransaction(db, async (tx) => {
    const before = await tx.meeting.findUnique({ where: { id: input.meetingId } });
    if (!before || before.status !== "published") return null;
    const applied = await tx.delivery.count({ where: { batchKey: `meeting:${before.id}:update:${input.editKey}` } });
    if (applied) return applied;
    const after = await tx.meeting.update({ where: { id: input.meetingId }, data: { ...input.data, revision: { increment: 1 } } });
    const users = await changeNoticeRecipients(tx, after.id);
    return enqueue(
      tx,
      users.map((u) => ({
        dedupeKey: `meeting:${after.id}:update:${input.editKey}:user:${u.id}`,
        batchKey: `meeting:${after.id}:update:${input.editKey}`,
        chatId: u.telegramId,
        userId: u.id,
        kind: "meeting_update",
        message: input.render(u, before, after),
      })),
      { now: input.now },
    );
  });
}

const LIST_LIMIT = 20;

/** Every upcoming published meeting: what coordinators and admins may manage. */
export function upcomingForStaff(db: Db, now: Date) {
  return db.meeting.findMany({
    where: { status: "published", endsAt: { gt: now } },
    orderBy: { startsAt: "asc" },
    take: LIST_LIMIT,
    include: { _count: { select: { rsvps: true } } },
  });
}

/**
 * Upcoming published meetings a resident should see: city-wide ones, those of their districts, and every
 * one they were invited to (the announcement reached them) or said "Będę" to.
 */
export async function upcomingFor(db: Db, input: { userId: number | null; districtIds: number[]; now: Date }) {
  const upcoming = await db.meeting.findMany({
    where: { status: "published", endsAt: { gt: input.now } },
    orderBy: { startsAt: "asc" },
    take: 200,
    include: { _count: { select: { rsvps: true } }, areas: { select: { districtId: true } } },
  });
  const mine = new Set(input.districtIds);
  const invited = new Set<number>();
  if (input.userId !== null && upcoming.length) {
    const [sent, going] = await Promise.all([
      db.delivery.findMany({
        where: { batchKey: { in: upcoming.map((m) => `meeting:${m.id}:announce`) }, userId: input.userId, status: "sent" },
        select: { batchKey: true },
      }),
      db.meetingRsvp.findMany({ where: { userId: input.userId, meetingId: { in: upcoming.map((m) => m.id) } }, select: { meetingId: true } }),
    ]);
    for (const d of sent) invited.add(Number(/^meeting:(\d+):/.exec(d.batchKey ?? "")?.[1]));
    for (const r of going) invited.add(r.meetingId);
  }
  return upcoming.filter((m) => m.cityWide || invited.has(m.id) || m.areas.some((a) => mine.has(a.districtId))).slice(0, LIST_LIMIT);
}

/** The meetings (of these) this resident said "Będę" to. */
export async function goingTo(db: Db, userId: number, meetingIds: number[]): Promise<Set<number>> {
  const rows = await db.meetingRsvp.findMany({ where: { userId, meetingId: { in: meetingIds } }, select: { meetingId: true } });
  return new Set(rows.map((r) => r.meetingId));
}

/** "Będę" (going = true) or "Nie będę": idempotent, never a toggle, so a repeated tap changes nothing. */
export async function setRsvp(db: Db, input: { meetingId: number; userId: number; going: boolean; now: Date }): Promise<{ changed: boolean; count: number }> {
  const where = { meetingId_userId: { meetingId: input.meetingId, userId: input.userId } };
  let changed: boolean;
  if (input.going) {
    const existing = await db.meetingRsvp.findUnique({ where });
    if (!existing) await db.meetingRsvp.create({ data: { meetingId: input.meetingId, userId: input.userId, createdAt: input.now } });
    changed = !existing;
  } else {
    changed = (await db.meetingRsvp.deleteMany({ where: { meetingId: input.meetingId, userId: input.userId } })).count > 0;
  }
  return { changed, count: await db.meetingRsvp.count({ where: { meetingId: input.meetingId } }) };
}

/** Where a meeting's questions go: the coordinator who announced it, else the moderators' group. */
async function organiserOf(db: DbOrTx, meeting: { createdById: number | null }, fallbackChatId: bigint | undefined) {
  const organiser = meeting.createdById ? await db.user.findUnique({ where: { id: meeting.createdById } }) : null;
  const chatId = organiser && !organiser.blocked ? organiser.telegramId : (fallbackChatId ?? null);
  return chatId === null ? null : { chatId, user: organiser && !organiser.blocked ? organiser : null };
}

export type Organiser = NonNullable<Awaited<ReturnType<typeof organiserOf>>>;

/**
 * Stores a resident's question. Once the digest has gone out (the day before, or at once for a meeting
 * announced at short notice) the question is forwarded to the organiser on its own, queued in the same
 * transaction as it is stored, so it cannot fall between the digest and the meeting.
 */
export async function askQuestion(
  db: Db,
  input: {
    meetingId: number;
    userId: number;
    text: string;
    now: Date;
    fallbackChatId: bigint | undefined;
    render: (organiser: Organiser, meeting: { title: string }) => OutgoingMessage["message"];
  },
): Promise<{ forwarded: boolean } | null> {
  return writeTransaction(db, async (tx) => {
    const meeting = await tx.meeting.findUnique({ where: { id: input.meetingId } });
    if (!meeting || meeting.status !== "published" || meeting.endsAt <= input.now) return null;
    const question = await tx.meetingQuestion.create({ data: { meetingId: meeting.id, userId: input.userId, text: input.text, createdAt: input.now } });
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
}

/**
 * The digest of a meeting's questions, once, in one transaction with the mark that it went out (questions
 * stored later are forwarded one by one, see askQuestion). With no questions nothing is sent when the meeting
 * was announced less than a digest period before (the organiser learns nothing from "none yet" an hour
 * after announcing it); otherwise the organiser hears that none came and that later ones will follow.
 */
export async function sendDigest(
  db: Db,
  input: {
    meetingId: number;
    now: Date;
    fallbackChatId: bigint | undefined;
    announcedEarly: (meeting: MeetingState) => boolean;
    render: (organiser: Organiser, meeting: MeetingState, questions: { text: string }[]) => OutgoingMessage["message"];
  },
): Promise<"sent" | "skipped" | null> {
  return writeTransaction(db, async (tx) => {
    const meeting = await tx.meeting.findUnique({ where: { id: input.meetingId } });
    if (!meeting || meeting.status !== "published" || meeting.digestSentAt !== null) return null;
    const questions = await tx.meetingQuestion.findMany({ where: { meetingId: meeting.id }, orderBy: { id: "asc" }, select: { text: true } });
    const organiser = await organiserOf(tx, meeting, input.fallbackChatId);
    const send = organiser !== null && (questions.length > 0 || input.announcedEarly(meeting));
    if (send)
      await enqueue(
        tx,
        [{ dedupeKey: `meeting:${meeting.id}:digest`, chatId: organiser.chatId, kind: "meeting_digest", message: input.render(organiser, meeting, questions) }],
        { now: input.now },
      );
    await tx.meeting.update({ where: { id: meeting.id }, data: { digestSentAt: input.now } });
    return send ? "sent" : "skipped";
  });
}

export async function subscribe(db: Db, userId: number, districtId: number | null, now: Date): Promise<boolean> {
  const scope = districtId === null ? "all" : `district:${districtId}`;
  const existing = await db.subscription.findUnique({ where: { userId_scope: { userId, scope } } });
  if (existing) return false;
  await db.subscription.create({ data: { userId, scope, districtId, createdAt: now } });
  return true;
}

/** Removes subscriptions (one scope, or all) and stops announcements still queued for this resident. */
export async function unsubscribe(db: Db, userId: number, scope: string | null): Promise<number> {
  const removed = await db.subscription.deleteMany({ where: { userId, ...(scope ? { scope } : {}) } });
  const left = await db.subscription.count({ where: { userId } });
  if (left === 0) await cancelDeliveries(db, { userId, kind: "meeting_announcement" });
  return removed.count;
}

export function subscriptionsOf(db: Db, userId: number) {
  return db.subscription.findMany({ where: { userId }, orderBy: { id: "asc" } });
}
