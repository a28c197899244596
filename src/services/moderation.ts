import type { Database, Queryable, Tx } from "../db/connection.js";
import { findCategory } from "../domain/reports/categories.js";
import { ACCEPTED_OPEN_STATUSES, canTransition, isStatus, type Actor, type Status } from "../domain/reports/status.js";
import { haversineM } from "../domain/geo/measure.js";
import { DUPLICATE_RADIUS_M } from "../domain/reports/limits.js";

/** What the services that store report events need: the database, and the notifier that turns the events into outbox rows. */
export interface ReportEventDeps {
  db: Database;
  notifier: { flush(): Promise<void> };
}

/** Who is acting, as the database says now (never as the chat or the button says). */
export interface StaffActor {
  userId: number;
  role: string;
  /** The officer this account is linked to, if any. */
  officerId: number | null;
}

/** Runs on the database or inside a transaction. */
export async function loadActor(db: Queryable, telegramId: number): Promise<StaffActor | null> {
  const user = await db
    .selectFrom("User")
    .leftJoin("Officer", "Officer.userId", "User.id")
    .select(["User.id as userId", "User.role", "Officer.id as officerId"])
    .where("User.telegramId", "=", telegramId)
    .executeTakeFirst();
  return user ? { userId: user.userId, role: user.role, officerId: user.officerId } : null;
}

export const isCoordinator = (a: StaffActor | null) => a?.role === "coordinator" || a?.role === "admin";
/** The report's assigned officer acting through their linked account, or an admin (who may act for anyone). */
export const isAssignedOfficer = (a: StaffActor, report: { assignedOfficerId: number | null }) =>
  a.role === "admin" || (a.officerId !== null && a.officerId === report.assignedOfficerId);
export const isStaff = (a: StaffActor | null) => isCoordinator(a) || (a?.role === "officer" && a.officerId !== null);

/** What a button on a report's card or the officer's copy is checked against before anything is asked or changed. */
export interface ReportForAction {
  id: number;
  ref: string;
  status: string;
  mergedIntoId: number | null;
  assignedOfficerId: number | null;
  contactConsent: boolean;
}

export function reportForAction(db: Database, reportId: number): Promise<ReportForAction | undefined> {
  return db
    .selectFrom("Report")
    .select(["id", "ref", "status", "mergedIntoId", "assignedOfficerId", "contactConsent"])
    .where("id", "=", reportId)
    .executeTakeFirst();
}

export type TransitionOutcome =
  { ok: true; from: Status; to: Status; eventId: number } | { ok: false; reason: "not_found" | "forbidden" | "illegal" | "stale"; current?: Status };

/**
 * The one way a report's status changes. The role is checked against the table of transitions, an officer
 * only acts on reports assigned to them, and the change is conditional on the status the actor saw: of two
 * simultaneous actions exactly one wins, the other learns the current status. The event is stored in the
 * same transaction; messages follow from the event (the notifier, after the commit), never before it.
 */
export async function transition(
  deps: ReportEventDeps,
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
  const outcome = await deps.db.transaction().execute(async (tx): Promise<TransitionOutcome> => {
    const report = await tx
      .selectFrom("Report")
      .leftJoin("District", "District.id", "Report.districtId")
      .select(["Report.id", "Report.status", "Report.assignedOfficerId", "District.officerId as districtOfficerId"])
      .where("Report.id", "=", input.reportId)
      .executeTakeFirst();
    if (!report || !isStatus(report.status)) return { ok: false, reason: "not_found" };
    const from = report.status;
    if (from !== input.expected) return { ok: false, reason: "stale", current: from };
    const actorKind = actorFor(input.actor, report.assignedOfficerId, input.to, from);
    if (!actorKind) return { ok: false, reason: "forbidden", current: from };
    if (!canTransition(from, input.to, actorKind)) return { ok: false, reason: "illegal", current: from };

    const changed = await tx
      .updateTable("Report")
      .set({
        status: input.to,
        statusChangedAt: input.now,
        updatedAt: input.now,
        ...(from === "new" ? { firstReviewedAt: input.now } : {}),
        ...(from === "verification" ? { verifiedAt: input.now } : {}),
        ...(input.to === "verification" ? { assignedOfficerId: report.districtOfficerId ?? null } : {}),
        ...(input.publicNote ? { lastPublicNote: input.publicNote } : {}),
        ...(input.referredTo ? { referredTo: input.referredTo } : {}),
      })
      .where("id", "=", report.id)
      .where("status", "=", from)
      .executeTakeFirst();
    if (Number(changed.numUpdatedRows) !== 1) return { ok: false, reason: "stale", current: from };
    const event = await tx
      .insertInto("ReportEvent")
      .values({
        reportId: report.id,
        kind: "status",
        actorId: input.actor.userId,
        actorRole: actorKind,
        fromStatus: from,
        toStatus: input.to,
        note: input.note ?? null,
        publicNote: input.publicNote ?? null,
        createdAt: input.now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return { ok: true, from, to: input.to, eventId: event.id };
  });
  if (outcome.ok) await deps.notifier.flush();
  return outcome;
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

/** A coordinator's event on a report that keeps its status (merge, category, district…). */
function staffEvent(tx: Tx, e: { reportId: number; kind: string; actorId: number | null; actorRole: string; status: string; note?: string | null; now: Date }) {
  return tx
    .insertInto("ReportEvent")
    .values({
      reportId: e.reportId,
      kind: e.kind,
      actorId: e.actorId,
      actorRole: e.actorRole,
      fromStatus: e.status,
      toStatus: e.status,
      note: e.note ?? null,
      createdAt: e.now,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
}

const REPORT_FOR_MERGE = ["id", "ref", "status", "lat", "lon", "categoryCode", "mergedIntoId"] as const;

/**
 * Merges a duplicate into the original (`originalRef` already read by readReference): its followers move
 * there, it leaves the queue. Far-apart reports or another category need `confirmed`.
 */
export async function mergeInto(
  deps: ReportEventDeps,
  input: { reportId: number; originalRef: string; actor: StaffActor; now: Date; confirmed?: boolean },
): Promise<MergeOutcome> {
  if (!isCoordinator(input.actor)) return { ok: false, reason: "forbidden" };
  const outcome = await deps.db.transaction().execute(async (tx): Promise<MergeOutcome> => {
    const report = await tx.selectFrom("Report").select(REPORT_FOR_MERGE).where("id", "=", input.reportId).executeTakeFirst();
    const original = await tx.selectFrom("Report").select(REPORT_FOR_MERGE).where("ref", "=", input.originalRef).executeTakeFirst();
    if (!report || report.mergedIntoId !== null || report.status !== "new") return { ok: false, reason: "stale" };
    if (!original || original.id === report.id || original.mergedIntoId !== null) return { ok: false, reason: "unknown_original" };
    const distance = haversineM(report.lon, report.lat, original.lon, original.lat);
    const sameCategory = report.categoryCode === original.categoryCode;
    if (!input.confirmed && (distance > MERGE_CONFIRM_DISTANCE_M || !sameCategory)) {
      return { ok: false, reason: "confirm", original: original.ref, distanceM: distance, sameCategory, originalCategory: original.categoryCode };
    }
    const followers = await tx.selectFrom("ReportFollower").select("userId").where("reportId", "=", report.id).execute();
    if (followers.length) {
      // Those who already follow the original keep following it as they did.
      await tx
        .insertInto("ReportFollower")
        .values(followers.map((f) => ({ reportId: original.id, userId: f.userId, kind: "confirmation", createdAt: input.now })))
        .onConflict((oc) => oc.columns(["reportId", "userId"]).doNothing())
        .execute();
    }
    await tx.updateTable("Report").set({ mergedIntoId: original.id, firstReviewedAt: input.now, updatedAt: input.now }).where("id", "=", report.id).execute();
    const actor = { actorId: input.actor.userId, actorRole: "coordinator", now: input.now };
    const event = await staffEvent(tx, { ...actor, reportId: report.id, kind: "merge", status: report.status, note: original.ref });
    // The original's card shows one more confirmation.
    await staffEvent(tx, { ...actor, reportId: original.id, kind: "merged_in", status: original.status, note: report.ref });
    return { ok: true, original: original.ref, eventId: event.id };
  });
  if (outcome.ok) await deps.notifier.flush();
  return outcome;
}

export async function changeCategory(deps: ReportEventDeps, input: { reportId: number; categoryCode: string; actor: StaffActor; now: Date }): Promise<boolean> {
  if (!isCoordinator(input.actor) || !findCategory(input.categoryCode)) return false;
  const changed = await deps.db.transaction().execute(async (tx) => {
    const report = await tx.selectFrom("Report").select(["id", "status", "categoryCode"]).where("id", "=", input.reportId).executeTakeFirst();
    if (!report || report.categoryCode === input.categoryCode) return false;
    await tx.updateTable("Report").set({ categoryCode: input.categoryCode, updatedAt: input.now }).where("id", "=", report.id).execute();
    await staffEvent(tx, {
      reportId: report.id,
      kind: "category",
      actorId: input.actor.userId,
      actorRole: "coordinator",
      status: report.status,
      note: `${report.categoryCode} → ${input.categoryCode}`,
      now: input.now,
    });
    return true;
  });
  if (changed) await deps.notifier.flush();
  return changed;
}

export type DistrictChange = { ok: true; district: string; eventId: number | null } | { ok: false; reason: "forbidden" | "not_found" | "unknown_district" };

export async function changeDistrict(
  deps: ReportEventDeps,
  input: { reportId: number; districtId: number; actor: StaffActor; now: Date },
): Promise<DistrictChange> {
  if (!isCoordinator(input.actor)) return { ok: false, reason: "forbidden" };
  const outcome = await deps.db.transaction().execute(async (tx): Promise<DistrictChange> => {
    const report = await tx.selectFrom("Report").select(["id", "status", "districtId"]).where("id", "=", input.reportId).executeTakeFirst();
    const district = await tx.selectFrom("District").select(["id", "number", "officerId"]).where("id", "=", input.districtId).executeTakeFirst();
    if (!report) return { ok: false, reason: "not_found" };
    if (!district) return { ok: false, reason: "unknown_district" };
    if (report.districtId === district.id) return { ok: true, district: district.number, eventId: null };
    // An open report goes to the new district's officer (the notifier sends it to them if they are linked).
    const open = ACCEPTED_OPEN_STATUSES.includes(report.status as Status);
    await tx
      .updateTable("Report")
      .set({ districtId: district.id, updatedAt: input.now, ...(open ? { assignedOfficerId: district.officerId } : {}) })
      .where("id", "=", report.id)
      .execute();
    const event = await staffEvent(tx, {
      reportId: report.id,
      kind: "district",
      actorId: input.actor.userId,
      actorRole: "coordinator",
      status: report.status,
      note: district.number,
      now: input.now,
    });
    if (open && district.officerId !== null) {
      await staffEvent(tx, { reportId: report.id, kind: "assigned", actorId: null, actorRole: "system", status: report.status, now: input.now });
    }
    return { ok: true, district: district.number, eventId: event.id };
  });
  if (outcome.ok && outcome.eventId !== null) await deps.notifier.flush();
  return outcome;
}
