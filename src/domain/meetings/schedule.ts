/**
 * When to remind residents of a meeting and when to send the organiser the residents' questions.
 * Pure functions of (meetings, what was already sent, now): the caller runs them on a timer and
 * records what it sent, so a restart neither repeats nor loses a reminder.
 *
 * Offsets are elapsed hours, not wall-clock: "24h" before 18:00 on the Sunday of the spring DST
 * change is Saturday 17:00 local. A reminder is about time left, and elapsed time is what is left.
 */
import type { MeetingStatus } from "./types.js";

export const DEFAULT_REMINDER_OFFSETS_HOURS: readonly number[] = [24, 2];

/** The organiser gets the digest of residents' questions from this many hours before the start. */
export const QUESTION_DIGEST_HOURS_BEFORE = 24;

const HOUR_MS = 3_600_000;

export interface ReminderTime {
  /** Stable name of the reminder: "24h", "2h"; fractional hours in minutes ("30m"). */
  key: string;
  at: Date;
}

/** "24h" for 24, "90m" for 1.5: keys must stay the same for the same offset forever (they are stored). */
export function reminderKey(offsetHours: number): string {
  return Number.isInteger(offsetHours) ? `${offsetHours}h` : `${Math.round(offsetHours * 60)}m`;
}

/** The stored "already sent" key of one reminder of one meeting: `${id}:${key}`, e.g. "12:24h". */
export function sentReminderKey(meetingId: string | number, key: string): string {
  return `${meetingId}:${key}`;
}

/** The reminders of a meeting, earliest first. Offsets must be positive hours; duplicates collapse. */
export function reminderTimes(startsAt: Date, offsetsHours: readonly number[] = DEFAULT_REMINDER_OFFSETS_HOURS): ReminderTime[] {
  const byKey = new Map<string, ReminderTime>();
  for (const h of offsetsHours) {
    if (!Number.isFinite(h) || h <= 0) throw new RangeError(`Reminder offsets must be positive hours, got ${h}`);
    const key = reminderKey(h);
    byKey.set(key, { key, at: new Date(startsAt.getTime() - h * HOUR_MS) });
  }
  return [...byKey.values()].sort((a, b) => a.at.getTime() - b.at.getTime());
}

export interface SchedulableMeeting {
  id: string | number;
  startsAt: Date;
  status: MeetingStatus;
  /**
   * When residents were first told about the meeting. Reminders whose time had already passed by
   * then are not sent: a 24 h reminder for a meeting announced 5 h before would only repeat it.
   */
  announcedAt?: Date | null;
}

export interface DueReminder<M> {
  meeting: M;
  key: string;
  /** When it was due; may be well before now if the bot was down. Build the text from startsAt and now. */
  at: Date;
  /** Record this in the "sent" set once delivered (or enqueued). */
  sentKey: string;
}

/**
 * The reminders to send now. Rules:
 * - only published meetings that have not started yet (drafts are unknown to residents, cancelled
 *   ones get a cancellation notice, and a reminder after the start is useless);
 * - each reminder once (per the `sent` keys);
 * - if the bot was down, an overdue reminder is sent late, but only the nearest overdue one: when
 *   both 24 h and 2 h are overdue only the 2 h one goes out, and a 24 h reminder that was missed is not
 *   sent after the 2 h one.
 */
export function dueReminders<M extends SchedulableMeeting>(
  meetings: readonly M[],
  sent: ReadonlySet<string>,
  now: Date,
  offsetsHours: readonly number[] = DEFAULT_REMINDER_OFFSETS_HOURS,
): DueReminder<M>[] {
  const t = now.getTime();
  const due: DueReminder<M>[] = [];
  for (const meeting of meetings) {
    if (meeting.status !== "published" || t >= meeting.startsAt.getTime()) continue;
    const announced = meeting.announcedAt?.getTime();
    const overdue = reminderTimes(meeting.startsAt, offsetsHours).filter(
      (r) => r.at.getTime() <= t && (announced === undefined || r.at.getTime() >= announced),
    );
    const nearest = overdue[overdue.length - 1];
    if (!nearest) continue;
    const sentKey = sentReminderKey(meeting.id, nearest.key);
    if (sent.has(sentKey)) continue;
    due.push({ meeting, key: nearest.key, at: nearest.at, sentKey });
  }
  return due.sort((a, b) => a.at.getTime() - b.at.getTime() || a.meeting.startsAt.getTime() - b.meeting.startsAt.getTime());
}

/**
 * True while the organiser's digest of residents' questions should go out: from 24 h before the
 * start until the start (after the start the questions can no longer be prepared for).
 * The caller records that it sent it; this says only whether it is time.
 */
export function questionDigestDue(startsAt: Date, now: Date, hoursBefore = QUESTION_DIGEST_HOURS_BEFORE): boolean {
  const t = now.getTime();
  return t >= startsAt.getTime() - hoursBefore * HOUR_MS && t < startsAt.getTime();
}

/**
 * Not cancelled and not over yet: a meeting in progress still counts (late-comers can still go).
 * Without `endsAt`, "not started yet". Whether residents may see it (drafts) is a separate question.
 */
export function isUpcoming(meeting: { startsAt: Date; endsAt?: Date | null; status: MeetingStatus }, now: Date): boolean {
  if (meeting.status === "cancelled") return false;
  const end = meeting.endsAt ?? meeting.startsAt;
  return now.getTime() < end.getTime();
}
