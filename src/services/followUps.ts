import type { Database, Queryable } from "../db/connection.js";
import { enqueue, type OutgoingMessage } from "../delivery/outbox.js";
import { followUpShare, followUpWindow, type FollowUpAnswer, type FollowUpShare } from "../domain/reports/followUp.js";
import { CONFIRMED_STATUSES } from "../domain/reports/status.js";
import type { OutboxDeps } from "./meetings.js";
import { TOMBSTONE_TELEGRAM_ID } from "./privacy.js";

/** Reports asked about per run: the rest follow at the next tick. */
const BATCH = 100;

export interface FollowUpReport {
  id: number;
  ref: string;
  categoryCode: string;
  address: string;
  verifiedAt: Date;
}

export interface FollowUpRecipient {
  userId: number;
  telegramId: number;
  language: string | null;
  languageCode: string | null;
  /** reporter | confirmation */
  kind: string;
}

/**
 * "Czy problem nadal występuje?": each report confirmed on site `afterDays` ago (see domain/reports/followUp.ts for
 * the window) is asked about once, of its reporter and those who confirmed it — never of someone who blocked the bot
 * or deleted their data. The questions, the record of who was asked and the report's mark are stored in one
 * transaction, and each question has its own dedupe key: a crash or a restart asks nobody twice.
 * Returns how many reports were asked about.
 */
export async function askDueFollowUps(
  deps: OutboxDeps,
  input: { now: Date; afterDays: number; render: (report: FollowUpReport, recipient: FollowUpRecipient) => OutgoingMessage["message"] },
): Promise<number> {
  const { now } = input;
  const { from, to } = followUpWindow(now, input.afterDays);
  const asked = await deps.db.transaction().execute(async (tx) => {
    const due = await tx
      .selectFrom("Report")
      .select(["id", "ref", "categoryCode", "address", "verifiedAt"])
      .where("followUpAt", "is", null)
      .where("verifiedAt", ">", from)
      .where("verifiedAt", "<=", to)
      .where("status", "in", CONFIRMED_STATUSES)
      .where("mergedIntoId", "is", null)
      .orderBy("verifiedAt")
      .orderBy("id")
      .limit(BATCH)
      .execute();
    if (!due.length) return 0;
    const people = await tx
      .selectFrom("ReportFollower")
      .innerJoin("User", "User.id", "ReportFollower.userId")
      .select(["ReportFollower.reportId", "ReportFollower.kind", "User.id as userId", "User.telegramId", "User.language", "User.languageCode"])
      .where(
        "ReportFollower.reportId",
        "in",
        due.map((r) => r.id),
      )
      .where("User.blocked", "=", false)
      .where("User.telegramId", "<>", TOMBSTONE_TELEGRAM_ID)
      .orderBy("ReportFollower.reportId")
      .orderBy("User.id")
      .execute();
    for (const row of due) {
      const report: FollowUpReport = { ...row, verifiedAt: row.verifiedAt! };
      const recipients = people.filter((p) => p.reportId === report.id);
      if (recipients.length) {
        await tx
          .insertInto("ReportFollowUp")
          .values(recipients.map((p) => ({ reportId: report.id, userId: p.userId, askedAt: now })))
          .onConflict((oc) => oc.columns(["reportId", "userId"]).doNothing())
          .execute();
        await enqueue(
          tx,
          recipients.map((p) => ({
            dedupeKey: `report:${report.id}:followup:user:${p.userId}`,
            chatId: p.telegramId,
            userId: p.userId,
            kind: "follow_up",
            message: input.render(report, { ...p, telegramId: Number(p.telegramId) }),
          })),
          { now },
        );
      }
      await tx.updateTable("Report").set({ followUpAt: now }).where("id", "=", report.id).execute();
    }
    return due.length;
  });
  if (asked) deps.notifier.wakeOutbox();
  return asked;
}

/** Who hears that a problem is still there: the officer verifying the report (else the district's), when linked. */
export interface FollowUpNoticeTarget {
  chatId: number | bigint;
  userId?: number;
  language: string | null;
  languageCode: string | null;
}

export type FollowUpResult =
  | { kind: "recorded"; report: FollowUpReport; answer: FollowUpAnswer; noticeQueued: boolean }
  | { kind: "already"; answer: FollowUpAnswer }
  /** No question of this report was put to this person (forged or foreign callback data). */
  | { kind: "not_asked" };

/**
 * Stores a resident's answer (once; the first answer stands) and, for "yes", queues the notice to the officer —
 * in the same transaction, so the notice goes exactly when the answer is stored. Never says who answered.
 */
export async function answerFollowUp(
  deps: OutboxDeps,
  input: {
    reportId: number;
    userId: number;
    answer: FollowUpAnswer;
    now: Date;
    /** Where a "yes" goes when no officer of the report is linked: the moderators' group, if any. */
    fallbackChatId: bigint | null;
    render: (report: FollowUpReport, target: FollowUpNoticeTarget) => OutgoingMessage["message"];
  },
): Promise<FollowUpResult> {
  const { now } = input;
  const result = await deps.db.transaction().execute(async (tx): Promise<FollowUpResult> => {
    const row = await tx
      .selectFrom("ReportFollowUp")
      .innerJoin("Report", "Report.id", "ReportFollowUp.reportId")
      .select(["ReportFollowUp.id", "ReportFollowUp.answer", "Report.ref", "Report.categoryCode", "Report.address", "Report.verifiedAt"])
      .where("ReportFollowUp.reportId", "=", input.reportId)
      .where("ReportFollowUp.userId", "=", input.userId)
      .executeTakeFirst();
    if (!row) return { kind: "not_asked" };
    if (row.answer !== null) return { kind: "already", answer: row.answer as FollowUpAnswer };
    await tx.updateTable("ReportFollowUp").set({ answer: input.answer, answeredAt: now }).where("id", "=", row.id).execute();
    const report: FollowUpReport = {
      id: input.reportId,
      ref: row.ref,
      categoryCode: row.categoryCode,
      address: row.address,
      verifiedAt: row.verifiedAt ?? now,
    };
    if (input.answer !== "yes") return { kind: "recorded", report, answer: input.answer, noticeQueued: false };
    const target =
      (await officerOf(tx, input.reportId)) ?? (input.fallbackChatId ? { chatId: input.fallbackChatId, language: null, languageCode: null } : null);
    if (!target) return { kind: "recorded", report, answer: input.answer, noticeQueued: false };
    await enqueue(
      tx,
      [
        {
          dedupeKey: `report:${input.reportId}:followup:yes:${row.id}`,
          chatId: target.chatId,
          ...(target.userId ? { userId: target.userId } : {}),
          kind: "follow_up_notice",
          message: input.render(report, target),
        },
      ],
      { now },
    );
    return { kind: "recorded", report, answer: input.answer, noticeQueued: true };
  });
  if (result.kind === "recorded" && result.noticeQueued) deps.notifier.wakeOutbox();
  return result;
}

/** The report's assigned officer, else its district's, if linked to an account that has not blocked the bot. */
async function officerOf(tx: Queryable, reportId: number): Promise<FollowUpNoticeTarget | null> {
  const row = await tx
    .selectFrom("Report")
    .leftJoin("District", "District.id", "Report.districtId")
    .leftJoin("Officer as Assigned", "Assigned.id", "Report.assignedOfficerId")
    .leftJoin("Officer as OfDistrict", "OfDistrict.id", "District.officerId")
    .leftJoin("User as AssignedUser", "AssignedUser.id", "Assigned.userId")
    .leftJoin("User as DistrictUser", "DistrictUser.id", "OfDistrict.userId")
    .select([
      "AssignedUser.id as aId",
      "AssignedUser.telegramId as aChat",
      "AssignedUser.blocked as aBlocked",
      "AssignedUser.language as aLanguage",
      "AssignedUser.languageCode as aLanguageCode",
      "DistrictUser.id as dId",
      "DistrictUser.telegramId as dChat",
      "DistrictUser.blocked as dBlocked",
      "DistrictUser.language as dLanguage",
      "DistrictUser.languageCode as dLanguageCode",
    ])
    .where("Report.id", "=", reportId)
    .executeTakeFirst();
  if (!row) return null;
  if (row.aId !== null && row.aChat !== null && !row.aBlocked)
    return { chatId: row.aChat, userId: row.aId, language: row.aLanguage, languageCode: row.aLanguageCode };
  if (row.dId !== null && row.dChat !== null && !row.dBlocked)
    return { chatId: row.dChat, userId: row.dId, language: row.dLanguage, languageCode: row.dLanguageCode };
  return null;
}

/** The answers given in [from, to]: /stats's "share gone after confirmation". */
export async function followUpAnswers(db: Database, from: Date, to: Date): Promise<FollowUpShare> {
  const rows = await db
    .selectFrom("ReportFollowUp")
    .select("answer")
    .where("answeredAt", ">=", from)
    .where("answeredAt", "<=", to)
    .where("answer", "is not", null)
    .execute();
  return followUpShare(rows.map((r) => r.answer as FollowUpAnswer));
}
