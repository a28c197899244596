import { writeTransaction, type Db } from "../db/client.js";

/** The account reports are moved to when their reporter deletes their data: reports stay police records. */
const TOMBSTONE_TELEGRAM_ID = 0n;

/**
 * "Usuń moje dane": everything tied to this Telegram account goes — saved address, subscriptions, RSVPs,
 * questions, open prompts, queued messages, the officer link, the user row itself. Reports stay (they are
 * the police's record of a threat) but no longer point at the person: they move to an anonymous tombstone
 * account and lose the contact consent, so nobody can write back.
 */
export async function deleteUserData(db: Db, telegramId: number): Promise<boolean> {
  return writeTransaction(db, async (tx) => {
    const user = await tx.user.findUnique({ where: { telegramId: BigInt(telegramId) } });
    if (!user) return false;
    const tombstone = await tx.user.upsert({
      where: { telegramId: TOMBSTONE_TELEGRAM_ID },
      create: { telegramId: TOMBSTONE_TELEGRAM_ID, firstName: "", blocked: true },
      update: {},
    });
    await tx.report.updateMany({ where: { reporterId: user.id }, data: { reporterId: tombstone.id, contactConsent: false } });
    await tx.reportFollower.deleteMany({ where: { userId: user.id } });
    await tx.reportEvent.updateMany({ where: { actorId: user.id }, data: { actorId: null } });
    await tx.meetingRsvp.deleteMany({ where: { userId: user.id } });
    await tx.meetingQuestion.deleteMany({ where: { userId: user.id } });
    await tx.subscription.deleteMany({ where: { userId: user.id } });
    // Open forms (the report form's row, the other forms' conversation state) hold what was typed so far.
    await tx.conversationState.deleteMany({ where: { key: { in: [`reportForm:${telegramId}`, `${telegramId}:${telegramId}`] } } });
    // A row being sent right now finishes; everything else addressed to this person is dropped.
    await tx.delivery.deleteMany({ where: { OR: [{ userId: user.id }, { chatId: BigInt(telegramId) }], NOT: { status: "sending" } } });
    await tx.officer.updateMany({ where: { userId: user.id }, data: { userId: null } });
    await tx.officerLinkCode.deleteMany({ where: { createdById: user.id, usedAt: null } });
    await tx.meeting.updateMany({ where: { createdById: user.id }, data: { createdById: null } });
    await tx.user.delete({ where: { id: user.id } });
    return true;
  });
}
