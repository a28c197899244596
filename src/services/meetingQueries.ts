// What the meetings' screens read: a meeting with its districts and "Będę" count, the lists of upcoming
// meetings, a resident's RSVPs, subscriptions and area. The changes (and the messages they queue) are in meetings.ts.
import type { Selectable } from "kysely";
import type { Database, Queryable } from "../db/connection.js";
import { PUBLISHED } from "../domain/meetings/types.js";
import type { Meeting } from "../generated/kysely/types.js";

/** A meeting as stored. */
export type MeetingRecord = Selectable<Meeting>;

/** A meeting with what its card shows: its districts ("12 Złote Łany") and how many said "Będę". */
export type MeetingDetails = MeetingRecord & { areaIds: number[]; areaNames: string[]; rsvpCount: number };

/** The details of these meetings (two queries, whatever their number), in their order. */
export async function detailsOf(db: Queryable, meetings: MeetingRecord[]): Promise<MeetingDetails[]> {
  if (!meetings.length) return [];
  const ids = meetings.map((m) => m.id);
  const [areas, rsvps] = await Promise.all([
    db
      .selectFrom("MeetingArea")
      .innerJoin("District", "District.id", "MeetingArea.districtId")
      .select(["MeetingArea.meetingId", "MeetingArea.districtId", "District.number", "District.name"])
      .where("MeetingArea.meetingId", "in", ids)
      .orderBy("MeetingArea.meetingId")
      .orderBy("MeetingArea.districtId")
      .execute(),
    db
      .selectFrom("MeetingRsvp")
      .select((eb) => ["meetingId", eb.fn.countAll().as("n")])
      .where("meetingId", "in", ids)
      .groupBy("meetingId")
      .execute(),
  ]);
  const rsvpCount = new Map(rsvps.map((r) => [r.meetingId, Number(r.n)]));
  return meetings.map((m) => {
    const own = areas.filter((a) => a.meetingId === m.id);
    return { ...m, areaIds: own.map((a) => a.districtId), areaNames: own.map((a) => `${a.number} ${a.name}`), rsvpCount: rsvpCount.get(m.id) ?? 0 };
  });
}

export async function getMeeting(db: Queryable, id: number): Promise<MeetingDetails | undefined> {
  const meeting = await db.selectFrom("Meeting").selectAll().where("id", "=", id).executeTakeFirst();
  return meeting ? (await detailsOf(db, [meeting]))[0] : undefined;
}

const LIST_LIMIT = 20;

/** Every upcoming published meeting: what coordinators and admins may manage. */
export async function upcomingForStaff(db: Database, now: Date): Promise<MeetingDetails[]> {
  const meetings = await db
    .selectFrom("Meeting")
    .selectAll()
    .where("status", "=", PUBLISHED)
    .where("endsAt", ">", now)
    .orderBy("startsAt")
    .limit(LIST_LIMIT)
    .execute();
  return detailsOf(db, meetings);
}

/**
 * Upcoming published meetings a resident should see: city-wide ones, those of their districts, and every
 * one they were invited to (the announcement reached them) or said "Będę" to.
 */
export async function upcomingFor(db: Database, input: { userId: number | null; districtIds: number[]; now: Date }): Promise<MeetingDetails[]> {
  const rows = await db
    .selectFrom("Meeting")
    .selectAll()
    .where("status", "=", PUBLISHED)
    .where("endsAt", ">", input.now)
    .orderBy("startsAt")
    .limit(200)
    .execute();
  const upcoming = await detailsOf(db, rows);
  const mine = new Set(input.districtIds);
  const invited = new Set<number>();
  if (input.userId !== null && upcoming.length) {
    const [sent, going] = await Promise.all([
      db
        .selectFrom("Delivery")
        .select("batchKey")
        .where(
          "batchKey",
          "in",
          upcoming.map((m) => `meeting:${m.id}:announce`),
        )
        .where("userId", "=", input.userId)
        .where("status", "=", "sent")
        .execute(),
      goingTo(
        db,
        input.userId,
        upcoming.map((m) => m.id),
      ),
    ]);
    for (const d of sent) invited.add(Number(/^meeting:(\d+):/.exec(d.batchKey ?? "")?.[1]));
    for (const id of going) invited.add(id);
  }
  return upcoming.filter((m) => m.cityWide || invited.has(m.id) || m.areaIds.some((id) => mine.has(id))).slice(0, LIST_LIMIT);
}

/** The meetings (of these) this resident said "Będę" to. */
export async function goingTo(db: Database, userId: number, meetingIds: number[]): Promise<Set<number>> {
  if (!meetingIds.length) return new Set();
  const rows = await db.selectFrom("MeetingRsvp").select("meetingId").where("userId", "=", userId).where("meetingId", "in", meetingIds).execute();
  return new Set(rows.map((r) => r.meetingId));
}

export function subscriptionsOf(db: Database, userId: number) {
  return db.selectFrom("Subscription").selectAll().where("userId", "=", userId).orderBy("id").execute();
}

/** Where a resident's meetings are: the saved address's point (if any) and the districts they subscribed to. */
export async function residentAreaOf(db: Database, userId: number): Promise<{ savedPoint: { lat: number; lon: number } | null; districtIds: number[] }> {
  const [user, subs] = await Promise.all([
    db.selectFrom("User").select(["savedLat", "savedLon"]).where("id", "=", userId).executeTakeFirst(),
    subscriptionsOf(db, userId),
  ]);
  return {
    savedPoint: user?.savedLat != null && user.savedLon != null ? { lat: user.savedLat, lon: user.savedLon } : null,
    districtIds: subs.map((s) => s.districtId).filter((id): id is number => id !== null),
  };
}
