import type { Database, Queryable } from "../db/connection.js";
import { enqueue, type OutgoingMessage } from "../delivery/outbox.js";
import { isValidChoice, OTHER_OPTION, tally, type ConsultationOption, type Tally } from "../domain/consultations/consultation.js";
import type { OutboxDeps } from "./meetings.js";
import { TOMBSTONE_TELEGRAM_ID } from "./privacy.js";

/** Consultations closed per scheduler run: the rest follow at the next tick. */
const CLOSE_BATCH = 10;

export interface Consultation {
  id: number;
  districtId: number;
  question: string;
  options: ConsultationOption[];
  status: "open" | "closed";
  closesAt: Date;
  createdById: number | null;
}

/** Who a message goes to, in their language. */
export interface Recipient {
  userId: number;
  telegramId: number;
  language: string | null;
  languageCode: string | null;
}

type Row = { id: number; districtId: number; question: string; options: string; status: string; closesAt: Date; createdById: number | null };
const COLUMNS = ["id", "districtId", "question", "options", "status", "closesAt", "createdById"] as const;

function fromRow(r: Row): Consultation {
  return { ...r, options: JSON.parse(r.options) as ConsultationOption[], status: r.status === "open" ? "open" : "closed" };
}

export async function consultationById(db: Queryable, id: number): Promise<Consultation | null> {
  const row = await db.selectFrom("Consultation").select(COLUMNS).where("id", "=", id).executeTakeFirst();
  return row ? fromRow(row) : null;
}

/** The district's open consultation, if any (one at a time per district). */
export async function openConsultationOf(db: Queryable, districtId: number): Promise<Consultation | null> {
  const row = await db.selectFrom("Consultation").select(COLUMNS).where("districtId", "=", districtId).where("status", "=", "open").executeTakeFirst();
  return row ? fromRow(row) : null;
}

/** The district's latest closed consultation: its result feeds /plan. */
export async function lastClosedConsultationOf(db: Queryable, districtId: number): Promise<Consultation | null> {
  const row = await db
    .selectFrom("Consultation")
    .select(COLUMNS)
    .where("districtId", "=", districtId)
    .where("status", "=", "closed")
    .orderBy("closedAt", "desc")
    .orderBy("id", "desc")
    .executeTakeFirst();
  return row ? fromRow(row) : null;
}

/** Reports per category in the district since `since` (merged duplicates not counted twice): the suggested options. */
export async function categoryCounts(db: Database, districtId: number, since: Date): Promise<{ categoryCode: string; count: number }[]> {
  const rows = await db
    .selectFrom("Report")
    .select(["categoryCode", (eb) => eb.fn.countAll<number | string | bigint>().as("count")])
    .where("districtId", "=", districtId)
    .where("createdAt", ">=", since)
    .where("mergedIntoId", "is", null)
    .groupBy("categoryCode")
    .execute();
  return rows.map((r) => ({ categoryCode: r.categoryCode, count: Number(r.count) }));
}

/**
 * Who is asked: the district's subscribers and the residents whose saved address lies in it (`inDistrict` decides,
 * from the district's polygon), never someone who opted out of consultations, blocked the bot, was banned or deleted
 * their data.
 */
async function audience(tx: Queryable, districtId: number, inDistrict: (lat: number, lon: number) => boolean): Promise<Recipient[]> {
  const base = tx
    .selectFrom("User")
    .select(["User.id as userId", "User.telegramId", "User.language", "User.languageCode"])
    .where("User.blocked", "=", false)
    .where("User.banned", "=", false)
    .where("User.consultOff", "=", false)
    .where("User.telegramId", "<>", TOMBSTONE_TELEGRAM_ID);
  const subscribers = await base
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom("Subscription")
          .select("Subscription.id")
          .whereRef("Subscription.userId", "=", "User.id")
          .where("Subscription.districtId", "=", districtId),
      ),
    )
    .execute();
  const saved = await base.select(["User.savedLat", "User.savedLon"]).where("User.savedLat", "is not", null).where("User.savedLon", "is not", null).execute();
  const byId = new Map<number, Recipient>();
  for (const r of subscribers) byId.set(r.userId, { ...r, telegramId: Number(r.telegramId) });
  for (const r of saved)
    if (!byId.has(r.userId) && inDistrict(r.savedLat!, r.savedLon!))
      byId.set(r.userId, { userId: r.userId, telegramId: Number(r.telegramId), language: r.language, languageCode: r.languageCode });
  return [...byId.values()].sort((a, b) => a.userId - b.userId);
}

/** How many would be asked now: the preview's figure. */
export async function audienceSize(db: Database, districtId: number, inDistrict: (lat: number, lon: number) => boolean): Promise<number> {
  return (await audience(db, districtId, inDistrict)).length;
}

export type StartResult = { kind: "started"; id: number; audience: number } | { kind: "already_open"; id: number };

/**
 * Starts a consultation and queues its ballot to every resident asked, in one transaction (each ballot with its own
 * dedupe key: a crash or a replayed "Rozpocznij" asks nobody twice). One open consultation per district.
 */
export async function startConsultation(
  deps: OutboxDeps,
  input: {
    districtId: number;
    question: string;
    options: ConsultationOption[];
    closesAt: Date;
    createdById: number;
    formKey: string;
    now: Date;
    inDistrict: (lat: number, lon: number) => boolean;
    render: (consultation: Consultation, recipient: Recipient) => OutgoingMessage["message"];
  },
): Promise<StartResult> {
  const { now } = input;
  const result = await deps.db.transaction().execute(async (tx): Promise<StartResult> => {
    const replayed = await tx.selectFrom("Consultation").select("id").where("formKey", "=", input.formKey).executeTakeFirst();
    if (replayed) {
      const queued = await tx
        .selectFrom("Delivery")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("batchKey", "=", askBatch(replayed.id))
        .executeTakeFirst();
      return { kind: "started", id: replayed.id, audience: Number(queued?.n ?? 0) };
    }
    const open = await openConsultationOf(tx, input.districtId);
    if (open) return { kind: "already_open", id: open.id };
    const inserted = await tx
      .insertInto("Consultation")
      .values({
        districtId: input.districtId,
        question: input.question,
        options: JSON.stringify(input.options),
        closesAt: input.closesAt,
        createdById: input.createdById,
        createdAt: now,
        formKey: input.formKey,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const consultation: Consultation = {
      id: inserted.id,
      districtId: input.districtId,
      question: input.question,
      options: input.options,
      status: "open",
      closesAt: input.closesAt,
      createdById: input.createdById,
    };
    const people = await audience(tx, input.districtId, input.inDistrict);
    await enqueue(
      tx,
      people.map((p) => ({
        dedupeKey: `consultation:${consultation.id}:ask:user:${p.userId}`,
        batchKey: askBatch(consultation.id),
        chatId: p.telegramId,
        userId: p.userId,
        kind: "consultation",
        message: input.render(consultation, p),
      })),
      { now },
    );
    return { kind: "started", id: consultation.id, audience: people.length };
  });
  if (result.kind === "started") deps.notifier.wakeOutbox();
  return result;
}

const askBatch = (id: number) => `consultation:${id}:ask`;

/** Where the residents' suggestions and the result go: the district's linked officer, else whoever started it. */
export async function consultationOwner(tx: Queryable, c: Pick<Consultation, "districtId" | "createdById">): Promise<Recipient | null> {
  const officer = await tx
    .selectFrom("District")
    .innerJoin("Officer", "Officer.id", "District.officerId")
    .innerJoin("User", "User.id", "Officer.userId")
    .select(["User.id as userId", "User.telegramId", "User.language", "User.languageCode", "User.blocked"])
    .where("District.id", "=", c.districtId)
    .where("Officer.active", "=", true)
    .executeTakeFirst();
  if (officer && !officer.blocked) return { ...officer, telegramId: Number(officer.telegramId) };
  if (c.createdById === null) return null;
  const creator = await tx
    .selectFrom("User")
    .select(["id as userId", "telegramId", "language", "languageCode", "blocked"])
    .where("id", "=", c.createdById)
    .executeTakeFirst();
  return creator && !creator.blocked && Number(creator.telegramId) !== TOMBSTONE_TELEGRAM_ID ? { ...creator, telegramId: Number(creator.telegramId) } : null;
}

export type VoteResult =
  | { kind: "voted"; consultation: Consultation; option: number; changed: boolean; suggestionQueued: boolean }
  | { kind: "same"; consultation: Consultation; option: number }
  | { kind: "closed"; consultation: Consultation }
  | { kind: "not_found" }
  /** The voter was banned (after their ballot reached them): nothing is stored, nothing reaches the officer. */
  | { kind: "not_allowed" };

/**
 * A resident's vote: one per resident, changed by voting again while the consultation is open; never a banned
 * resident's (the ballot goes to none, but one may have reached them before the ban). A suggestion ("Inne")
 * goes to the officer in the same transaction, without who wrote it. The option and the consultation come from
 * untrusted callback data: both are checked here.
 */
export async function castVote(
  deps: OutboxDeps,
  input: {
    consultationId: number;
    userId: number;
    option: number;
    text?: string;
    now: Date;
    renderSuggestion: (consultation: Consultation, owner: Recipient, text: string) => OutgoingMessage["message"];
  },
): Promise<VoteResult> {
  const { now } = input;
  const result = await deps.db.transaction().execute(async (tx): Promise<VoteResult> => {
    const voter = await tx.selectFrom("User").select("banned").where("id", "=", input.userId).executeTakeFirst();
    if (!voter || voter.banned) return { kind: "not_allowed" };
    const consultation = await consultationById(tx, input.consultationId);
    if (!consultation || !isValidChoice(input.option, consultation.options.length)) return { kind: "not_found" };
    if (consultation.status !== "open" || consultation.closesAt.getTime() <= now.getTime()) return { kind: "closed", consultation };
    const text = input.option === OTHER_OPTION ? (input.text ?? null) : null;
    const previous = await tx
      .selectFrom("ConsultationVote")
      .select(["id", "option", "text"])
      .where("consultationId", "=", consultation.id)
      .where("userId", "=", input.userId)
      .executeTakeFirst();
    if (previous && previous.option === input.option && previous.text === text) return { kind: "same", consultation, option: input.option };
    let voteId: number;
    if (previous) {
      await tx.updateTable("ConsultationVote").set({ option: input.option, text, updatedAt: now }).where("id", "=", previous.id).execute();
      voteId = previous.id;
    } else {
      const row = await tx
        .insertInto("ConsultationVote")
        .values({ consultationId: consultation.id, userId: input.userId, option: input.option, text, createdAt: now, updatedAt: now })
        .returning("id")
        .executeTakeFirstOrThrow();
      voteId = row.id;
    }
    let suggestionQueued = false;
    if (text) {
      const owner = await consultationOwner(tx, consultation);
      if (owner) {
        suggestionQueued =
          (await enqueue(
            tx,
            [
              {
                dedupeKey: `consultation:${consultation.id}:suggestion:${voteId}:${now.getTime()}`,
                chatId: owner.telegramId,
                userId: owner.userId,
                kind: "consultation_suggestion",
                message: input.renderSuggestion(consultation, owner, text),
              },
            ],
            { now },
          )) > 0;
      }
    }
    return { kind: "voted", consultation, option: input.option, changed: previous !== undefined, suggestionQueued };
  });
  if (result.kind === "voted" && result.suggestionQueued) deps.notifier.wakeOutbox();
  return result;
}

/** The resident's current vote, if any. */
export async function voteOf(db: Queryable, consultationId: number, userId: number): Promise<number | null> {
  const row = await db
    .selectFrom("ConsultationVote")
    .select("option")
    .where("consultationId", "=", consultationId)
    .where("userId", "=", userId)
    .executeTakeFirst();
  return row?.option ?? null;
}

export interface ConsultationResult {
  consultation: Consultation;
  tally: Tally;
  /** The "Inne" suggestions, oldest first, without who wrote them. */
  suggestions: string[];
}

export async function consultationResult(db: Queryable, id: number): Promise<ConsultationResult | null> {
  const consultation = await consultationById(db, id);
  if (!consultation) return null;
  const votes = await db.selectFrom("ConsultationVote").select(["option", "text"]).where("consultationId", "=", id).orderBy("id").execute();
  return {
    consultation,
    tally: tally(
      consultation.options.length,
      votes.map((v) => v.option),
    ),
    suggestions: votes.flatMap((v) => (v.option === OTHER_OPTION && v.text ? [v.text] : [])),
  };
}

/**
 * For the digest: each district's consultation that is open, or closed since `since`, with its result so far
 * (the latest per district; null districts: every district).
 */
export async function recentConsultations(db: Database, districtIds: number[] | null, since: Date): Promise<ConsultationResult[]> {
  let q = db
    .selectFrom("Consultation")
    .select("id")
    .where((eb) => eb.or([eb("status", "=", "open"), eb("closedAt", ">=", since)]))
    .orderBy("districtId")
    .orderBy("id", "desc");
  if (districtIds) q = q.where("districtId", "in", districtIds.length ? districtIds : [-1]);
  const seen = new Set<number>();
  const results: ConsultationResult[] = [];
  for (const { id } of await q.execute()) {
    const r = await consultationResult(db, id);
    if (!r || seen.has(r.consultation.districtId)) continue;
    seen.add(r.consultation.districtId);
    results.push(r);
  }
  return results;
}

/** Consultations whose closing time has come. */
export async function dueConsultations(db: Database, now: Date): Promise<number[]> {
  const rows = await db
    .selectFrom("Consultation")
    .select("id")
    .where("status", "=", "open")
    .where("closesAt", "<=", now)
    .orderBy("closesAt")
    .limit(CLOSE_BATCH)
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Closes one consultation and queues its result, in one transaction: to the officer (with the chart and the
 * suggestions) and to every resident who voted. Each message has its own dedupe key; a consultation already closed
 * (by another instance, or before a crash) is left alone. Returns whether this call closed it.
 */
export async function closeConsultation(
  deps: OutboxDeps,
  input: {
    id: number;
    now: Date;
    renderOwner: (result: ConsultationResult, owner: Recipient) => OutgoingMessage["message"][];
    renderParticipant: (result: ConsultationResult, participant: Recipient) => OutgoingMessage["message"];
  },
): Promise<boolean> {
  const { now } = input;
  const closed = await deps.db.transaction().execute(async (tx) => {
    const updated = await tx
      .updateTable("Consultation")
      .set({ status: "closed", closedAt: now })
      .where("id", "=", input.id)
      .where("status", "=", "open")
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return false;
    const result = (await consultationResult(tx, input.id))!;
    const owner = await consultationOwner(tx, result.consultation);
    const participants = await tx
      .selectFrom("ConsultationVote")
      .innerJoin("User", "User.id", "ConsultationVote.userId")
      .select(["User.id as userId", "User.telegramId", "User.language", "User.languageCode"])
      .where("ConsultationVote.consultationId", "=", input.id)
      .where("User.blocked", "=", false)
      .where("User.telegramId", "<>", TOMBSTONE_TELEGRAM_ID)
      .orderBy("User.id")
      .execute();
    const items: OutgoingMessage[] = [];
    if (owner)
      input.renderOwner(result, owner).forEach((message, i) =>
        items.push({
          dedupeKey: `consultation:${input.id}:result:owner:${i}`,
          chatId: owner.telegramId,
          userId: owner.userId,
          kind: "consultation_result",
          message,
        }),
      );
    for (const p of participants) {
      if (p.userId === owner?.userId) continue;
      const recipient = { ...p, telegramId: Number(p.telegramId) };
      items.push({
        dedupeKey: `consultation:${input.id}:result:user:${p.userId}`,
        batchKey: `consultation:${input.id}:result`,
        chatId: recipient.telegramId,
        userId: p.userId,
        kind: "consultation_result",
        message: input.renderParticipant(result, recipient),
      });
    }
    await enqueue(tx, items, { now });
    return true;
  });
  if (closed) deps.notifier.wakeOutbox();
  return closed;
}

/** "Zakończ teraz": the closing time becomes now; the scheduler's close (or the caller) does the rest. */
export async function closeNow(db: Database, id: number, now: Date): Promise<boolean> {
  const r = await db.updateTable("Consultation").set({ closesAt: now }).where("id", "=", id).where("status", "=", "open").executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** "Nie wysyłaj mi konsultacji" and its undoing (/settings). */
export async function setConsultOff(db: Database, userId: number, off: boolean): Promise<void> {
  await db.updateTable("User").set({ consultOff: off }).where("id", "=", userId).execute();
}

export interface DistrictPlan {
  period: string;
  threat: string;
  goal: string;
  actions: string[];
}

/** The district's plan działania priorytetowego, as the officer card and the public map show it. */
export async function setDistrictPlan(db: Database, districtId: number, plan: DistrictPlan): Promise<void> {
  await db
    .updateTable("District")
    .set({ planPeriod: plan.period, planThreat: plan.threat, planGoal: plan.goal, planActions: JSON.stringify(plan.actions) })
    .where("id", "=", districtId)
    .execute();
}
