import type { Config } from "../config.js";
import { enqueue, type OutgoingMessage } from "../delivery/outbox.js";
import type { BotDeps } from "./context.js";
import { ageText } from "./features/moderation/render.js";

const DAY = 24 * 3600_000;

/** Deadlines of KMZB: reminders in the moderators' group, once per report and threshold. */
export async function remindStaff(deps: BotDeps, config: Config, now: Date): Promise<number> {
  const group = config.MODERATION_CHAT_ID;
  if (!group) return 0;
  const { db } = deps;
  const t = deps.i18n.fixedT(config.DEFAULT_LOCALE);
  const [stale, slow] = await Promise.all([
    db.report.findMany({
      where: { status: "new", mergedIntoId: null, createdAt: { lte: new Date(now.getTime() - config.NEW_REMINDER_DAYS * DAY) }, reminders: { none: { threshold: "new" } } },
      orderBy: { id: "asc" },
      take: 200,
    }),
    db.report.findMany({
      where: { status: "verification", firstReviewedAt: { lte: new Date(now.getTime() - config.VERIFICATION_REMINDER_DAYS * DAY) }, reminders: { none: { threshold: "verification" } } },
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
    const items: OutgoingMessage[] = [{ dedupeKey: `report:${report.id}:remind:${threshold}`, chatId: group, kind: "staff_reminder", message: { method: "sendMessage", text } }];
    const officerUser = "district" in report ? report.district?.officer?.user : undefined;
    if (officerUser) items.push({ dedupeKey: `report:${report.id}:remind:${threshold}:officer`, chatId: officerUser.telegramId, userId: officerUser.id, kind: "staff_reminder", message: { method: "sendMessage", text } });
    // Queue first, then remember: a crash in between queues again, which the dedupe keys absorb.
    await enqueue(db, items, { now });
    await db.reportReminder.upsert({ where: { reportId_threshold: { reportId: report.id, threshold } }, create: { reportId: report.id, threshold, sentAt: now }, update: {} });
    sent++;
  }
  return sent;
}

export interface Scheduler {
  /** Runs every periodic task once, now (tests drive the clock and call this). */
  tick(): Promise<void>;
  stop(): void;
}

/** Periodic work: the notifier's safety net and staff reminders. */
export function startScheduler(deps: BotDeps, config: Config, intervalMs = 30_000): Scheduler {
  let running: Promise<void> | null = null;
  const tick = () =>
    (running ??= (async () => {
      try {
        await deps.notifier.flush();
        await remindStaff(deps, config, deps.now());
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
