import type { OutgoingMessage } from "../delivery/outbox.js";
import type { Status } from "../domain/reports/status.js";
import type { OutboxDeps } from "./meetings.js";
import { enqueue } from "../delivery/outbox.js";

const DAY = 24 * 3600_000;
const NEW = "new" satisfies Status;
const VERIFICATION = "verification" satisfies Status;
/** Reports recalled per run: the rest follow at the next. */
const BATCH = 200;

export type ReminderThreshold = typeof NEW | typeof VERIFICATION;

/**
 * Deadlines of KMZB: a report still Nowe after `newAfterDays`, or in Weryfikacja `verificationAfterDays` after
 * it was first reviewed, is recalled once in the moderators' group (the latter also to the assigned district's
 * officer, when linked). The messages and the mark that they went are stored in one transaction.
 * Returns how many reports were recalled.
 */
export async function remindStaff(
  deps: OutboxDeps,
  input: {
    now: Date;
    group: bigint;
    newAfterDays: number;
    verificationAfterDays: number;
    render: (threshold: ReminderThreshold, report: { ref: string }, since: Date) => string;
  },
): Promise<number> {
  const { db } = deps;
  const { now } = input;
  // Of the reports not recalled yet at this threshold (once per report and threshold).
  const reminded = (threshold: ReminderThreshold) => db.selectFrom("ReportReminder").select("reportId").where("threshold", "=", threshold);
  const stale = await db
    .selectFrom("Report")
    .select(["Report.id", "Report.ref", "Report.createdAt"])
    .where("Report.status", "=", NEW)
    .where("Report.mergedIntoId", "is", null)
    .where("Report.createdAt", "<=", new Date(now.getTime() - input.newAfterDays * DAY))
    .where("Report.id", "not in", reminded(NEW))
    .orderBy("Report.id")
    .limit(BATCH)
    .execute();
  const slow = await db
    .selectFrom("Report")
    .leftJoin("District", "District.id", "Report.districtId")
    .leftJoin("Officer", "Officer.id", "District.officerId")
    .leftJoin("User", "User.id", "Officer.userId")
    .select(["Report.id", "Report.ref", "Report.createdAt", "Report.firstReviewedAt", "User.id as officerUserId", "User.telegramId as officerChatId"])
    .where("Report.status", "=", VERIFICATION)
    .where("Report.firstReviewedAt", "<=", new Date(now.getTime() - input.verificationAfterDays * DAY))
    .where("Report.id", "not in", reminded(VERIFICATION))
    .orderBy("Report.id")
    .limit(BATCH)
    .execute();
  type Due = { report: { id: number; ref: string }; threshold: ReminderThreshold; since: Date; officer: { userId: number; chatId: number } | null };
  const due: Due[] = [
    ...stale.map((r): Due => ({ report: r, threshold: NEW, since: r.createdAt, officer: null })),
    ...slow.map((r): Due => ({
      report: r,
      threshold: VERIFICATION,
      since: r.firstReviewedAt ?? r.createdAt,
      officer: r.officerUserId !== null && r.officerChatId !== null ? { userId: r.officerUserId, chatId: r.officerChatId } : null,
    })),
  ];
  if (!due.length) return 0;
  await db.transaction().execute(async (tx) => {
    for (const { report, threshold, since, officer } of due) {
      const text = input.render(threshold, report, since);
      const items: OutgoingMessage[] = [
        { dedupeKey: `report:${report.id}:remind:${threshold}`, chatId: input.group, kind: "staff_reminder", message: { method: "sendMessage", text } },
      ];
      if (officer)
        items.push({
          dedupeKey: `report:${report.id}:remind:${threshold}:officer`,
          chatId: officer.chatId,
          userId: officer.userId,
          kind: "staff_reminder",
          message: { method: "sendMessage", text },
        });
      await enqueue(tx, items, { now });
      await tx
        .insertInto("ReportReminder")
        .values({ reportId: report.id, threshold, sentAt: now })
        .onConflict((oc) => oc.columns(["reportId", "threshold"]).doNothing())
        .execute();
    }
  });
  deps.notifier.wakeOutbox();
  return due.length;
}
