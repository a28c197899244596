import type { Config } from "../config.js";
import type { OutgoingMessage } from "../delivery/outbox.js";
import { refreshPlannerStatistics, type Database } from "../db/connection.js";
import { reportFormKey } from "../db/chatPrefetch.js";
import type { I18n } from "../i18n/index.js";
import { userLocale } from "../i18n/index.js";
import { queueBroadcastProgress, queueMeetingReminders, sendDueDigests, type OutboxDeps } from "../services/meetings.js";
import { remindStaff as queueStaffReminders } from "../services/staffReminders.js";
import { applyRetentionIfDue, type RetentionCounts } from "../services/retention.js";
import { askDueFollowUps } from "../services/followUps.js";
import { askDueMeetingFeedback, sendDueFeedbackSummaries } from "../services/meetingFeedback.js";
import { feedbackQuestion, feedbackSummaryTexts, ratingKeyboard, summaryOfferKeyboard } from "./ui/meetingFeedback.js";
import { followUpKeyboard, followUpQuestion } from "./ui/followUp.js";
import { sendWeeklyDigests } from "./digest.js";
import { closeDueConsultations } from "./consultations.js";
import { escapeHtml } from "./html.js";
import { meetingKeyboard, progressText, reminderLine, renderMeeting } from "./ui/meetingCard.js";
import type { BotDeps } from "./context.js";
import { ageText } from "./ui/dates.js";

// The scheduler stores nothing itself: the services it runs store the rows and wake the outbox after their
// commits. Here: when to run them, and how their messages read.

/** What the periodic tasks need. */
export type SchedulerDeps = { db: Database; i18n: I18n; notifier: OutboxDeps["notifier"] };

const outbox = (deps: SchedulerDeps): OutboxDeps => ({ db: deps.db, notifier: deps.notifier });

/** Deadlines of KMZB: reminders in the moderators' group, once per report and threshold. */
export async function remindStaff(deps: SchedulerDeps, config: Config, now: Date): Promise<number> {
  const group = config.MODERATION_CHAT_ID;
  if (!group) return 0;
  const t = deps.i18n.fixedT(config.DEFAULT_LOCALE);
  return queueStaffReminders(outbox(deps), {
    now,
    group,
    newAfterDays: config.NEW_REMINDER_DAYS,
    verificationAfterDays: config.VERIFICATION_REMINDER_DAYS,
    render: (threshold, report, since) =>
      t(threshold === "new" ? "moderation.remind.new" : "moderation.remind.verification", { ref: report.ref, age: ageText(t, since, now) }),
  });
}

/** Meeting reminders (24 h and 2 h before, once each) to the meeting's audience and those who said "Będę". */
export async function remindMeetings(deps: SchedulerDeps, config: Config, now: Date): Promise<number> {
  return queueMeetingReminders(outbox(deps), {
    now,
    offsetsHours: config.MEETING_REMINDER_HOURS,
    render: (m) => {
      // The message depends only on the language and on "Będę": rendered once per pair, not per resident.
      const rendered = new Map<string, OutgoingMessage["message"]>();
      return (u) => {
        const locale = userLocale(u, config.DEFAULT_LOCALE);
        const key = `${locale}:${u.going}`;
        let message = rendered.get(key);
        if (!message) {
          const t = deps.i18n.fixedT(locale);
          message = {
            method: "sendMessage",
            text: `${reminderLine(t, locale, m.startsAt, now)}\n\n${renderMeeting(t, locale, m)}`,
            // Those coming see "✅ Będę"; under a reminder "Nie będę" asks before it withdraws.
            reply_markup: meetingKeyboard(t, m.id, { place: "reminder", going: u.going }),
            link_preview_options: { is_disabled: true },
          };
          rendered.set(key, message);
        }
        return message;
      };
    },
  });
}

/**
 * From the day before a meeting, the residents' questions go to the organiser as one digest (see sendDigest:
 * nothing empty is sent for a meeting announced at short notice); questions after it are forwarded one by one.
 */
export async function sendQuestionDigests(deps: SchedulerDeps, config: Config, now: Date): Promise<number> {
  return sendDueDigests(outbox(deps), {
    now,
    fallbackChatId: config.MODERATION_CHAT_ID,
    render: (organiser, meeting, questions) => {
      const t = deps.i18n.fixedT(organiser.user ? userLocale(organiser.user, config.DEFAULT_LOCALE) : config.DEFAULT_LOCALE);
      const title = escapeHtml(meeting.title);
      const text = questions.length
        ? `${t("meetings.digestTitle", { title, count: questions.length })}\n\n${questions.map((q, i) => `${i + 1}. ${escapeHtml(q.text)}`).join("\n")}\n\n${t("meetings.digestLater")}`
        : t("meetings.digestEmpty", { title });
      return { method: "sendMessage", text };
    },
  });
}

/**
 * The day after a meeting, "Jak oceniasz spotkanie?" to those who said "Będę" (each in their language); two days
 * later (or once all have answered) the organiser's summary of the answers, routed as the residents' questions are.
 */
export async function meetingFeedback(deps: SchedulerDeps, config: Config, now: Date): Promise<void> {
  await askDueMeetingFeedback(outbox(deps), {
    now,
    render: (meeting, person) => {
      const locale = userLocale(person, config.DEFAULT_LOCALE);
      const t = deps.i18n.fixedT(locale);
      return { method: "sendMessage", text: feedbackQuestion(t, locale, meeting), reply_markup: ratingKeyboard(meeting.id) };
    },
  });
  await sendDueFeedbackSummaries(outbox(deps), {
    now,
    fallbackChatId: config.MODERATION_CHAT_ID,
    render: (organiser, meeting, summary) => {
      const locale = organiser.user ? userLocale(organiser.user, config.DEFAULT_LOCALE) : config.DEFAULT_LOCALE;
      const t = deps.i18n.fixedT(locale);
      // The written summary is a private dialogue: the moderators' group is told the command instead of a button.
      const offer = meeting.summarySentAt !== null ? "none" : organiser.user ? "button" : "hint";
      const texts = feedbackSummaryTexts(t, locale, meeting, summary, offer);
      return texts.map((text, i) => ({
        method: "sendMessage" as const,
        text,
        ...(offer === "button" && i === texts.length - 1 ? { reply_markup: summaryOfferKeyboard(t, meeting.id) } : {}),
      }));
    },
  });
}

/** "Czy problem nadal występuje?" FOLLOW_UP_DAYS after a confirmation on site, once, in each person's language. */
export async function askFollowUps(deps: SchedulerDeps, config: Config, now: Date): Promise<number> {
  const afterDays = config.FOLLOW_UP_DAYS;
  if (afterDays === null) return 0;
  return askDueFollowUps(outbox(deps), {
    now,
    afterDays,
    render: (report, person) => {
      const locale = userLocale(person, config.DEFAULT_LOCALE);
      const t = deps.i18n.fixedT(locale);
      return {
        method: "sendMessage",
        text: followUpQuestion(t, locale, report, person.kind),
        reply_markup: followUpKeyboard(t, report.id),
        link_preview_options: { is_disabled: true },
      };
    },
  });
}

/** The organiser's progress message: sent / failed / left, edited in place while the broadcast runs. */
export async function updateBroadcastProgress(deps: SchedulerDeps, config: Config, now: Date, lastShown: Map<number, string>): Promise<void> {
  const t = deps.i18n.fixedT(config.DEFAULT_LOCALE);
  await queueBroadcastProgress(outbox(deps), { now, lastShown, render: (m, p) => progressText(t, m.title, p) });
}

/**
 * Data retention (RETENTION_DAYS; services/retention.ts): once a day by the app's clock — at the first tick after
 * a start unless a run (recorded in the database) started less than 24 h before — never with RETENTION_DAYS=off.
 * One info line with what went.
 */
export async function applyDataRetention(deps: BotDeps, config: Config, now: Date): Promise<RetentionCounts | null> {
  const days = config.RETENTION_DAYS;
  if (days === null) return null;
  const started = performance.now();
  const counts = await applyRetentionIfDue(
    {
      db: deps.db,
      notifier: deps.notifier,
      forgetUser: (telegramId) => {
        deps.users.forget(telegramId);
        deps.reports.uncache(reportFormKey(telegramId));
      },
      forgetState: (key) => deps.reports.uncache(key),
    },
    {
      now,
      days,
      keepTelegramIds: config.ADMIN_TELEGRAM_IDS,
      // Card edits at half the group's pace: new cards keep their place between them.
      cardEditGapMs: Math.ceil((2 * 60_000) / config.DELIVERY_PER_GROUP_PER_MINUTE),
      signal: deps.stopping,
    },
  );
  if (counts) deps.logger.info({ days, ...counts, ms: Math.round(performance.now() - started) }, "data retention applied");
  return counts;
}

/** How often the query planner's statistics are brought up to date (the tables grow all day). */
const STATISTICS_EVERY_MS = 60 * 60_000;

export interface Scheduler {
  /** Runs every periodic task once, now (tests drive the clock and call this). */
  tick(): Promise<void>;
  stop(): void;
}

/** Periodic work: the notifier's safety net, staff reminders, meeting reminders, digests, meeting feedback, follow-ups, broadcast progress, data retention, the planner's statistics. */
export function startScheduler(deps: BotDeps, config: Config, options: { intervalMs?: number; active?: () => boolean } = {}): Scheduler {
  const { intervalMs = 5_000, active = () => true } = options;
  let running: Promise<void> | null = null;
  const progressShown = new Map<number, string>();
  let statisticsAt = Number.NEGATIVE_INFINITY;
  const tick = () =>
    (running ??= (async () => {
      try {
        const now = deps.now();
        // The notifier's safety net: report events a crash left without their outbox rows.
        await deps.notifier.flush();
        await remindStaff(deps, config, now);
        await remindMeetings(deps, config, now);
        await sendQuestionDigests(deps, config, now);
        await meetingFeedback(deps, config, now);
        await askFollowUps(deps, config, now);
        await closeDueConsultations(deps, config, now);
        await sendWeeklyDigests(deps, config, now);
        await updateBroadcastProgress(deps, config, now, progressShown);
        await applyDataRetention(deps, config, now);
        if (now.getTime() - statisticsAt >= STATISTICS_EVERY_MS) {
          statisticsAt = now.getTime();
          await refreshPlannerStatistics(deps.db);
        }
      } catch (err) {
        deps.logger.error({ err }, "scheduled task failed");
      } finally {
        running = null;
      }
    })());
  // Only the instance holding the scheduler role runs the periodic work (app.ts); tests call tick() directly.
  const timer = setInterval(() => void (active() && tick()), intervalMs);
  timer.unref();
  return { tick, stop: () => clearInterval(timer) };
}
