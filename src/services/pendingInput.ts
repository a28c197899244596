import type { Db } from "../db/client.js";

/** What a force_reply prompt waits for. */
export type PendingAction =
  | { action: "joke"; reportId: number; expected: string }
  | { action: "duplicate"; reportId: number }
  | { action: "district"; reportId: number }
  | { action: "officerNote"; reportId: number; expected: string; to: string; referredTo?: string }
  | { action: "referredOther"; reportId: number; expected: string }
  | { action: "ask"; reportId: number }
  | { action: "answer"; reportId: number; questionEventId: number }
  | { action: "addition"; reportId: number }
  | { action: "meetingQuestion"; meetingId: number }
  | { action: "meetingEdit"; meetingId: number; field: string };

/** Private chats accept the next message as the answer for this long; groups need a reply to the prompt. */
const PRIVATE_WINDOW_MS = 30 * 60_000;

export async function createPending(db: Db, input: { chatId: number; userId: number; action: PendingAction; now: Date }): Promise<number> {
  // One open question per person and chat: a new prompt replaces an unanswered one.
  await db.pendingInput.updateMany({ where: { chatId: BigInt(input.chatId), userId: input.userId, doneAt: null }, data: { doneAt: input.now } });
  const row = await db.pendingInput.create({
    data: { chatId: BigInt(input.chatId), userId: input.userId, action: JSON.stringify(input.action), createdAt: input.now },
  });
  return row.id;
}

export async function attachPrompt(db: Db, id: number, promptMessageId: number): Promise<void> {
  await db.pendingInput.update({ where: { id }, data: { promptMessageId } });
}

/** The open question this message answers, if any; it is closed at once so it is answered once. */
export async function takePending(
  db: Db,
  input: { chatId: number; userId: number; replyToMessageId?: number; privateChat: boolean; now: Date },
): Promise<{ id: number; action: PendingAction } | null> {
  const row = await db.pendingInput.findFirst({
    where: {
      chatId: BigInt(input.chatId),
      userId: input.userId,
      doneAt: null,
      ...(input.privateChat ? { createdAt: { gte: new Date(input.now.getTime() - PRIVATE_WINDOW_MS) } } : { promptMessageId: input.replyToMessageId ?? -1 }),
    },
    orderBy: { id: "desc" },
  });
  if (!row) return null;
  const closed = await db.pendingInput.updateMany({ where: { id: row.id, doneAt: null }, data: { doneAt: input.now } });
  return closed.count === 1 ? { id: row.id, action: JSON.parse(row.action) as PendingAction } : null;
}

/** Closes a question by its id (a "no note" button), returning it if it was still open and belongs to the user. */
export async function closePending(db: Db, id: number, userId: number, now: Date): Promise<PendingAction | null> {
  const row = await db.pendingInput.findFirst({ where: { id, userId, doneAt: null } });
  if (!row) return null;
  const closed = await db.pendingInput.updateMany({ where: { id, doneAt: null }, data: { doneAt: now } });
  return closed.count === 1 ? (JSON.parse(row.action) as PendingAction) : null;
}
