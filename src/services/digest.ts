import type { Database } from "../db/connection.js";
import { enqueue, type OutgoingMessage } from "../delivery/outbox.js";
import type { OutboxDeps } from "./meetings.js";
import type { DigestFollowUp, DigestReport } from "../domain/digest/digest.js";
import { chartWeeks, digestWeek } from "../domain/digest/weeks.js";
import type { PolygonGeometry } from "../domain/geo/types.js";
import type { FollowUpAnswer } from "../domain/reports/followUp.js";
import { isStatus, type Status } from "../domain/reports/status.js";
import { isDaySet, isTimeOfDay } from "../domain/reports/timing.js";

/** Whose picture: one officer's districts, or the whole area (coordinators). */
export type DigestScope = { kind: "districts"; districtIds: number[] } | { kind: "area" };

export interface DigestData {
  reports: DigestReport[];
  followUps: DigestFollowUp[];
  /** The districts' outlines (GeoJSON, WGS84), for the map. */
  outlines: PolygonGeometry[];
}

const OPEN: Status[] = ["new", "verification"];

/** Lets the event loop take waiting I/O (the bot's updates) before the next piece of a digest. */
export const yieldToUpdates = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * What computeDigest needs for a scope: reports made in the chart's 12 weeks, those still open whatever their age,
 * and those whose verdict fell in the digest's week (a report made earlier and confirmed now counts as confirmed);
 * the follow-up answers of the 12 weeks; the outlines.
 */
export async function digestData(db: Database, scope: DigestScope, now: Date): Promise<DigestData> {
  const since = chartWeeks(now)[0]!.from;
  const week = digestWeek(now);
  const inScope = scope.kind === "districts" ? (scope.districtIds.length ? scope.districtIds : [-1]) : null;
  // Three narrow reads, not one OR: each uses its own index (district and date, open statuses, the verdict's date).
  const reports = () => {
    let q = db
      .selectFrom("Report")
      .select([
        "id",
        "ref",
        "categoryCode",
        "status",
        "createdAt",
        "firstReviewedAt",
        "verifiedAt",
        "lat",
        "lon",
        "address",
        "timesOfDay",
        "days",
        "mergedIntoId",
      ])
      .where("mergedIntoId", "is", null);
    if (inScope) q = q.where("districtId", "in", inScope);
    return q;
  };
  let followUpQuery = db
    .selectFrom("ReportFollowUp")
    .innerJoin("Report", "Report.id", "ReportFollowUp.reportId")
    .select(["ReportFollowUp.reportId", "Report.ref", "ReportFollowUp.answer", "ReportFollowUp.answeredAt"])
    .where("ReportFollowUp.answeredAt", ">=", since)
    .where("ReportFollowUp.answer", "is not", null);
  if (inScope) followUpQuery = followUpQuery.where("Report.districtId", "in", inScope);
  let outlineQuery = db.selectFrom("District").select("geometry").orderBy("id");
  if (inScope) outlineQuery = outlineQuery.where("id", "in", inScope);
  // One after another with the event loop's turn between them: on SQLite each read holds this thread (a district's
  // 12 weeks take a few milliseconds), and the bot's updates go first.
  // A week at a time: a year's national data puts hundreds of rows in a district's 12 weeks.
  const recent = [];
  const weeks = chartWeeks(now);
  for (const [i, w] of weeks.entries()) {
    let q = reports().where("createdAt", ">=", w.from);
    if (i < weeks.length - 1) q = q.where("createdAt", "<", w.to);
    recent.push(...(await q.execute()));
    await yieldToUpdates();
  }
  const open = await reports().where("status", "in", OPEN).where("createdAt", "<", since).execute();
  const verdicts = await reports().where("verifiedAt", ">=", week.from).where("createdAt", "<", since).execute();
  await yieldToUpdates();
  const answers = await followUpQuery.orderBy("ReportFollowUp.id").execute();
  const outlines = await outlineQuery.execute();
  await yieldToUpdates();
  const byId = new Map([...recent, ...open, ...verdicts].map((r) => [r.id, r]));
  const rows = [...byId.values()].sort((a, b) => a.id - b.id);
  return {
    reports: rows
      .filter((r) => isStatus(r.status))
      .map((r) => ({
        ...r,
        status: r.status as Status,
        timesOfDay: r.timesOfDay.split(",").filter(isTimeOfDay),
        days: r.days.split(",").filter(isDaySet),
      })),
    followUps: answers.map((a) => ({ reportId: a.reportId, ref: a.ref, answer: a.answer as FollowUpAnswer, answeredAt: a.answeredAt! })),
    outlines: outlines.map((o) => JSON.parse(o.geometry) as PolygonGeometry),
  };
}

/** The districts an officer's account stands for (none when not linked). */
export async function officerDistricts(db: Database, userId: number): Promise<{ id: number; number: string; name: string }[]> {
  return db
    .selectFrom("District")
    .innerJoin("Officer", "Officer.id", "District.officerId")
    .select(["District.id", "District.number", "District.name"])
    .where("Officer.userId", "=", userId)
    .where("Officer.active", "=", true)
    .orderBy("District.id")
    .execute();
}

/** "/digest off" and "/digest on". */
export async function setDigestOff(db: Database, userId: number, off: boolean): Promise<void> {
  await db.updateTable("User").set({ digestOff: off }).where("id", "=", userId).execute();
}

/** Who gets a weekly digest, and of what: linked officers their districts, coordinators (not linked officers) the area. */
export interface DigestRecipient {
  userId: number;
  telegramId: number;
  language: string | null;
  languageCode: string | null;
  scope: DigestScope;
  districts: { number: string; name: string }[];
}

export async function digestRecipients(db: Database): Promise<DigestRecipient[]> {
  const officers = await db
    .selectFrom("District")
    .innerJoin("Officer", "Officer.id", "District.officerId")
    .innerJoin("User", "User.id", "Officer.userId")
    .select(["User.id as userId", "User.telegramId", "User.language", "User.languageCode", "District.id", "District.number", "District.name"])
    .where("Officer.active", "=", true)
    .where("User.blocked", "=", false)
    .where("User.digestOff", "=", false)
    .orderBy("User.id")
    .orderBy("District.id")
    .execute();
  const byUser = new Map<number, DigestRecipient>();
  for (const o of officers) {
    let r = byUser.get(o.userId);
    if (!r) {
      r = {
        userId: o.userId,
        telegramId: Number(o.telegramId),
        language: o.language,
        languageCode: o.languageCode,
        scope: { kind: "districts", districtIds: [] },
        districts: [],
      };
      byUser.set(o.userId, r);
    }
    (r.scope as { districtIds: number[] }).districtIds.push(o.id);
    r.districts.push({ number: o.number, name: o.name });
  }
  const coordinators = await db
    .selectFrom("User")
    .leftJoin("Officer", "Officer.userId", "User.id")
    .select(["User.id as userId", "User.telegramId", "User.language", "User.languageCode"])
    // Coordinators work the reports; admins (the IT side) ask with /digest when they want one.
    .where("User.role", "=", "coordinator")
    .where("User.blocked", "=", false)
    .where("User.digestOff", "=", false)
    .where("Officer.id", "is", null)
    .orderBy("User.id")
    .execute();
  return [...byUser.values(), ...coordinators.map((c) => ({ ...c, telegramId: Number(c.telegramId), scope: { kind: "area" } as const, districts: [] }))].sort(
    (a, b) => a.userId - b.userId,
  );
}

const SENT_WEEK = "digest.week";

/**
 * The weekly digests of `weekKey` into the outbox: each recipient's messages (built by `build`, which draws the
 * pictures) in one transaction with dedupe keys of the week, one recipient at a time, letting updates in between.
 * A crash or a restart queues nobody twice; the week is recorded once all are queued, so later ticks cost one read.
 */
export async function queueWeeklyDigests(
  deps: OutboxDeps,
  input: { now: Date; weekKey: string; build: (recipient: DigestRecipient) => Promise<OutgoingMessage["message"][]> },
): Promise<number> {
  const { db } = deps;
  const done = await db.selectFrom("Setting").select("value").where("key", "=", SENT_WEEK).executeTakeFirst();
  if (done?.value === input.weekKey) return 0;
  const prefix = `digest:${input.weekKey}:user:`;
  const queued = new Set(
    (await db.selectFrom("Delivery").select("dedupeKey").where("dedupeKey", "like", `${prefix}%`).execute()).map((d) =>
      Number(d.dedupeKey.slice(prefix.length).split(":")[0]),
    ),
  );
  let count = 0;
  for (const recipient of await digestRecipients(db)) {
    if (queued.has(recipient.userId)) continue;
    const messages = await input.build(recipient);
    const rows = messages.map((message, i) => ({
      dedupeKey: `${prefix}${recipient.userId}:${i}`,
      chatId: recipient.telegramId,
      userId: recipient.userId,
      kind: "digest",
      message,
    }));
    await db.transaction().execute((tx) => enqueue(tx, rows, { now: input.now }));
    deps.notifier.wakeOutbox();
    count++;
    await yieldToUpdates();
  }
  await db
    .insertInto("Setting")
    .values({ key: SENT_WEEK, value: input.weekKey })
    .onConflict((oc) => oc.column("key").doUpdateSet({ value: input.weekKey }))
    .execute();
  return count;
}
