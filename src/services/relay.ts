import { ACTIVE_STATUSES } from "../domain/reports/status.js";
import type { Db } from "../db/client.js";

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
