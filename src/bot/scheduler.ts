import type { Config } from "../config.js";
import { batchProgress, enqueue, type OutgoingMessage } from "../delivery/outbox.js";
import { dueReminders, QUESTION_DIGEST_HOURS_BEFORE, questionDigestDue, sentReminderKey } from "../domain/meetings/schedule.js";
import type { MeetingStatus } from "../domain/meetings/types.js";
import { userLocale } from "../i18n/index.js";
import { reminderRecipients, sendDigest } from "../services/meetings.js";
import { escapeHtml } from "./html.js";
import { meetingKeyboard, progressText, reminderLine, renderMeeting } from "./ui/meetingCard.js";
import type { BotDeps } from "./context.js";
import { ageText } from "./ui/dates.js";

const DAY = 24 * 3600_000;

/** Deadlines of KMZB: reminders in the moderators' group, once per report and threshold. */
export async function remindStaff(deps: BotDeps, config: Config, now: Date): Promise<number> {
  const group = config.MODERATION_CHAT_ID;
  if (!group) return 0;
  const { db } = deps;
  const t = deps.i18n.fixedT(config.DEFAULT_LOCALE);
  const [stale, slow] = await Promise.all([
    db.report.findMany({
      where: {
        status: "new",
        mergedIntoId: null,
        createdAt: { lte: new Date(now.getTime() - config.NEW_REMINDER_DAYS * DAY) },
        reminders: { none: { threshold: "new" } },
      },
      orderBy: { id: "asc" },
      take: 200,
    }),
    db.report.findMany({
      where: {
        status: "verification",
        firstReviewedAt: { lte: new Date(now.getTime() - config.VERIFICATION_REMINDER_DAYS * DAY) },
        reminders: { none: { threshold: "verification" } },
      },
      include: { district: { include: { officer: { include: { user: true } } } } },
      orderBy: { id: "asc" },
      take: 200,
    }),
  ]);
  let sent = 0;
  for (const [report, threshold, since] of [
    ...stale.map((r) => [r, "new", r.createdAt] as const),
    ...slow.map((r) => [r, "verification", r.firstReviewedAt ?? r.createdAt] as const),
  ]) {
    const text = t(threshold === "new" ? "moderation.remind.new" : "moderation.remind.verification", { ref: report.ref, age: ageText(t, since, now) });
    const items: OutgoingMessage[] = [
      { dedupeKey: `report:${report.id}:remind:${threshold}`, chatId: group, kind: "staff_reminder", message: { method: "sendMessage", text } },
    ];
    const officerUser = "district" in report ? report.district?.officer?.user : undefined;
    if (officerUser)
      items.push({
        dedupeKey: `report:${report.id}:remind:${threshold}:officer`,
        chatId: officerUser.telegramId,
        userId: officerUser.id,
        kind: "staff_reminder",
        message: { method: "sendMessage", text },
      });
    // Queue first, then remember: a crash in between queues again, which the dedupe keys absorb.
    await enqueue(db, items, { now });
    await db.reportReminder.upsert({
      where: { reportId_threshold: { reportId: report.id, threshold } },
      create: { reportId: report.id, threshold, sentAt: now },
      update: {},
    });
    sent++;
  }
  return sent;
}

/** Meeting reminders (24 h and 2 h before, once each) to the meeting's audience and those who said "Będę". */
export async function remindMeetings(deps: Pick<BotDeps, "db" | "i18n">, config: Config, now: Date): Promise<number> {
  const { db } = deps;
  const meetings = await db.meeting.findMany({
    where: { status: "published", startsAt: { gt: now, lte: new Date(now.getTime() + (Math.max(...config.MEETING_REMINDER_HOURS) + 1) * 3600_000) } },
    include: { reminders: true, areas: { include: { district: { select: { number: true, name: true } } } } },
  });
  const sent = new Set(meetings.flatMap((m) => m.reminders.map((r) => sentReminderKey(m.id, r.key))));
  let queued = 0;
  const schedulable = meetings.map((m) => ({ ...m, status: m.status as MeetingStatus, announcedAt: m.publishedAt }));
  for (const due of dueReminders(schedulable, sent, now, config.MEETING_REMINDER_HOURS)) {
    const m = due.meeting;
    // One query however many residents (see reminderRecipients): a list of ids as parameters would not fit.
    const people = await reminderRecipients(db, m);
    const view = { ...m, areaNames: m.areas.map((a) => `${a.district.number} ${a.district.name}`) };
    // The message depends only on the language and on "Będę": rendered once per pair, not per resident.
    const rendered = new Map<string, OutgoingMessage["message"]>();
    const messageFor = (locale: ReturnType<typeof userLocale>, going: boolean) => {
      const key = `${locale}:${going}`;
      let message = rendered.get(key);
      if (!message) {
        const t = deps.i18n.fixedT(locale);
        message = {
          method: "sendMessage",
          text: `${reminderLine(t, locale, m.startsAt, now)}\n\n${renderMeeting(t, locale, view)}`,
          // Those coming see "✅ Będę"; under a reminder "Nie będę" asks before it withdraws.
          reply_markup: meetingKeyboard(t, m.id, { place: "reminder", going }),
          link_preview_options: { is_disabled: true },
        };
        rendered.set(key, message);
      }
      return message;
    };
    const items: OutgoingMessage[] = people.map((u) => ({
      dedupeKey: `meeting:${m.id}:remind:${due.key}:user:${u.id}`,
      batchKey: `meeting:${m.id}:remind:${due.key}`,
      chatId: u.telegramId,
      userId: u.id,
      kind: "meeting_reminder",
      message: messageFor(userLocale(u, config.DEFAULT_LOCALE), u.going),
    }));
    await enqueue(db, items, { now });
    await db.meetingReminder.upsert({
      where: { meetingId_key: { meetingId: m.id, key: due.key } },
      create: { meetingId: m.id, key: due.key, sentAt: now },
      update: {},
    });
    queued += items.length;
  }
  return queued;
}

/**
 * From the day before a meeting, the residents' questions go to the organiser as one digest (see sendDigest:
 * nothing empty is sent for a meeting announced at short notice); questions after it are forwarded one by one.
 */
export async function sendQuestionDigests(deps: BotDeps, config: Config, now: Date): Promise<number> {
  const { db } = deps;
  const meetings = await db.meeting.findMany({
    where: { status: "published", digestSentAt: null, startsAt: { gt: now, lte: new Date(now.getTime() + DAY) } },
    select: { id: true, startsAt: true },
  });
  let count = 0;
  for (const m of meetings) {
    if (!questionDigestDue(m.startsAt, now)) continue;
    const outcome = await sendDigest(db, {
      meetingId: m.id,
      now,
      fallbackChatId: config.MODERATION_CHAT_ID,
      // Residents had the whole time before the digest to ask: "none came" is then worth saying.
      announcedEarly: (meeting) =>
        meeting.publishedAt !== null && meeting.publishedAt.getTime() <= meeting.startsAt.getTime() - QUESTION_DIGEST_HOURS_BEFORE * 3600_000,
      render: (organiser, meeting, questions) => {
        const t = deps.i18n.fixedT(organiser.user ? userLocale(organiser.user, config.DEFAULT_LOCALE) : config.DEFAULT_LOCALE);
        const title = escapeHtml(meeting.title);
        const text = questions.length
          ? `${t("meetings.digestTitle", { title, count: questions.length })}\n\n${questions.map((q, i) => `${i + 1}. ${escapeHtml(q.text)}`).join("\n")}\n\n${t("meetings.digestLater")}`
          : t("meetings.digestEmpty", { title });
        return { method: "sendMessage", text };
      },
    });
    if (outcome === "sent") count++;
  }
  return count;
}

/** The organiser's progress message: sent / failed / left, edited in place while the broadcast runs. */
export async function updateBroadcastProgress(deps: BotDeps, config: Config, now: Date, lastShown: Map<number, string>): Promise<void> {
  const { db } = deps;
  const meetings = await db.meeting.findMany({
    where: { status: { in: ["published", "cancelled"] }, progressMessageId: { not: null }, publishedAt: { gte: new Date(now.getTime() - DAY) } },
  });
  for (const m of meetings) {
    const p = await batchProgress(db, `meeting:${m.id}:announce`);
    const key = `${p.sent}/${p.failed}/${p.pending}/${p.cancelled}`;
    if (lastShown.get(m.id) === key) continue;
    lastShown.set(m.id, key);
    const t = deps.i18n.fixedT(config.DEFAULT_LOCALE);
    await enqueue(
      db,
      [
        {
          dedupeKey: `meeting:${m.id}:progress:${key}`,
          chatId: m.progressChatId!,
          kind: "meeting_progress",
          message: { method: "editMessageText", message_id: m.progressMessageId!, text: progressText(t, m.title, p) },
        },
      ],
      { now },
    );
    deps.notifier.wakeOutbox();
  }
}

export interface Scheduler {
  /** Runs every periodic task once, now (tests drive the clock and call this). */
  tick(): Promise<void>;
  stop(): void;
}

/** Periodic work: the notifier's safety net, staff reminders, meeting reminders, digests, broadcast progress. */
export function startScheduler(deps: BotDeps, config: Config, intervalMs = 5_000): Scheduler {
  let running: Promise<void> | null = null;
  const progressShown = new Map<number, string>();
  const tick = () =>
    (running ??= (async () => {
      try {
        const now = deps.now();
        await deps.notifier.flush();
        await remindStaff(deps, config, now);
        const queued = (await remindMeetings(deps, config, now)) + (await sendQuestionDigests(deps, config, now));
        await updateBroadcastProgress(deps, config, now, progressShown);
        if (queued) deps.notifier.wakeOutbox();
      } catch (err) {
        deps.logger.error({ err }, "scheduled task failed");
      } finally {
        running = null;
      }
    })());
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return { tick, stop: () => clearInterval(timer) };
}
