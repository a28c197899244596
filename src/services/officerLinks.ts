import crypto from "node:crypto";
import type { Database, Queryable } from "../db/connection.js";
import { ACCEPTED_OPEN_STATUSES } from "../domain/reports/status.js";

export const LINK_CODE_TTL_MS = 24 * 3600_000;
// No 0/O, 1/I/L: the code is read from one screen and typed on another.
const ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

const hash = (code: string) => crypto.createHash("sha256").update(code.trim().toUpperCase()).digest("hex");

/** An officer as the link commands show them. */
export interface LinkedOfficer {
  id: number;
  code: string;
  rank: string;
  firstName: string;
  lastName: string;
  userId: number | null;
}

const OFFICER_COLUMNS = ["id", "code", "rank", "firstName", "lastName", "userId"] as const;

/** An officer by code ("O01") or numeric id ("7"). */
export async function findOfficer(db: Database, ref: string): Promise<LinkedOfficer | undefined> {
  const trimmed = ref.trim();
  return db
    .selectFrom("Officer")
    .select(OFFICER_COLUMNS)
    .where((eb) => (/^\d{1,9}$/.test(trimmed) ? eb.or([eb("id", "=", Number(trimmed)), eb("code", "=", trimmed)]) : eb("code", "=", trimmed)))
    .orderBy("id")
    .executeTakeFirst();
}

export function officerName(o: { rank: string; firstName: string; lastName: string; code: string }): string {
  return `${o.rank} ${o.firstName} ${o.lastName} (${o.code})`;
}

/** A single-use code valid for 24 h; only its hash is stored. */
export async function issueLinkCode(db: Database, officerId: number, createdById: number | null, now: Date): Promise<{ code: string; expiresAt: Date }> {
  const code = Array.from({ length: 10 }, () => ALPHABET[crypto.randomInt(ALPHABET.length)]).join("");
  const expiresAt = new Date(now.getTime() + LINK_CODE_TTL_MS);
  await db
    .insertInto("OfficerLinkCode")
    .values({ codeHash: hash(code), officerId, createdById, expiresAt, createdAt: now })
    .execute();
  return { code, expiresAt };
}

export type RedeemResult = { ok: true; officer: LinkedOfficer; districts: string[]; openReports: number } | { ok: false; reason: "invalid" | "alreadyLinked" };

/** The officer's districts, by id. */
const districtsOf = (db: Queryable, officerId: number) =>
  db.selectFrom("District").select(["id", "number"]).where("officerId", "=", officerId).orderBy("id").execute();

/**
 * Links the Telegram account to the officer. The code is spent in the same transaction (single use,
 * even when two devices try it at once); the account gets the officer role unless it has a higher one.
 * Reports waiting for the officer reach them through the notifier, flushed after the commit.
 */
export async function redeemLinkCode(
  deps: { db: Database; notifier: { flush(): Promise<void> } },
  code: string,
  userId: number,
  now: Date,
): Promise<RedeemResult> {
  const result = await deps.db.transaction().execute(async (tx): Promise<RedeemResult> => {
    const row = await tx.selectFrom("OfficerLinkCode").selectAll().where("codeHash", "=", hash(code)).executeTakeFirst();
    const current = await tx.selectFrom("Officer").select(OFFICER_COLUMNS).where("userId", "=", userId).executeTakeFirst();
    // The same code from the account it linked (a /link replayed after a crash, or sent twice): already done.
    if (row?.usedAt && current?.id === row.officerId)
      return { ok: true, officer: current, districts: (await districtsOf(tx, current.id)).map((d) => d.number), openReports: 0 };
    if (!row || row.usedAt || row.expiresAt <= now) return { ok: false, reason: "invalid" };
    if (current && current.id !== row.officerId) return { ok: false, reason: "alreadyLinked" };
    const spent = await tx
      .updateTable("OfficerLinkCode")
      .set({ usedAt: now })
      .where("codeHash", "=", row.codeHash)
      .where("usedAt", "is", null)
      .executeTakeFirst();
    if (spent.numUpdatedRows !== 1n) return { ok: false, reason: "invalid" };
    const officer = await tx.updateTable("Officer").set({ userId }).where("id", "=", row.officerId).returning(OFFICER_COLUMNS).executeTakeFirstOrThrow();
    const districts = await districtsOf(tx, officer.id);
    await tx.updateTable("User").set({ role: "officer" }).where("id", "=", userId).where("role", "=", "resident").execute();
    // Reports of their districts accepted before they had an account: theirs now, and each reaches them
    // (an "assigned" event; the notifier sends the photos and the card with the verdict buttons).
    const open = districts.length
      ? await tx
          .selectFrom("Report")
          .select(["id", "status"])
          .where(
            "districtId",
            "in",
            districts.map((d) => d.id),
          )
          .where("status", "in", ACCEPTED_OPEN_STATUSES)
          .where("mergedIntoId", "is", null)
          .orderBy("id")
          .execute()
      : [];
    for (const report of open) {
      await tx.updateTable("Report").set({ assignedOfficerId: officer.id, updatedAt: now }).where("id", "=", report.id).execute();
      await tx
        .insertInto("ReportEvent")
        .values({
          reportId: report.id,
          kind: "assigned",
          actorId: null,
          actorRole: "system",
          fromStatus: report.status,
          toStatus: report.status,
          createdAt: now,
        })
        .execute();
    }
    return { ok: true, officer, districts: districts.map((d) => d.number), openReports: open.length };
  });
  if (result.ok) await deps.notifier.flush();
  return result;
}

/** Detaches the officer's Telegram account; the account falls back to resident unless it has a higher role. */
export async function unlinkOfficer(db: Database, officerId: number): Promise<{ telegramId: number } | null> {
  return db.transaction().execute(async (tx) => {
    const user = await tx
      .selectFrom("Officer")
      .innerJoin("User", "User.id", "Officer.userId")
      .select(["User.id", "User.telegramId"])
      .where("Officer.id", "=", officerId)
      .executeTakeFirst();
    if (!user) return null;
    await tx.updateTable("Officer").set({ userId: null }).where("id", "=", officerId).execute();
    await tx.updateTable("User").set({ role: "resident" }).where("id", "=", user.id).where("role", "=", "officer").execute();
    return { telegramId: user.telegramId };
  });
}
