import type { Db } from "../db/client.js";
import type { Prisma } from "../generated/prisma/client.js";
import { cancel as cancelDeliveries, enqueue, type OutgoingMessage } from "../delivery/outbox.js";
import type { MeetingInput } from "../domain/meetings/types.js";

export type MeetingRow = NonNullable<Awaited<ReturnType<typeof getMeeting>>>;

export function getMeeting(db: Db, id: number) {
  return db.meeting.findUnique({ where: { id }, include: { areas: { include: { district: { select: { id: true, number: true, name: true } } } }, _count: { select: { rsvps: true, questions: true } } } });
}

export async function createMeeting(db: Db | Prisma.TransactionClient, input: MeetingInput, createdById: number | null, now: Date): Promise<number> {
  const districts = input.cityWide ? [] : await db.district.findMany({ where: { number: { in: input.districtNumbers } }, select: { id: true } });
  const meeting = await db.meeting.create({
    data: {
      title: input.title,
      organiser: input.organiser,
      startsAt: input.startsAt,
      endsAt: input.endsAt,
      venueName: input.venueName,
      venueAddress: input.venueAddress,
      lat: input.lat ?? null,
      lon: input.lon ?? null,
      cityWide: input.cityWide,
      description: input.description,
      agenda: input.agenda ?? null,
      createdById,
      createdAt: now,
      areas: { create: districts.map((d) => ({ districtId: d.id })) },
    },
  });
  return meeting.id;
}

/** Subscribers a meeting reaches: "everything", plus the meeting's districts (or every district when city-wide). */
export async function audienceOf(db: Db, meeting: { id: number; cityWide: boolean }) {
  const areaIds = meeting.cityWide ? null : (await db.meetingArea.findMany({ where: { meetingId: meeting.id }, select: { districtId: true } })).map((a) => a.districtId);
  const subs = await db.subscription.findMany({
    where: areaIds === null ? {} : { OR: [{ scope: "all" }, { districtId: { in: areaIds } }] },
    select: { userId: true },
    distinct: ["userId"],
  });
  return db.user.findMany({ where: { id: { in: subs.map((s) => s.userId) }, blocked: false }, select: { id: true, telegramId: true, language: true, languageCode: true } });
}

/**
 * Publishes a draft: the status changes and one outbox row per subscriber is written, in that order,
 * each unique per meeting and resident. Publishing twice queues nobody twice.
 */
export async function publishMeeting(
  db: Db,
  input: { meetingId: number; now: Date; render: (user: { id: number; language: string | null; languageCode: string | null }) => OutgoingMessage["message"] },
): Promise<{ queued: number; audience: number } | null> {
  const changed = await db.meeting.updateMany({ where: { id: input.meetingId, status: { in: ["draft", "published"] } }, data: { status: "published", publishedAt: input.now } });
  if (changed.count !== 1) return null;
  const meeting = await db.meeting.findUniqueOrThrow({ where: { id: input.meetingId } });
  const audience = await audienceOf(db, meeting);
  const queued = await enqueue(
    db,
    audience.map((u) => ({
      dedupeKey: `meeting:${meeting.id}:announce:user:${u.id}`,
      batchKey: `meeting:${meeting.id}:announce`,
      chatId: u.telegramId,
      userId: u.id,
      kind: "meeting_announcement",
      message: input.render(u),
    })),
    { now: input.now },
  );
  return { queued, audience: audience.length };
}

/** Cancels a meeting: what is still queued for it stops, and those it reached (or who said "Będę") are told. */
export async function cancelMeeting(
  db: Db,
  input: { meetingId: number; now: Date; render: (user: { id: number; language: string | null; languageCode: string | null }) => OutgoingMessage["message"] },
): Promise<number | null> {
  const changed = await db.meeting.updateMany({ where: { id: input.meetingId, status: { in: ["draft", "published"] } }, data: { status: "cancelled", cancelledAt: input.now } });
  if (changed.count !== 1) return null;
  await cancelDeliveries(db, { batchKey: `meeting:${input.meetingId}:announce` });
  const users = await reachedBy(db, input.meetingId);
  return enqueue(
    db,
    users.map((u) => ({ dedupeKey: `meeting:${input.meetingId}:cancelled:user:${u.id}`, chatId: u.telegramId, userId: u.id, kind: "meeting_cancelled", message: input.render(u) })),
    { now: input.now },
  );
}

/** Those a meeting's announcement reached, and those who said "Będę": who must hear of a change. */
async function reachedBy(db: Db, meetingId: number) {
  const reached = await db.delivery.findMany({ where: { batchKey: `meeting:${meetingId}:announce`, status: "sent" }, select: { userId: true } });
  const rsvps = await db.meetingRsvp.findMany({ where: { meetingId }, select: { userId: true } });
  const ids = [...new Set([...reached, ...rsvps].map((r) => r.userId).filter((id): id is number => id !== null))];
  return db.user.findMany({ where: { id: { in: ids }, blocked: false }, select: { id: true, telegramId: true, language: true, languageCode: true } });
}

export const EDITABLE_FIELDS = ["title", "when", "venueName", "venueAddress", "description", "agenda"] as const;
export type EditableField = (typeof EDITABLE_FIELDS)[number];

/**
 * Changes one field of a published meeting and tells everyone it reached (and those coming), with the
 * announcement as it now reads. Announcements still queued go out with the old text: the notice follows.
 */
export async function editMeeting(
  db: Db,
  input: {
    meetingId: number;
    data: Partial<{ title: string; startsAt: Date; endsAt: Date; venueName: string; venueAddress: string; description: string; agenda: string | null }>;
    now: Date;
    render: (user: { id: number; language: string | null; languageCode: string | null }, meeting: { id: number; title: string }) => OutgoingMessage["message"];
  },
): Promise<number | null> {
  const changed = await db.meeting.updateMany({ where: { id: input.meetingId, status: "published" }, data: input.data });
  if (changed.count !== 1) return null;
  const meeting = await db.meeting.findUniqueOrThrow({ where: { id: input.meetingId } });
  const users = await reachedBy(db, meeting.id);
  return enqueue(
    db,
    users.map((u) => ({ dedupeKey: `meeting:${meeting.id}:update:${input.now.getTime()}:user:${u.id}`, chatId: u.telegramId, userId: u.id, kind: "meeting_update", message: input.render(u, meeting) })),
    { now: input.now },
  );
}

/** Upcoming published meetings a resident should see: city-wide ones and those of their districts. */
export async function upcomingFor(db: Db, districtIds: number[], now: Date) {
  return db.meeting.findMany({
    where: { status: "published", endsAt: { gt: now }, OR: [{ cityWide: true }, { areas: { some: { districtId: { in: districtIds } } } }] },
    orderBy: { startsAt: "asc" },
    take: 10,
    include: { _count: { select: { rsvps: true } } },
  });
}

export async function toggleRsvp(db: Db, meetingId: number, userId: number, now: Date): Promise<{ going: boolean; count: number }> {
  const existing = await db.meetingRsvp.findUnique({ where: { meetingId_userId: { meetingId, userId } } });
  if (existing) await db.meetingRsvp.delete({ where: { meetingId_userId: { meetingId, userId } } });
  else await db.meetingRsvp.create({ data: { meetingId, userId, createdAt: now } });
  return { going: !existing, count: await db.meetingRsvp.count({ where: { meetingId } }) };
}

export async function subscribe(db: Db, userId: number, districtId: number | null, now: Date): Promise<boolean> {
  const scope = districtId === null ? "all" : `district:${districtId}`;
  const existing = await db.subscription.findUnique({ where: { userId_scope: { userId, scope } } });
  if (existing) return false;
  await db.subscription.create({ data: { userId, scope, districtId, createdAt: now } });
  return true;
}

/** Removes subscriptions (one scope, or all) and stops announcements still queued for this resident. */
export async function unsubscribe(db: Db, userId: number, scope: string | null): Promise<number> {
  const removed = await db.subscription.deleteMany({ where: { userId, ...(scope ? { scope } : {}) } });
  const left = await db.subscription.count({ where: { userId } });
  if (left === 0) await cancelDeliveries(db, { userId, kind: "meeting_announcement" });
  return removed.count;
}

export function subscriptionsOf(db: Db, userId: number) {
  return db.subscription.findMany({ where: { userId }, orderBy: { id: "asc" } });
}
