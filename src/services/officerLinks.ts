import crypto from "node:crypto";
import { writeTransaction, type Db } from "../db/client.js";
import { ACCEPTED_OPEN_STATUSES } from "../domain/reports/status.js";

export const LINK_CODE_TTL_MS = 24 * 3600_000;
// No 0/O, 1/I/L: the code is read from one screen and typed on another.
const ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

const hash = (code: string) => crypto.createHash("sha256").update(code.trim().toUpperCase()).digest("hex");

/** An officer by code ("O01") or numeric id ("7"). */
export function findOfficer(db: Db, ref: string) {
  const trimmed = ref.trim();
  return db.officer.findFirst({
    where: /^\d{1,9}$/.test(trimmed) ? { OR: [{ id: Number(trimmed) }, { code: trimmed }] } : { code: trimmed },
    include: { districts: { select: { number: true } } },
  });
}

export function officerName(o: { rank: string; firstName: string; lastName: string; code: string }): string {
  return `${o.rank} ${o.firstName} ${o.lastName} (${o.code})`;
}

/** A single-use code valid for 24 h; only its hash is stored. */
export async function issueLinkCode(db: Db, officerId: number, createdById: number | null, now: Date): Promise<{ code: string; expiresAt: Date }> {
  const code = Array.from({ length: 10 }, () => ALPHABET[crypto.randomInt(ALPHABET.length)]).join("");
  const expiresAt = new Date(now.getTime() + LINK_CODE_TTL_MS);
  await db.officerLinkCode.create({ data: { codeHash: hash(code), officerId, createdById, expiresAt, createdAt: now } });
  return { code, expiresAt };
}

export type RedeemResult =
  | { ok: true; officer: { id: number; rank: string; firstName: string; lastName: string; code: string }; districts: string[]; openReports: number }
  | { ok: false; reason: "invalid" | "alreadyLinked" };

/**
 * Links the Telegram account to the officer. The code is spent in the same transaction (single use,
 * even when two devices try it at once); the account gets the officer role unless it has a higher one.
 */
export async function redeemLinkCode(db: Db, code: string, userId: number, now: Date): Promise<RedeemResult> {
  return writeTransaction(db, async (tx) => {
    const row = await tx.officerLinkCode.findUnique({ where: { codeHash: hash(code) } });
    const current = await tx.officer.findUnique({ where: { userId }, include: { districts: { select: { id: true, number: true } } } });
    // The same code from the account it linked (a /link replayed after a crash, or sent twice): already done.
    if (row?.usedAt && current?.id === row.officerId)
      return { ok: true, officer: current, districts: current.districts.map((d) => d.number), openReports: 0 } as const;
    if (!row || row.usedAt || row.expiresAt <= now) return { ok: false, reason: "invalid" } as const;
    if (current && current.id !== row.officerId) return { ok: false, reason: "alreadyLinked" } as const;
    const spent = await tx.officerLinkCode.updateMany({ where: { codeHash: row.codeHash, usedAt: null }, data: { usedAt: now } });
    if (spent.count !== 1) return { ok: false, reason: "invalid" } as const;
    const officer = await tx.officer.update({
      where: { id: row.officerId },
      data: { userId },
      include: { districts: { select: { id: true, number: true } } },
    });
    await tx.user.updateMany({ where: { id: userId, role: "resident" }, data: { role: "officer" } });
    // Reports of their districts accepted before they had an account: theirs now, and each reaches them
    // (an "assigned" event; the notifier sends the photos and the card with the verdict buttons).
    const open = await tx.report.findMany({
      where: { districtId: { in: officer.districts.map((d) => d.id) }, status: { in: [...ACCEPTED_OPEN_STATUSES] }, mergedIntoId: null },
      select: { id: true, status: true },
      orderBy: { id: "asc" },
    });
    for (const report of open) {
      await tx.report.update({ where: { id: report.id }, data: { assignedOfficerId: officer.id } });
      await tx.reportEvent.create({
        data: { reportId: report.id, kind: "assigned", actorId: null, actorRole: "system", fromStatus: report.status, toStatus: report.status, createdAt: now },
      });
    }
    return { ok: true, officer, districts: officer.districts.map((d) => d.number), openReports: open.length } as const;
  });
}

/** Detaches the officer's Telegram account; the account falls back to resident unless it has a higher role. */
export async function unlinkOfficer(db: Db, officerId: number): Promise<{ telegramId: bigint } | null> {
  return writeTransaction(db, async (tx) => {
    const officer = await tx.officer.findUnique({ where: { id: officerId }, include: { user: true } });
    if (!officer?.user) return null;
    await tx.officer.update({ where: { id: officerId }, data: { userId: null } });
    await tx.user.updateMany({ where: { id: officer.user.id, role: "officer" }, data: { role: "resident" } });
    return { telegramId: officer.user.telegramId };
  });
}
