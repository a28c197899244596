import { writeTransaction, type Db } from "../db/client.js";
import { findCategory } from "../domain/reports/categories.js";
import { canTransition, isStatus, type Actor, type Status } from "../domain/reports/status.js";
import { haversineM } from "../domain/geo/measure.js";
import { DUPLICATE_RADIUS_M } from "../domain/reports/limits.js";

/** Who is acting, as the database says now (never as the chat or the button says). */
export interface StaffActor {
  userId: number;
  role: string;
  /** The officer this account is linked to, if any. */
  officerId: number | null;
}

export async function loadActor(db: Db, telegramId: number): Promise<StaffActor | null> {
  const user = await db.user.findUnique({ where: { telegramId: BigInt(telegramId) }, include: { officer: { select: { id: true } } } });
  return user ? { userId: user.id, role: user.role, officerId: user.officer?.id ?? null } : null;
}

export const isCoordinator = (a: StaffActor | null) => a?.role === "coordinator" || a?.role === "admin";
/** The report's assigned officer acting through their linked account, or an admin (who may act for anyone). */
export const isAssignedOfficer = (a: StaffActor, report: { assignedOfficerId: number | null }) =>
  a.role === "admin" || (a.officerId !== null && a.officerId === report.assignedOfficerId);
export const isStaff = (a: StaffActor | null) => isCoordinator(a) || (a?.role === "officer" && a.officerId !== null);

export type TransitionOutcome =
  { ok: true; from: Status; to: Status; eventId: number } | { ok: false; reason: "not_found" | "forbidden" | "illegal" | "stale"; current?: Status };

/**
 * The one way a report's status changes. The role is checked against the table of transitions, an officer
 * only acts on reports assigned to them, and the change is conditional on the status the actor saw: of two
 * simultaneous actions exactly one wins, the other learns the current status. The event is stored in the
 * same transaction; messages follow from the event (services/notifier.ts), never before it.
 */
export async function transition(
  db: Db,
  input: {
    reportId: number;
    to: Status;
    expected: Status;
    actor: StaffActor;
    note?: string | null;
    publicNote?: string | null;
    referredTo?: string | null;
    now: Date;
  },
): Promise<TransitionOutcome> {
  return writeTransaction(db, async (tx) => {
    const report = await tx.report.findUnique({ where: { id: input.reportId }, include: { district: { select: { officerId: true } } } });
    if (!report || !isStatus(report.status)) return { ok: false, reason: "not_found" } as const;
    const from = report.status;
    if (from !== input.expected) return { ok: false, reason: "stale", current: from } as const;
    const actorKind = actorFor(input.actor, report.assignedOfficerId, input.to, from);
    if (!actorKind) return { ok: false, reason: "forbidden", current: from } as const;
    if (!canTransition(from, input.to, actorKind)) return { ok: false, reason: "illegal", current: from } as const;

    const changed = await tx.report.updateMany({
      where: { id: report.id, status: from },
      data: {
        status: input.to,
        ...(from === "new" ? { firstReviewedAt: input.now } : {}),
        ...(from === "verification" ? { verifiedAt: input.now } : {}),
        ...(input.to === "verification" ? { assignedOfficerId: report.district?.officerId ?? null } : {}),
        ...(input.publicNote ? { lastPublicNote: input.publicNote } : {}),
        ...(input.referredTo ? { referredTo: input.referredTo } : {}),
      },
    });
    if (changed.count !== 1) return { ok: false, reason: "stale", current: from } as const;
    const event = await tx.reportEvent.create({
      data: {
        reportId: report.id,
        kind: "status",
        actorId: input.actor.userId,
        actorRole: actorKind,
        fromStatus: from,
        toStatus: input.to,
        note: input.note ?? null,
        publicNote: input.publicNote ?? null,
        createdAt: input.now,
      },
    });
    return { ok: true, from, to: input.to, eventId: event.id } as const;
  });
}

/** Coordinators (and admins) act as coordinators; the assigned officer acts as officer. Admins may verify too. */
function actorFor(actor: StaffActor, assignedOfficerId: number | null, to: Status, from: Status): Actor | null {
  const officerMove = canTransition(from, to, "officer");
  const coordinatorMove = canTransition(from, to, "coordinator");
  if (isCoordinator(actor) && coordinatorMove) return "coordinator";
  if (actor.officerId !== null && actor.officerId === assignedOfficerId && officerMove) return "officer";
  if (actor.role === "admin" && officerMove) return "officer";
  if (isCoordinator(actor) || actor.officerId !== null) return coordinatorMove || officerMove ? null : "coordinator";
  return null;
}

/** Farther apart than this, or in another category, a merge is confirmed first: a typo must not join two real threats. */
export const MERGE_CONFIRM_DISTANCE_M = DUPLICATE_RADIUS_M * 2;

export type MergeOutcome =
  | { ok: true; original: string; eventId: number }
  | { ok: false; reason: "forbidden" | "stale" | "unknown_original" }
  | { ok: false; reason: "confirm"; original: string; distanceM: number; sameCategory: boolean; originalCategory: string };

/**
 * Merges a duplicate into the original (`originalRef` already read by readReference): its followers move
 * there, it leaves the queue. Far-apart reports or another category need `confirmed`.
 */
export async function mergeInto(
  db: Db,
  input: { reportId: number; originalRef: string; actor: StaffActor; now: Date; confirmed?: boolean },
): Promise<MergeOutcome> {
  if (!isCoordinator(input.actor)) return { ok: false, reason: "forbidden" };
  return writeTransaction(db, async (tx): Promise<MergeOutcome> => {
    const report = await tx.report.findUnique({ where: { id: input.reportId } });
    const original = await tx.report.findUnique({ where: { ref: input.originalRef } });
    if (!report || report.mergedIntoId !== null || report.status !== "new") return { ok: false, reason: "stale" };
    if (!original || original.id === report.id || original.mergedIntoId !== null) return { ok: false, reason: "unknown_original" };
    const distance = haversineM(report.lon, report.lat, original.lon, original.lat);
    const sameCategory = report.categoryCode === original.categoryCode;
    if (!input.confirmed && (distance > MERGE_CONFIRM_DISTANCE_M || !sameCategory)) {
      return { ok: false, reason: "confirm", original: original.ref, distanceM: distance, sameCategory, originalCategory: original.categoryCode };
    }
    const followers = await tx.reportFollower.findMany({ where: { reportId: report.id } });
    for (const f of followers) {
      await tx.reportFollower.upsert({
        where: { reportId_userId: { reportId: original.id, userId: f.userId } },
        create: { reportId: original.id, userId: f.userId, kind: "confirmation", createdAt: input.now },
        update: {},
      });
    }
    await tx.report.update({ where: { id: report.id }, data: { mergedIntoId: original.id, firstReviewedAt: input.now } });
    const event = await tx.reportEvent.create({
      data: {
        reportId: report.id,
        kind: "merge",
        actorId: input.actor.userId,
        actorRole: "coordinator",
        fromStatus: report.status,
        toStatus: report.status,
        note: original.ref,
        createdAt: input.now,
      },
    });
    // The original's card shows one more confirmation.
    await tx.reportEvent.create({
      data: {
        reportId: original.id,
        kind: "merged_in",
        actorId: input.actor.userId,
        actorRole: "coordinator",
        fromStatus: original.status,
        toStatus: original.status,
        note: report.ref,
        createdAt: input.now,
      },
    });
    return { ok: true, original: original.ref, eventId: event.id };
  });
}

export async function changeCategory(db: Db, input: { reportId: number; categoryCode: string; actor: StaffActor; now: Date }) {
  if (!isCoordinator(input.actor) || !findCategory(input.categoryCode)) return false;
  return writeTransaction(db, async (tx) => {
    const report = await tx.report.findUnique({ where: { id: input.reportId } });
    if (!report || report.categoryCode === input.categoryCode) return false;
    await tx.report.update({ where: { id: report.id }, data: { categoryCode: input.categoryCode } });
    await tx.reportEvent.create({
      data: {
        reportId: report.id,
        kind: "category",
        actorId: input.actor.userId,
        actorRole: "coordinator",
        fromStatus: report.status,
        toStatus: report.status,
        note: `${report.categoryCode} → ${input.categoryCode}`,
        createdAt: input.now,
      },
    });
    return true;
  });
}

export async function changeDistrict(db: Db, input: { reportId: number; districtId: number; actor: StaffActor; now: Date }) {
  if (!isCoordinator(input.actor)) return { ok: false as const, reason: "forbidden" as const };
  return writeTransaction(db, async (tx) => {
    const report = await tx.report.findUnique({ where: { id: input.reportId } });
    const district = await tx.district.findUnique({ where: { id: input.districtId } });
    if (!report) return { ok: false as const, reason: "not_found" as const };
    if (!district) return { ok: false as const, reason: "unknown_district" as const };
    if (report.districtId === district.id) return { ok: true as const, district: district.number, eventId: null };
    // An open report goes to the new district's officer (the notifier sends it to them if they are linked).
    const open = report.status === "verification" || report.status === "confirmed" || report.status === "confirmed_referred";
    await tx.report.update({ where: { id: report.id }, data: { districtId: district.id, ...(open ? { assignedOfficerId: district.officerId } : {}) } });
    const event = await tx.reportEvent.create({
      data: {
        reportId: report.id,
        kind: "district",
        actorId: input.actor.userId,
        actorRole: "coordinator",
        fromStatus: report.status,
        toStatus: report.status,
        note: district.number,
        createdAt: input.now,
      },
    });
    if (open && district.officerId !== null) {
      await tx.reportEvent.create({
        data: {
          reportId: report.id,
          kind: "assigned",
          actorId: null,
          actorRole: "system",
          fromStatus: report.status,
          toStatus: report.status,
          createdAt: input.now,
        },
      });
    }
    return { ok: true as const, district: district.number, eventId: event.id };
  });
}
