import type { Database } from "../db/connection.js";
import { enqueue } from "../delivery/outbox.js";

export const ROLES = ["resident", "officer", "coordinator", "admin"] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** An account as the admin commands see it. */
export interface UserRecord {
  id: number;
  telegramId: number;
  firstName: string;
  role: string;
  language: string | null;
  languageCode: string | null;
}

const USER_COLUMNS = ["id", "telegramId", "firstName", "role", "language", "languageCode"] as const;

/** The role stored for this Telegram account now (not as cached by the user directory); null for an unknown account. */
export async function storedRole(db: Database, telegramId: number): Promise<string | null> {
  const row = await db.selectFrom("User").select("role").where("telegramId", "=", telegramId).executeTakeFirst();
  return row?.role ?? null;
}

/** A user by numeric Telegram id or @username (they must have written to the bot). */
export async function findUser(db: Database, ref: string): Promise<UserRecord | undefined> {
  // Telegram ids fit in 52 bits: a longer number is nobody (and would overflow the column).
  if (/^\d+$/.test(ref))
    return Number.isSafeInteger(Number(ref)) ? db.selectFrom("User").select(USER_COLUMNS).where("telegramId", "=", Number(ref)).executeTakeFirst() : undefined;
  return db.selectFrom("User").select(USER_COLUMNS).where("username", "=", ref.replace(/^@/, "")).orderBy("id").executeTakeFirst();
}

/**
 * Gives the account a role. When the role changes for someone other than the admin making it, the new role and
 * what it can do (`welcome`, in the holder's language) reach its holder through the outbox, written with the change.
 */
export async function changeRole(
  deps: { db: Database; notifier: { wakeOutbox(): void } },
  change: { userId: number; role: Role; byUserId: number | undefined; welcome: string; now: Date },
): Promise<void> {
  const { userId, role, now } = change;
  const queued = await deps.db.transaction().execute(async (tx) => {
    const user = await tx.selectFrom("User").select(["telegramId", "role"]).where("id", "=", userId).executeTakeFirst();
    if (!user) return 0;
    await tx.updateTable("User").set({ role }).where("id", "=", userId).execute();
    if (role === user.role || userId === change.byUserId) return 0;
    return enqueue(
      tx,
      [
        {
          dedupeKey: `user:${userId}:role:${role}:${now.getTime()}`,
          chatId: user.telegramId,
          userId,
          kind: "role_change",
          message: { method: "sendMessage", text: change.welcome },
        },
      ],
      { now },
    );
  });
  if (queued) deps.notifier.wakeOutbox();
}

/** Bans (new reports refused) or unbans the account. */
export async function setBanned(db: Database, userId: number, banned: boolean): Promise<void> {
  await db.updateTable("User").set({ banned }).where("id", "=", userId).execute();
}
