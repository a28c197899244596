import type { Database } from "../db/connection.js";
import { ACTIVE_STATUSES } from "../domain/reports/status.js";
import { isAssignedOfficer, isCoordinator, loadActor, type ReportEventDeps } from "./moderation.js";

/** How long an officer's question waits for a typed answer without the "Odpowiedz" button. */
export const OPEN_QUESTION_DAYS = 14;

/**
 * Officer's questions to this resident still waiting for an answer: a relayed question on an open report
 * they reported, newer than any answer of theirs. A resident who simply types their answer is understood.
 */
export async function openQuestionsFor(db: Database, userId: number, now: Date): Promise<{ reportId: number; ref: string }[]> {
  const questions = await db
    .selectFrom("ReportEvent")
    .innerJoin("Report", "Report.id", "ReportEvent.reportId")
    .select(["ReportEvent.id", "ReportEvent.reportId", "Report.ref"])
    .where("ReportEvent.kind", "=", "relay_question")
    .where("ReportEvent.createdAt", ">=", new Date(now.getTime() - OPEN_QUESTION_DAYS * 86_400_000))
    .where("Report.reporterId", "=", userId)
    .where("Report.contactConsent", "=", true)
    .where("Report.status", "in", [...ACTIVE_STATUSES])
    .orderBy("ReportEvent.id", "desc")
    .limit(20)
    .execute();
  const open: { reportId: number; ref: string }[] = [];
  for (const q of questions) {
    if (open.some((o) => o.reportId === q.reportId)) continue;
    const answered = await db
      .selectFrom("ReportEvent")
      .select("id")
      .where("reportId", "=", q.reportId)
      .where("kind", "=", "relay_answer")
      .where("id", ">", q.id)
      .limit(1)
      .executeTakeFirst();
    if (!answered) open.push({ reportId: q.reportId, ref: q.ref });
  }
  return open;
}

/** The report an officer's relayed question (an event) is about, if this user reported it: "Odpowiedz" is theirs alone. */
export async function questionForReporter(db: Database, eventId: number, userId: number): Promise<{ reportId: number; ref: string } | null> {
  const row = await db
    .selectFrom("ReportEvent")
    .innerJoin("Report", "Report.id", "ReportEvent.reportId")
    .innerJoin("ReportFollower", (join) =>
      join.onRef("ReportFollower.reportId", "=", "Report.id").on("ReportFollower.kind", "=", "reporter").on("ReportFollower.userId", "=", userId),
    )
    .select(["Report.id", "Report.ref"])
    .where("ReportEvent.id", "=", eventId)
    .where("ReportEvent.kind", "=", "relay_question")
    .executeTakeFirst();
  return row ? { reportId: row.id, ref: row.ref } : null;
}

/** This resident's own report, if it is still open to additions. */
export function openReportOf(db: Database, reportId: number, userId: number): Promise<{ id: number; ref: string } | undefined> {
  return db
    .selectFrom("Report")
    .select(["id", "ref"])
    .where("id", "=", reportId)
    .where("reporterId", "=", userId)
    .where("status", "in", [...ACTIVE_STATUSES])
    .executeTakeFirst();
}

/**
 * Stores an officer's question to the reporter ("ask"), the reporter's answer, or their addition to an open
 * report as the report's event; the notifier passes it on (neither side learns the other's account). Roles and
 * ties are re-read now: an officer unlinked since, or a resident who is not the reporter, is refused (false).
 */
export async function relay(
  deps: ReportEventDeps & { now: () => Date },
  input: { telegramId: number; kind: "ask" | "answer" | "addition"; reportId: number; text: string | null; photo: string | null },
): Promise<boolean> {
  const stored = await deps.db.transaction().execute(async (tx) => {
    const actor = await loadActor(tx, input.telegramId);
    const report = await tx
      .selectFrom("Report")
      .select(["id", "status", "reporterId", "assignedOfficerId", "contactConsent"])
      .where("id", "=", input.reportId)
      .executeTakeFirst();
    if (!actor || !report) return false;
    const allowed =
      input.kind === "ask" ? report.contactConsent && (isAssignedOfficer(actor, report) || isCoordinator(actor)) : report.reporterId === actor.userId;
    if (!allowed) return false;
    await tx
      .insertInto("ReportEvent")
      .values({
        reportId: report.id,
        kind: input.kind === "ask" ? "relay_question" : input.kind === "answer" ? "relay_answer" : "addition",
        actorId: actor.userId,
        actorRole: input.kind === "ask" ? "officer" : "resident",
        fromStatus: report.status,
        toStatus: report.status,
        note: input.text,
        fileId: input.photo,
        createdAt: deps.now(),
      })
      .execute();
    return true;
  });
  if (!stored) return false;
  await deps.notifier.flush();
  return true;
}
