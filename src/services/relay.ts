import type { Db } from "../db/client.js";
import { ACTIVE_STATUSES } from "../domain/reports/status.js";
import { isAssignedOfficer, isCoordinator, loadActor } from "./moderation.js";

/** How long an officer's question waits for a typed answer without the "Odpowiedz" button. */
export const OPEN_QUESTION_DAYS = 14;

/**
 * Officer's questions to this resident still waiting for an answer: a relayed question on an open report
 * they reported, newer than any answer of theirs. A resident who simply types their answer is understood.
 */
export async function openQuestionsFor(db: Db, userId: number, now: Date): Promise<{ reportId: number; ref: string }[]> {
  const questions = await db.reportEvent.findMany({
    where: {
      kind: "relay_question",
      createdAt: { gte: new Date(now.getTime() - OPEN_QUESTION_DAYS * 86_400_000) },
      report: { reporterId: userId, contactConsent: true, status: { in: [...ACTIVE_STATUSES] } },
    },
    select: { id: true, reportId: true, report: { select: { ref: true } } },
    orderBy: { id: "desc" },
    take: 20,
  });
  const open: { reportId: number; ref: string }[] = [];
  for (const q of questions) {
    if (open.some((o) => o.reportId === q.reportId)) continue;
    const answered = await db.reportEvent.count({ where: { reportId: q.reportId, kind: "relay_answer", id: { gt: q.id } } });
    if (!answered) open.push({ reportId: q.reportId, ref: q.report.ref });
  }
  return open;
}

/**
 * Stores an officer's question to the reporter ("ask"), the reporter's answer, or their addition to an open
 * report as the report's event; the notifier passes it on (neither side learns the other's account). Roles and
 * ties are re-read now: an officer unlinked since, or a resident who is not the reporter, is refused (false).
 */
export async function relay(
  deps: { db: Db; now: () => Date; notifier: { flush(): Promise<void> } },
  input: { telegramId: number; kind: "ask" | "answer" | "addition"; reportId: number; text: string | null; photo: string | null },
): Promise<boolean> {
  const { db } = deps;
  const actor = await loadActor(db, input.telegramId);
  const report = await db.report.findUnique({ where: { id: input.reportId } });
  if (!actor || !report) return false;
  const allowed =
    input.kind === "ask" ? report.contactConsent && (isAssignedOfficer(actor, report) || isCoordinator(actor)) : report.reporterId === actor.userId;
  if (!allowed) return false;
  await db.reportEvent.create({
    data: {
      reportId: report.id,
      kind: input.kind === "ask" ? "relay_question" : input.kind === "answer" ? "relay_answer" : "addition",
      actorId: actor.userId,
      actorRole: input.kind === "ask" ? "officer" : "resident",
      fromStatus: report.status,
      toStatus: report.status,
      note: input.text,
      fileId: input.photo,
      createdAt: deps.now(),
    },
  });
  await deps.notifier.flush();
  return true;
}
