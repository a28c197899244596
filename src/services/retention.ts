import type { Database, Queryable } from "../db/connection.js";
import { isFinal, STATUSES } from "../domain/reports/status.js";
import { cardSent, deleteInTransaction, reportsToStrip, silenceEvents, stripReport, TOMBSTONE_TELEGRAM_ID, WORDS_KINDS, type EventFilter } from "./privacy.js";

// Data retention (RETENTION_DAYS, issue 14): what the bot keeps only for a while, removed by a daily job.
//
// "Closed": a report in a final status — Potwierdzone (wyeliminowane), Niepotwierdzone, Żart lub pomyłka, the
// statuses no transition leaves (domain/reports/status.ts) — closed at the time of its last status event, the
// one that moved it there (ReportEvent kind "status", toStatus = its status; the report's updatedAt moves with
// other changes too, so it is only the fallback for a report without that event). A duplicate merged into
// another report keeps its status "Nowe" and leaves the queue: it is closed when the report it went into is,
// so it is stripped once that one has been (by this job) and its own merge is older than the period.
// Potwierdzone and Potwierdzone (przekazane poza Policję) are open: the threat is still there.
//
// What goes, `days` after:
// - a closed report's resident words, as "Usuń moje dane" strips them (privacy.ts stripReport: description,
//   photos, a typed address → district and coordinates, the same words in its outbox copies) and its relayed
//   messages: additions, the officer's questions and the resident's answers keep their event (who, when) but
//   lose note and photo, and their outbox rows go. Category, point, times, status, staff notes stay, and so does
//   its link to a reporter who still uses the bot ("Moje zgłoszenia"). The group's card is edited to match.
//   Done once per report (Report.wordsRemovedAt).
// - accounts not seen (User.lastSeen) for that long, deleted exactly as "Usuń moje dane" deletes them (their
//   reports move to the anonymous tombstone, open ones too). Never the tombstone, and never what the police
//   set up: staff (role officer, coordinator or admin, or an account linked to an officer — deleting it would
//   silently unlink the district's officer), admins listed in ADMIN_TELEGRAM_IDS, banned accounts (the ban
//   would go with them). Those are counted as kept; /unlinkofficer or a role change makes them residents again.
// - outbox rows in a final status (sent, failed, cancelled) created and sent that long ago, except what later
//   logic still reads: the rows of a report not stripped yet (its dedupe keys: report:<id>:…, event:<id>:…)
//   and of a meeting that has not ended that long ago (change notices go to those the announcement reached).
//   The card's message id needed to edit it lives on the report (moderationMessageId), not in the outbox.
// - "handled events": updates are deleted from the inbox once handled, so an InboxUpdate row received that long
//   ago is one no run will handle any more, and goes. Report events are the report's history: their facts stay,
//   their words go with the report's (above).
// - dialogue state untouched that long (ConversationState), geocode cache entries made that long ago (typed
//   searches carry what residents typed; the cache refills from Nominatim), meeting questions and RSVPs of
//   meetings that ended that long ago, officer link codes expired that long ago.
//
// Short transactions (a few reports, one account, a few hundred rows each), and the event loop runs between them,
// so the job never holds the one connection the bot's updates share for long (3,000 closed reports and 2,000
// inactive accounts among 42,000 outbox rows: about 20 s, an update meanwhile waiting 2 ms typically, 20-30 ms at
// worst; most of it is deleting accounts, ~8 ms each). A card is brought up to date right after the commit that
// stripped its report; a stopping app ends the run between two steps. Running it again removes nothing more.

const DAY = 86_400_000;
/** Final statuses: no transition leaves them. */
const CLOSED_STATUSES: readonly string[] = STATUSES.filter(isFinal);
/** The officer ↔ resident relay and the resident's additions: messages whose content is theirs to say. */
const RELAY_KINDS = [...WORDS_KINDS, "relay_question"];
/** Outbox statuses nothing changes any more. */
const FINAL_DELIVERY = ["sent", "failed", "cancelled"];
/** Closed reports stripped per transaction. */
const REPORTS_PER_TX = 10;
/** Rows read or deleted per statement or transaction. */
const ROWS_PER_STEP = 500;
const SETTING_LAST_RUN = "retention.lastRunAt";

export interface RetentionDeps {
  db: Database;
  notifier: { flush(): Promise<void>; recordSent(event: { dedupeKey: string; result?: unknown }, opts?: { notBefore?: Date }): Promise<void> };
  /** A deleted account's cached row (the user directory) and its form are forgotten. */
  forgetUser?: (telegramId: number) => void;
  /** A deleted dialogue state's row is forgotten where a cache keeps it (the report form's, on SQLite). */
  forgetState?: (key: string) => void;
}

export interface RetentionInput {
  now: Date;
  /** RETENTION_DAYS. */
  days: number;
  /** ADMIN_TELEGRAM_IDS: never deleted, whatever their stored role. */
  keepTelegramIds?: readonly bigint[];
  /** Between two edits of the moderators' cards, so a backlog of them never holds up new cards (default 6 s: half of 20 a minute). */
  cardEditGapMs?: number;
  /** The app is stopping: the run ends after the step in hand (the next run goes on from there). */
  signal?: AbortSignal;
}

/** What one run removed, for its log line. */
export interface RetentionCounts {
  /** Closed reports stripped of the residents' words. */
  reports: number;
  /** Their relayed messages and additions blanked. */
  relayedEvents: number;
  accounts: number;
  /** Inactive accounts kept: staff, configured admins, banned. */
  accountsKept: number;
  deliveries: number;
  inbox: number;
  conversations: number;
  geocodeEntries: number;
  meetingQuestions: number;
  meetingRsvps: number;
  /** Consultation votes and meeting ratings untied from their residents (their suggestions and comments deleted). */
  opinions: number;
  linkCodes: number;
  /** Moderators' cards brought up to date (an edit is queued for those that changed since they were sent). */
  cards: number;
  /** The app stopped the run before its end. */
  interrupted?: true;
}

/**
 * Once a day: true (and `now` recorded as the last run, in the same transaction) when no run started in the last
 * 24 h by the app's clock — or the recorded run lies in the future (the clock went back). A restart does not run
 * it again, and two processes never both run it.
 */
export async function claimDailyRun(db: Database, now: Date): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom("Setting").select("value").where("key", "=", SETTING_LAST_RUN).executeTakeFirst();
    const last = row ? Date.parse(row.value) : NaN;
    if (Number.isFinite(last) && last <= now.getTime() && now.getTime() - last < DAY) return false;
    const value = now.toISOString();
    await tx
      .insertInto("Setting")
      .values({ key: SETTING_LAST_RUN, value })
      .onConflict((oc) => oc.column("key").doUpdateSet({ value }))
      .execute();
    return true;
  });
}

/** The daily run, when due (claimDailyRun); null when not. */
export async function applyRetentionIfDue(deps: RetentionDeps, input: RetentionInput): Promise<RetentionCounts | null> {
  if (!(await claimDailyRun(deps.db, input.now))) return null;
  return applyRetention(deps, input);
}

/**
 * Queries on the one connection resolve without leaving the microtask queue, so a job of awaits alone would keep
 * every update (and timer) waiting until its very end: between two transactions the event loop runs.
 */
const letOthersRun = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The app is stopping: the run ends here. */
class Interrupted extends Error {}

/** One run: its clock, what it counts, and the step between two transactions. */
class Run {
  readonly db: Database;
  readonly now: Date;
  readonly cutoff: Date;
  readonly counts: RetentionCounts = {
    reports: 0,
    relayedEvents: 0,
    accounts: 0,
    accountsKept: 0,
    deliveries: 0,
    inbox: 0,
    conversations: 0,
    geocodeEntries: 0,
    meetingQuestions: 0,
    meetingRsvps: 0,
    opinions: 0,
    linkCodes: 0,
    cards: 0,
  };
  private readonly refreshed = new Set<number>();

  constructor(
    readonly deps: RetentionDeps,
    private readonly input: RetentionInput,
  ) {
    this.db = deps.db;
    this.now = input.now;
    this.cutoff = new Date(input.now.getTime() - input.days * DAY);
  }

  /** Between two steps: the event loop runs (see letOthersRun), and a stopping app ends the run here. */
  async pause(): Promise<void> {
    await letOthersRun();
    if (this.input.signal?.aborted) throw new Interrupted();
  }

  /** After the commit that stripped their reports: the group's cards show them as they are now, spaced out. */
  async refreshCards(cards: readonly { reportId: number; messageId: number }[]): Promise<void> {
    const gap = this.input.cardEditGapMs ?? 6_000;
    for (const card of cards) {
      // A closed report of a deleted account is stripped twice: its card is brought up to date once.
      if (this.refreshed.has(card.reportId)) continue;
      this.refreshed.add(card.reportId);
      await this.deps.notifier.recordSent(cardSent(card), { notBefore: new Date(this.now.getTime() + this.counts.cards * gap) });
      this.counts.cards++;
      // Not a place to stop: the reports are stripped, their cards must follow.
      await letOthersRun();
    }
  }
}

/** Removes what is kept longer than `days` (see the top of this file); returns what went. */
export async function applyRetention(deps: RetentionDeps, input: RetentionInput): Promise<RetentionCounts> {
  const run = new Run(deps, input);
  const { db, cutoff, counts } = run;
  try {
    await stripClosedReports(run);
    await deleteInactiveAccounts(run, input.keepTelegramIds ?? []);
    counts.deliveries = await deleteOldDeliveries(run);
    counts.inbox = await deleteInSteps(run, async () => {
      const { numDeletedRows } = await db
        .deleteFrom("InboxUpdate")
        .where("updateId", "in", (eb) => eb.selectFrom("InboxUpdate").select("updateId").where("receivedAt", "<", cutoff).limit(ROWS_PER_STEP))
        .executeTakeFirst();
      return Number(numDeletedRows);
    });
    // Each deleted dialogue row is forgotten by the caches too.
    counts.conversations = await deleteInSteps(run, async () => {
      const rows = await db
        .deleteFrom("ConversationState")
        .where("key", "in", (eb) => eb.selectFrom("ConversationState").select("key").where("updatedAt", "<", cutoff).limit(ROWS_PER_STEP))
        .returning("key")
        .execute();
      for (const { key } of rows) deps.forgetState?.(key);
      return rows.length;
    });
    counts.geocodeEntries = await deleteOldGeocodeEntries(run);
    await deleteMeetingParticipation(run);
    await forgetOldOpinions(run);
    counts.linkCodes = Number((await db.deleteFrom("OfficerLinkCode").where("expiresAt", "<", cutoff).executeTakeFirst()).numDeletedRows);
  } catch (err) {
    if (!(err instanceof Interrupted)) throw err;
    counts.interrupted = true;
  }
  // The notifier's safety net, as after "Usuń moje dane": nothing of what went is left for it to render.
  if (counts.reports || counts.accounts) await deps.notifier.flush();
  return counts;
}

/** Closed reports not stripped yet, closed before the cutoff (see the top of this file): their ids, a step's worth. */
function closedBefore(db: Queryable, cutoff: Date) {
  return db
    .selectFrom("Report as r")
    .select("r.id")
    .where("r.status", "in", CLOSED_STATUSES)
    .where("r.wordsRemovedAt", "is", null)
    .where(
      (eb) =>
        eb.fn.coalesce(
          eb
            .selectFrom("ReportEvent as e")
            .select((e) => e.fn.max("e.createdAt").as("at"))
            .whereRef("e.reportId", "=", "r.id")
            .where("e.kind", "=", "status")
            .whereRef("e.toStatus", "=", "r.status"),
          "r.updatedAt",
        ),
      "<",
      cutoff,
    )
    .orderBy("r.id")
    .limit(REPORTS_PER_TX);
}

/** Duplicates merged before the cutoff into a report this job has stripped: closed as their original is. */
function mergedBefore(db: Queryable, cutoff: Date) {
  return db
    .selectFrom("Report as r")
    .innerJoin("Report as o", "o.id", "r.mergedIntoId")
    .select("r.id")
    .where("r.wordsRemovedAt", "is", null)
    .where("o.wordsRemovedAt", "is not", null)
    .where(
      (eb) =>
        eb
          .selectFrom("ReportEvent as e")
          .select((e) => e.fn.max("e.createdAt").as("at"))
          .whereRef("e.reportId", "=", "r.id")
          .where("e.kind", "=", "merge"),
      "<",
      cutoff,
    )
    .orderBy("r.id")
    .limit(REPORTS_PER_TX);
}

async function stripClosedReports(run: Run): Promise<void> {
  const { counts, now } = run;
  for (const candidates of [closedBefore, mergedBefore]) {
    for (;;) {
      // A few reports per transaction, found again inside it: what it strips is what is closed now.
      const stripped = await run.db.transaction().execute(async (tx) => {
        const reports = await reportsToStrip(tx).where("Report.id", "in", candidates(tx, run.cutoff)).orderBy("Report.id").execute();
        for (const r of reports) {
          await stripReport(tx, r, now, { wordsRemovedAt: now });
          const relayed: EventFilter = (eb) => eb.and([eb("reportId", "=", r.id), eb("kind", "in", RELAY_KINDS)]);
          const { n } = await tx
            .selectFrom("ReportEvent")
            .select((eb) => eb.fn.countAll().as("n"))
            .where(relayed)
            .where((eb) => eb.or([eb("note", "is not", null), eb("fileId", "is not", null)]))
            .executeTakeFirstOrThrow();
          counts.relayedEvents += Number(n);
          await silenceEvents(tx, relayed, now);
        }
        return reports;
      });
      counts.reports += stripped.length;
      await run.refreshCards(stripped.flatMap((r) => (r.moderationMessageId !== null ? [{ reportId: r.id, messageId: r.moderationMessageId }] : [])));
      await run.pause();
      if (!stripped.length) break;
    }
  }
}

async function deleteInactiveAccounts(run: Run, keepTelegramIds: readonly bigint[]): Promise<void> {
  const { db, cutoff, counts } = run;
  const keep = keepTelegramIds.map(Number);
  /** Inactive accounts that are no one's staff, admin, ban or tombstone: checked again inside each deletion. */
  const deletable = (q: Queryable) =>
    q
      .selectFrom("User")
      .select(["User.id", "User.telegramId"])
      .where("User.lastSeen", "<", cutoff)
      .where("User.telegramId", "<>", TOMBSTONE_TELEGRAM_ID)
      .where("User.role", "=", "resident")
      .where("User.banned", "=", false)
      .where((eb) => eb.not(eb.exists(eb.selectFrom("Officer").select("Officer.id").whereRef("Officer.userId", "=", "User.id"))))
      .$if(keep.length > 0, (qb) => qb.where("User.telegramId", "not in", keep));
  let after = 0;
  for (;;) {
    const batch = await deletable(db).where("User.id", ">", after).orderBy("User.id").limit(ROWS_PER_STEP).execute();
    if (!batch.length) break;
    after = batch.at(-1)!.id;
    for (const user of batch) {
      // One account per transaction; they may have written since the batch was read.
      const deleted = await db.transaction().execute(async (tx) => {
        const still = await deletable(tx).where("User.id", "=", user.id).executeTakeFirst();
        return still ? deleteInTransaction(tx, user.telegramId, run.now) : null;
      });
      if (deleted) {
        counts.accounts++;
        run.deps.forgetUser?.(user.telegramId);
        await run.refreshCards(deleted.cards);
      }
      await run.pause();
    }
  }
  const { n: kept } = await db
    .selectFrom("User")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("lastSeen", "<", cutoff)
    .where("telegramId", "<>", TOMBSTONE_TELEGRAM_ID)
    .executeTakeFirstOrThrow();
  counts.accountsKept = Number(kept);
}

/**
 * Outbox rows in a final status, created and sent before the cutoff, in id order a step at a time; of those, the
 * rows of reports not stripped yet and of meetings not ended before the cutoff stay (see the top of this file).
 */
async function deleteOldDeliveries(run: Run): Promise<number> {
  const { db, cutoff } = run;
  let deleted = 0;
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom("Delivery")
      .select(["id", "dedupeKey"])
      .where("id", ">", after)
      .where("status", "in", FINAL_DELIVERY)
      .where("createdAt", "<", cutoff)
      .where((eb) => eb.or([eb("sentAt", "is", null), eb("sentAt", "<", cutoff)]))
      .orderBy("id")
      .limit(ROWS_PER_STEP)
      .execute();
    if (!rows.length) return deleted;
    after = rows.at(-1)!.id;
    const owners = rows.map((r) => {
      const m = /^(report|event|meeting):(\d+):/.exec(r.dedupeKey);
      return m ? { kind: m[1]!, id: Number(m[2]) } : null;
    });
    const idsOf = (kind: string) => [...new Set(owners.flatMap((o) => (o?.kind === kind ? [o.id] : [])))];
    const [reports, events, meetings] = [idsOf("report"), idsOf("event"), idsOf("meeting")];
    const done = {
      report: new Set(
        reports.length
          ? (await db.selectFrom("Report").select("id").where("id", "in", reports).where("wordsRemovedAt", "is not", null).execute()).map((r) => r.id)
          : [],
      ),
      event: new Set(
        events.length
          ? (
              await db
                .selectFrom("ReportEvent as e")
                .innerJoin("Report as r", "r.id", "e.reportId")
                .select("e.id")
                .where("e.id", "in", events)
                .where("r.wordsRemovedAt", "is not", null)
                .execute()
            ).map((e) => e.id)
          : [],
      ),
      meeting: new Set(
        meetings.length
          ? (await db.selectFrom("Meeting").select("id").where("id", "in", meetings).where("endsAt", "<", cutoff).execute()).map((m) => m.id)
          : [],
      ),
    } as Record<string, Set<number>>;
    const gone = rows.filter((_, i) => {
      const owner = owners[i];
      return !owner || done[owner.kind]!.has(owner.id);
    });
    if (gone.length) {
      const result = await db
        .deleteFrom("Delivery")
        .where(
          "id",
          "in",
          gone.map((r) => r.id),
        )
        .where("status", "in", FINAL_DELIVERY)
        .executeTakeFirst();
      deleted += Number(result.numDeletedRows);
    }
    await run.pause();
  }
}

/** Residents' questions and "Będę" of meetings that ended before the cutoff: one meeting per transaction. */
async function deleteMeetingParticipation(run: Run): Promise<void> {
  const { db, counts } = run;
  const ended = db.selectFrom("Meeting").select("id").where("endsAt", "<", run.cutoff);
  const meetings = await db
    .selectFrom("MeetingQuestion")
    .select("meetingId")
    .where("meetingId", "in", ended)
    .union(db.selectFrom("MeetingRsvp").select("meetingId").where("meetingId", "in", ended))
    .execute();
  for (const { meetingId } of meetings) {
    await db.transaction().execute(async (tx) => {
      counts.meetingQuestions += Number((await tx.deleteFrom("MeetingQuestion").where("meetingId", "=", meetingId).executeTakeFirst()).numDeletedRows);
      counts.meetingRsvps += Number((await tx.deleteFrom("MeetingRsvp").where("meetingId", "=", meetingId).executeTakeFirst()).numDeletedRows);
    });
    await run.pause();
  }
}

/**
 * Votes of consultations closed, and ratings of meetings ended, before the cutoff: the counts stay (the results and
 * summaries already given), who gave them and their own words go.
 */
async function forgetOldOpinions(run: Run): Promise<void> {
  const { db, counts, cutoff } = run;
  const closed = db.selectFrom("Consultation").select("id").where("closedAt", "<", cutoff);
  const votes = await db
    .updateTable("ConsultationVote")
    .set({ userId: null, text: null })
    .where("consultationId", "in", closed)
    .where((eb) => eb.or([eb("userId", "is not", null), eb("text", "is not", null)]))
    .executeTakeFirst();
  const ended = db.selectFrom("Meeting").select("id").where("endsAt", "<", cutoff);
  const ratings = await db
    .updateTable("MeetingFeedback")
    .set({ userId: null, comment: null })
    .where("meetingId", "in", ended)
    .where((eb) => eb.or([eb("userId", "is not", null), eb("comment", "is not", null)]))
    .executeTakeFirst();
  counts.opinions += Number(votes.numUpdatedRows) + Number(ratings.numUpdatedRows);
  await run.pause();
}

/** Geocode cache entries made before the cutoff, with the record of who asked for them. */
async function deleteOldGeocodeEntries(run: Run): Promise<number> {
  let deleted = 0;
  for (;;) {
    const n = await run.db.transaction().execute(async (tx) => {
      const keys = (await tx.selectFrom("GeocodeCache").select("key").where("createdAt", "<", run.cutoff).limit(ROWS_PER_STEP).execute()).map((r) => r.key);
      if (!keys.length) return 0;
      await tx.deleteFrom("GeocodeCacheUse").where("key", "in", keys).execute();
      await tx.deleteFrom("GeocodeCache").where("key", "in", keys).execute();
      return keys.length;
    });
    deleted += n;
    await run.pause();
    if (n < ROWS_PER_STEP) return deleted;
  }
}

/**
 * Runs a step that deletes at most ROWS_PER_STEP rows (and says how many it deleted) again and again until it
 * deletes fewer; returns the total.
 */
async function deleteInSteps(run: Run, step: () => Promise<number>): Promise<number> {
  let deleted = 0;
  for (;;) {
    const n = await step();
    deleted += n;
    await run.pause();
    if (n < ROWS_PER_STEP) return deleted;
  }
}
