import type { Database, Queryable } from "../db/connection.js";
import { enqueue, type OutgoingMessage } from "../delivery/outbox.js";
import {
  feedbackCandidatesSince,
  feedbackStats,
  isFeedbackDue,
  isSummaryDue,
  SUMMARY_WINDOW_DAYS,
  type FeedbackStats,
  type Rating,
} from "../domain/meetings/feedback.js";
import { PUBLISHED } from "../domain/meetings/types.js";
import { organiserOf, type Organiser, type OutboxDeps } from "./meetings.js";
import { isCoordinator, isStaff, type StaffActor } from "./moderation.js";
import { TOMBSTONE_TELEGRAM_ID } from "./privacy.js";

// "Jak oceniasz spotkanie?" the day after, the organiser's summary of the answers, and the organiser's written
// summary to those who said "Będę". Every message is queued in the transaction that records it was sent.

const DAY = 24 * 3600_000;

/** A meeting as the feedback messages name it. */
export interface FeedbackMeeting {
  id: number;
  title: string;
  organiser: string;
  startsAt: Date;
  endsAt: Date;
  summarySentAt: Date | null;
}

/** Someone who said "Będę" and can still be written to. */
export interface Attendee {
  userId: number;
  telegramId: number;
  language: string | null;
  languageCode: string | null;
}

const MEETING_COLUMNS = ["id", "title", "organiser", "startsAt", "endsAt", "summarySentAt"] as const;

/** Those who said "Będę" and can be written to: never one who blocked the bot or deleted their data. */
async function attendeesOf(db: Queryable, meetingId: number): Promise<Attendee[]> {
  const rows = await db
    .selectFrom("MeetingRsvp")
    .innerJoin("User", "User.id", "MeetingRsvp.userId")
    .select(["User.id as userId", "User.telegramId", "User.language", "User.languageCode"])
    .where("MeetingRsvp.meetingId", "=", meetingId)
    .where("User.blocked", "=", false)
    .where("User.telegramId", "<>", TOMBSTONE_TELEGRAM_ID)
    .orderBy("User.id")
    .execute();
  return rows.map((r) => ({ ...r, telegramId: Number(r.telegramId) }));
}

/**
 * The day after each published meeting (see domain/meetings/feedback.ts), its attendees are asked once: the record
 * of who was asked, the questions and the meeting's mark in one transaction, each question with its own dedupe key,
 * so a crash, a restart or a second scheduler asks nobody twice. Returns how many meetings were asked about.
 */
export async function askDueMeetingFeedback(
  deps: OutboxDeps,
  input: { now: Date; render: (meeting: FeedbackMeeting, person: Attendee) => OutgoingMessage["message"] },
): Promise<number> {
  const { now } = input;
  const candidates = await deps.db
    .selectFrom("Meeting")
    .select(["id", "status", "endsAt", "feedbackAskedAt"])
    .where("status", "=", PUBLISHED)
    .where("feedbackAskedAt", "is", null)
    .where("endsAt", "<=", now)
    .where("endsAt", ">", feedbackCandidatesSince(now))
    .orderBy("endsAt")
    .execute();
  let asked = 0;
  let queued = 0;
  for (const candidate of candidates.filter((m) => isFeedbackDue(m, now))) {
    queued += await deps.db.transaction().execute(async (tx) => {
      // Whoever sets the mark asks; another instance that got here first leaves nothing to do.
      const meeting = await tx
        .updateTable("Meeting")
        .set({ feedbackAskedAt: now })
        .where("id", "=", candidate.id)
        .where("feedbackAskedAt", "is", null)
        .where("status", "=", PUBLISHED)
        .returning(MEETING_COLUMNS)
        .executeTakeFirst();
      if (!meeting) return 0;
      asked++;
      const people = await attendeesOf(tx, meeting.id);
      if (!people.length) return 0;
      await tx
        .insertInto("MeetingFeedback")
        .values(people.map((p) => ({ meetingId: meeting.id, userId: p.userId, askedAt: now })))
        .onConflict((oc) => oc.columns(["meetingId", "userId"]).doNothing())
        .execute();
      return enqueue(
        tx,
        people.map((p) => ({
          dedupeKey: `meeting:${meeting.id}:feedback:user:${p.userId}`,
          chatId: p.telegramId,
          userId: p.userId,
          kind: "meeting_feedback",
          message: input.render(meeting, p),
        })),
        { now },
      );
    });
  }
  if (queued) deps.notifier.wakeOutbox();
  return asked;
}

export type RateResult =
  /** No question about this meeting was put to this person (forged or foreign callback data). */
  | { kind: "not_asked" }
  /** The organiser has had the summary: answers are closed. */
  | { kind: "closed" }
  | { kind: "recorded"; title: string; rating: Rating; previous: number | null; commented: boolean };

/** The stored question to this person about this meeting, with the meeting's title and whether answers are still open. */
async function questionOf(db: Queryable, meetingId: number, userId: number) {
  return db
    .selectFrom("MeetingFeedback")
    .innerJoin("Meeting", "Meeting.id", "MeetingFeedback.meetingId")
    .select(["MeetingFeedback.id", "MeetingFeedback.rating", "MeetingFeedback.comment", "Meeting.title", "Meeting.feedbackSummaryAt"])
    .where("MeetingFeedback.meetingId", "=", meetingId)
    .where("MeetingFeedback.userId", "=", userId)
    .executeTakeFirst();
}

/**
 * A resident's rating. They may change it until the organiser's summary goes (a slip of the thumb on "1" is
 * mended by tapping "5"); after that the answers are closed.
 */
export async function rateMeeting(db: Database, input: { meetingId: number; userId: number; rating: Rating; now: Date }): Promise<RateResult> {
  return db.transaction().execute(async (tx): Promise<RateResult> => {
    const row = await questionOf(tx, input.meetingId, input.userId);
    if (!row) return { kind: "not_asked" };
    if (row.feedbackSummaryAt !== null) return { kind: "closed" };
    await tx.updateTable("MeetingFeedback").set({ rating: input.rating, answeredAt: input.now }).where("id", "=", row.id).execute();
    return { kind: "recorded", title: row.title, rating: input.rating, previous: row.rating, commented: !!row.comment };
  });
}

export type CommentResult = { kind: "not_asked" } | { kind: "closed" } | { kind: "saved"; title: string };

/** Whether this person may still comment on the meeting (they were asked, and the summary has not gone). */
export async function commentOpen(db: Database, input: { meetingId: number; userId: number }): Promise<CommentResult> {
  const row = await questionOf(db, input.meetingId, input.userId);
  if (!row) return { kind: "not_asked" };
  if (row.feedbackSummaryAt !== null) return { kind: "closed" };
  return { kind: "saved", title: row.title };
}

/**
 * A resident's comment; "" records "Nie, dziękuję" (their answer is then complete, see isSummaryDue) and never
 * erases a comment written before. A later comment replaces an earlier one until the summary goes.
 */
export async function commentMeeting(db: Database, input: { meetingId: number; userId: number; comment: string; now: Date }): Promise<CommentResult> {
  return db.transaction().execute(async (tx): Promise<CommentResult> => {
    const row = await questionOf(tx, input.meetingId, input.userId);
    if (!row) return { kind: "not_asked" };
    if (row.feedbackSummaryAt !== null) return { kind: "closed" };
    if (input.comment !== "" || row.comment === null)
      await tx.updateTable("MeetingFeedback").set({ comment: input.comment }).where("id", "=", row.id).execute();
    return { kind: "saved", title: row.title };
  });
}

export interface FeedbackSummary {
  /** How many were asked. */
  asked: number;
  stats: FeedbackStats;
  /** The comments, without who wrote them, in the order they were answered. */
  comments: string[];
}

/**
 * The organiser's summary of the answers, once per meeting (FEEDBACK_SUMMARY_AFTER_DAYS after asking, or when
 * everyone asked has answered), in one transaction with the mark that it went; routed as the residents'
 * questions are (the coordinator who announced it, else the moderators' group). Names nobody.
 * Returns how many summaries were queued.
 */
export async function sendDueFeedbackSummaries(
  deps: OutboxDeps,
  input: {
    now: Date;
    fallbackChatId: bigint | undefined;
    render: (organiser: Organiser, meeting: FeedbackMeeting, summary: FeedbackSummary) => OutgoingMessage["message"][];
  },
): Promise<number> {
  const { now } = input;
  const pending = await deps.db
    .selectFrom("Meeting")
    .leftJoin("MeetingFeedback", "MeetingFeedback.meetingId", "Meeting.id")
    .select((eb) => [
      "Meeting.id",
      "Meeting.feedbackAskedAt",
      "Meeting.feedbackSummaryAt",
      eb.fn.count("MeetingFeedback.id").as("asked"),
      eb.fn
        .sum(
          eb
            .case()
            .when(eb.and([eb("MeetingFeedback.rating", "is not", null), eb("MeetingFeedback.comment", "is not", null)]))
            .then(1)
            .else(0)
            .end(),
        )
        .as("finished"),
    ])
    .where("Meeting.feedbackAskedAt", "is not", null)
    .where("Meeting.feedbackSummaryAt", "is", null)
    .groupBy(["Meeting.id", "Meeting.feedbackAskedAt", "Meeting.feedbackSummaryAt"])
    .execute();
  let queued = 0;
  for (const m of pending) {
    if (!isSummaryDue(m, { asked: Number(m.asked), finished: Number(m.finished ?? 0) }, now)) continue;
    queued += await deps.db.transaction().execute(async (tx) => {
      const meeting = await tx
        .updateTable("Meeting")
        .set({ feedbackSummaryAt: now })
        .where("id", "=", m.id)
        .where("feedbackSummaryAt", "is", null)
        .returning([...MEETING_COLUMNS, "createdById"])
        .executeTakeFirst();
      if (!meeting) return 0;
      const rows = await tx
        .selectFrom("MeetingFeedback")
        .select(["rating", "comment"])
        .where("meetingId", "=", meeting.id)
        .orderBy("answeredAt")
        .orderBy("id")
        .execute();
      // Nobody said "Będę" (or nobody could be written to): there is nothing to tell.
      if (!rows.length) return 0;
      const organiser = await organiserOf(tx, meeting, input.fallbackChatId);
      if (!organiser) return 0;
      const summary: FeedbackSummary = {
        asked: rows.length,
        stats: feedbackStats(rows.flatMap((r) => (r.rating === null ? [] : [r.rating]))),
        comments: rows.flatMap((r) => (r.comment ? [r.comment] : [])),
      };
      const messages = input.render(organiser, meeting, summary);
      return enqueue(
        tx,
        messages.map((message, i) => ({
          dedupeKey: `meeting:${meeting.id}:feedback:summary:${i}`,
          chatId: organiser.chatId,
          ...(organiser.user ? { userId: organiser.user.id } : {}),
          kind: "meeting_feedback_summary",
          message,
        })),
        { now },
      );
    });
  }
  if (queued) deps.notifier.wakeOutbox();
  return queued;
}

// ---- the organiser's written summary to the attendees

/** Who may send the written summary: a coordinator or admin, or the staff member who announced the meeting. */
export function maySummarise(actor: StaffActor | null, meeting: { createdById: number | null }): boolean {
  if (!actor) return false;
  return isCoordinator(actor) || (meeting.createdById !== null && meeting.createdById === actor.userId && isStaff(actor));
}

export type SummaryCheck =
  | { kind: "ok"; meeting: FeedbackMeeting; recipients: number }
  | { kind: "forbidden" }
  | { kind: "not_available" }
  | { kind: "not_ended" }
  | { kind: "too_late" }
  | { kind: "already" };

async function checkSummary(db: Queryable, meetingId: number, actor: StaffActor | null, now: Date): Promise<SummaryCheck> {
  const meeting = await db
    .selectFrom("Meeting")
    .select([...MEETING_COLUMNS, "status", "createdById"])
    .where("id", "=", meetingId)
    .executeTakeFirst();
  // The role first: a resident learns nothing about a meeting's state from a forged button.
  if (!meeting || !maySummarise(actor, meeting)) return meeting && meeting.status === PUBLISHED ? { kind: "forbidden" } : { kind: "not_available" };
  if (meeting.status !== PUBLISHED) return { kind: "not_available" };
  if (meeting.summarySentAt !== null) return { kind: "already" };
  if (meeting.endsAt > now) return { kind: "not_ended" };
  if (now.getTime() - meeting.endsAt.getTime() > SUMMARY_WINDOW_DAYS * DAY) return { kind: "too_late" };
  return { kind: "ok", meeting, recipients: (await attendeesOf(db, meeting.id)).length };
}

/** Whether this person may send the written summary of this meeting now, and to how many people it would go. */
export function summaryCheck(db: Database, input: { meetingId: number; actor: StaffActor | null; now: Date }): Promise<SummaryCheck> {
  return checkSummary(db, input.meetingId, input.actor, input.now);
}

export type SummaryResult = Exclude<SummaryCheck, { kind: "ok" }> | { kind: "sent"; meeting: FeedbackMeeting; recipients: number };

/**
 * Sends the organiser's written summary to those who said "Będę", once: the permission and the state are checked
 * again, and the messages and the meeting's mark are written in one transaction (a second send, a double tap or
 * a replay after a crash finds the mark and queues nothing).
 */
export async function sendMeetingSummary(
  deps: OutboxDeps,
  input: {
    meetingId: number;
    actor: StaffActor | null;
    text: string;
    now: Date;
    render: (meeting: FeedbackMeeting, person: Attendee) => OutgoingMessage["message"];
  },
): Promise<SummaryResult> {
  const { now } = input;
  const result = await deps.db.transaction().execute(async (tx): Promise<SummaryResult> => {
    const check = await checkSummary(tx, input.meetingId, input.actor, now);
    if (check.kind !== "ok") return check;
    const marked = await tx
      .updateTable("Meeting")
      .set({ summarySentAt: now })
      .where("id", "=", input.meetingId)
      .where("summarySentAt", "is", null)
      .returning("id")
      .executeTakeFirst();
    if (!marked) return { kind: "already" };
    const people = await attendeesOf(tx, input.meetingId);
    const meeting = { ...check.meeting, summarySentAt: now };
    await enqueue(
      tx,
      people.map((p) => ({
        dedupeKey: `meeting:${meeting.id}:summary:user:${p.userId}`,
        batchKey: `meeting:${meeting.id}:summary`,
        chatId: p.telegramId,
        userId: p.userId,
        kind: "meeting_summary",
        message: input.render(meeting, p),
      })),
      { now },
    );
    return { kind: "sent", meeting, recipients: people.length };
  });
  if (result.kind === "sent" && result.recipients) deps.notifier.wakeOutbox();
  return result;
}

/** Meetings this person may still send a written summary of: ended within SUMMARY_WINDOW_DAYS, none sent yet. */
export async function summarisableMeetings(db: Database, input: { actor: StaffActor | null; now: Date }): Promise<FeedbackMeeting[]> {
  const { actor, now } = input;
  if (!actor || !isStaff(actor)) return [];
  return db
    .selectFrom("Meeting")
    .select(MEETING_COLUMNS)
    .where("status", "=", PUBLISHED)
    .where("summarySentAt", "is", null)
    .where("endsAt", "<=", now)
    .where("endsAt", ">", new Date(now.getTime() - SUMMARY_WINDOW_DAYS * DAY))
    .$if(!isCoordinator(actor), (q) => q.where("createdById", "=", actor.userId))
    .orderBy("endsAt", "desc")
    .limit(10)
    .execute();
}
