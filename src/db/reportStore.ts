import { preparedQuery, type Database, type Queryable } from "./connection.js";
import type { ChatPrefetch } from "./chatPrefetch.js";
import { deleteConversationState, readConversationState, writeConversationState } from "./conversationState.js";
import { haversineM, METRES_PER_DEGREE } from "../domain/geo/measure.js";
import { DUPLICATE_RADIUS_M } from "../domain/reports/limits.js";
import { formatReference, warsawYear } from "../domain/reports/reference.js";
import { ACTIVE_STATUSES, type Status } from "../domain/reports/status.js";
import { isPubliclyVisible, mayOfferDuplicates } from "../domain/reports/visibility.js";

/** A finished form, as the resident's conversation hands it over. */
export interface ReportDraft {
  categoryCode: string;
  lat: number;
  lon: number;
  address: string;
  placeSource: "pin" | "address";
  timesOfDay: string[];
  days: string;
  description: string | null;
  photos: string[];
  contactConsent: boolean;
}

export interface NearbyReport {
  id: number;
  ref: string;
  status: Status;
  distanceM: number;
}

/** "Potwierdzam": who confirms which report, and what they wrote on their own form (kept, never thrown away). */
export interface Confirmation {
  reportId: number;
  userId: number;
  now: Date;
  /** Their description and times/days as one text for the staff, or null when they added nothing. */
  note: string | null;
  /** Their photos' file_ids. */
  photos: string[];
}

export interface NewReport {
  draft: ReportDraft;
  districtId: number | null;
  reporterId: number;
  /** Idempotency: the same key of the same reporter never makes a second report. */
  submissionKey: string;
  prefix: string;
  now: Date;
}

/** The form's own row (ConversationState), written in the same transaction as the report it finishes. */
export interface FormRow {
  key: string;
  value: string;
}

/** The notifier, as far as this store needs it: report events → outbox rows. */
export interface EventFlusher {
  flush(): Promise<void>;
}

const AROUND_DEGREES = DUPLICATE_RADIUS_M / METRES_PER_DEGREE;

/**
 * Active reports of a category in a box around a point, other than this reporter's: a range on the
 * (categoryCode, lat, lon) index (test/integration/reportStore.test.ts checks the plan).
 */
export function nearbyActiveQuery(db: Queryable, p: { categoryCode: string; lat: number; lon: number; excludeReporterId: number }) {
  return nearbyActiveOf(db, p.categoryCode, ...aroundBox(p.lat, p.lon), p.excludeReporterId);
}

/** South, north, west and east of the box of ±250 m around a point, in degrees. */
function aroundBox(lat: number, lon: number): [number, number, number, number] {
  const dLon = AROUND_DEGREES / Math.cos((lat * Math.PI) / 180);
  return [lat - AROUND_DEGREES, lat + AROUND_DEGREES, lon - dLon, lon + dLon];
}

const nearbyActiveOf = (db: Queryable, categoryCode: string, south: number, north: number, west: number, east: number, excludeReporterId: number) =>
  db
    .selectFrom("Report")
    .select(["id", "ref", "status", "lat", "lon"])
    .where("categoryCode", "=", categoryCode)
    .where("status", "in", ACTIVE_STATUSES)
    .where((eb) => eb.between("lat", south, north))
    .where((eb) => eb.between("lon", west, east))
    .where("reporterId", "!=", excludeReporterId);

// The form's queries run for every report: prepared (built and compiled once, see db/connection.ts).
const nearbyActive = preparedQuery(nearbyActiveOf);
const reportsSince = preparedQuery((db, userId: number, since: Date) =>
  db
    .selectFrom("Report")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("reporterId", "=", userId)
    .where("createdAt", ">", since),
);
const subscriptionsOf = preparedQuery((db, userId: number) =>
  db
    .selectFrom("Subscription")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("userId", "=", userId),
);
const reportBySubmission = preparedQuery((db, submissionKey: string, reporterId: number) =>
  db.selectFrom("Report").select(["id", "ref"]).where("submissionKey", "=", submissionKey).where("reporterId", "=", reporterId),
);
/**
 * The next number of a series for a submission not stored yet (none for a replayed one: it takes no number), and
 * whether its reporter made any report before: one statement, so the check costs a report no round trip of its own.
 */
const numbering = preparedQuery((db, series: string, submissionKey: string, reporterId: number) =>
  db
    .insertInto("Counter")
    .columns(["name", "value"])
    .expression(
      db
        .selectNoFrom((eb) => [eb.val(series).as("name"), eb.lit(1).as("value")])
        .where((eb) => eb.not(eb.exists(eb.selectFrom("Report").select("id").where("submissionKey", "=", submissionKey).where("reporterId", "=", reporterId)))),
    )
    .onConflict((oc) => oc.column("name").doUpdateSet((eb) => ({ value: eb("Counter.value", "+", 1) })))
    .returning((eb) => ["value", eb.exists(eb.selectFrom("Report").select("id").where("reporterId", "=", reporterId)).as("earlier")]),
);
const creationEvent = preparedQuery((db, reportId: number, reporterId: number, now: Date) =>
  db.insertInto("ReportEvent").values({ reportId, kind: "status", actorId: reporterId, toStatus: "new" satisfies Status, createdAt: now }),
);
const reporterFollows = preparedQuery((db, reportId: number, userId: number, now: Date) =>
  db.insertInto("ReportFollower").values({ reportId, userId, kind: "reporter", createdAt: now }),
);

/**
 * What the resident's report form reads and writes: its own state (one ConversationState row per open form),
 * the daily limit, the duplicate probe, and the report or the confirmation it ends with. A service that stores
 * report events: it has the notifier turn them into outbox rows after each commit.
 */
export class ReportStore {
  /**
   * The forms' rows as last written or read (null: no form). The form is read for every update of every chat and
   * this process is its only writer, so reads are served from here; a write is remembered once committed.
   */
  private readonly forms = new Map<string, string | null>();

  constructor(
    private readonly db: Database,
    private readonly notifier: EventFlusher,
    /** Off when other instances write the same database (PostgreSQL): then every read asks the database. */
    private readonly options: { cache: boolean; prefetch?: ChatPrefetch } = { cache: true },
  ) {}

  private remember(key: string, value: string | null): void {
    this.options.prefetch?.known(key, value);
    if (!this.options.cache) return;
    if (!this.forms.has(key) && this.forms.size >= MAX_CACHED_FORMS) this.forms.delete(this.forms.keys().next().value!);
    this.forms.set(key, value);
  }

  /** Runs a transaction that may write a form row; remembers the row once committed, forgets the key if it failed. */
  private async withForm<T>(work: (put: (tx: Queryable, row: FormRow, now: Date) => Promise<void>) => Promise<T>): Promise<T> {
    let written: FormRow | undefined;
    try {
      const result = await work(async (tx, row, now) => {
        await putForm(tx, row, now);
        written = row;
      });
      if (written) this.remember(written.key, written.value);
      return result;
    } catch (err) {
      if (written) this.forms.delete(written.key);
      throw err;
    }
  }

  /** Reports created by this resident in the 24 h before `now` (the daily limit). */
  async countRecent(userId: number, now: Date): Promise<number> {
    const [row] = await reportsSince(this.db, userId, new Date(now.getTime() - 24 * 3600_000));
    return Number(row!.n);
  }

  async subscriptionCount(userId: number): Promise<number> {
    const [row] = await subscriptionsOf(this.db, userId);
    return Number(row!.n);
  }

  /**
   * The closest active report of the same category within 250 m, other than the resident's own, among those
   * residents may know of (src/domain/reports/visibility.ts): never one of a category that is never public.
   */
  async findNearbyActive(categoryCode: string, lat: number, lon: number, excludeReporterId: number): Promise<NearbyReport | null> {
    if (!mayOfferDuplicates(categoryCode)) return null;
    const rows = await nearbyActive(this.db, categoryCode, ...aroundBox(lat, lon), excludeReporterId);
    const near = rows
      .map((r) => ({ id: r.id, ref: r.ref, status: r.status as Status, distanceM: haversineM(lon, lat, r.lon, r.lat) }))
      .filter((r) => r.distanceM <= DUPLICATE_RADIUS_M && isPubliclyVisible(categoryCode, r.status))
      .sort((a, b) => a.distanceM - b.distanceM);
    return near[0] ?? null;
  }

  /**
   * Stores the report with status "new", its creation event and its reporter as follower, in one transaction
   * with the form's own row (`formAfter`, given the report; throwing there takes the report back too).
   * Idempotent on the reporter's `submissionKey`. `first`: a new report, and its reporter's first.
   */
  async create(
    input: NewReport,
    formAfter?: (report: { id: number; ref: string }) => FormRow,
  ): Promise<{ id: number; ref: string; created: boolean; first: boolean }> {
    // The key is the reporter's own (their form's): another resident's report is never handed back for it.
    const submissionKey = `${input.reporterId}:${input.submissionKey}`;
    // The number is taken before the transaction, in a statement of its own: the counter's row is then locked for
    // that statement only, not until the report commits, when every report made at once would wait in line for it.
    // A report that then fails to be stored leaves its number unused (a gap in the series, never a number twice).
    // The series follows the calendar year in Poland, whatever the server's time zone.
    const year = warsawYear(input.now);
    const [numbered] = await numbering(this.db, `report:${year}`, submissionKey, input.reporterId);
    // No number: a replay, which finds the report the first submission stored.
    const existing = numbered ? undefined : (await reportBySubmission(this.db, submissionKey, input.reporterId))[0];
    // READ COMMITTED, not serial (src/db/postgres/dialect.ts): every resident's report would otherwise wait for
    // every other transaction of the deployment. Safe so: it only inserts, and what it read is the reporter's own
    // (their chat's updates are handled one at a time, and submissionKey is unique).
    const result = await this.withForm((put) =>
      this.db
        .transaction()
        .setIsolationLevel("read committed")
        .execute(async (tx) => {
          if (existing) {
            if (formAfter) await put(tx, formAfter(existing), input.now);
            return { ...existing, created: false, first: false };
          }
          const ref = formatReference(input.prefix, year, numbered!.value);
          const { draft, now } = input;
          const { id } = await tx
            .insertInto("Report")
            .values({
              ref,
              categoryCode: draft.categoryCode,
              status: "new" satisfies Status,
              lat: draft.lat,
              lon: draft.lon,
              address: draft.address,
              placeSource: draft.placeSource,
              timesOfDay: draft.timesOfDay.join(","),
              days: draft.days,
              description: draft.description,
              photos: JSON.stringify(draft.photos),
              contactConsent: draft.contactConsent,
              reporterId: input.reporterId,
              submissionKey,
              districtId: input.districtId,
              createdAt: now,
              updatedAt: now,
            })
            .returning("id")
            .executeTakeFirstOrThrow();
          await creationEvent(tx, id, input.reporterId, now);
          await reporterFollows(tx, id, input.reporterId, now);
          if (formAfter) await put(tx, formAfter({ id, ref }), now);
          return { id, ref, created: true, first: !numbered!.earlier };
        }),
    );
    // Not awaited: the resident's answer does not wait for the moderators' card to be queued.
    if (result.created) void this.notifier.flush();
    return result;
  }

  /**
   * "Potwierdzam to zgłoszenie": the resident follows the existing report (once); no new report is made.
   * In the same transaction the confirmation becomes an event (the card re-renders, staff see the count)
   * and the resident's own words and photos become "addition" events, relayed to the staff like any other
   * addition; `form` (the finished form's row) is written with them. Returns the number of confirmations.
   */
  async confirm(input: Confirmation, form?: () => FormRow): Promise<number> {
    const confirmations = await this.withForm((put) =>
      this.db.transaction().execute(async (tx) => {
        const { now } = input;
        const status = (await tx.selectFrom("Report").select("status").where("id", "=", input.reportId).executeTakeFirst())?.status ?? "new";
        const event = (kind: string, note: string | null, fileId: string | null) =>
          tx
            .insertInto("ReportEvent")
            .values({
              reportId: input.reportId,
              kind,
              fileId,
              actorId: input.userId,
              actorRole: "resident",
              fromStatus: status,
              toStatus: status,
              note,
              createdAt: now,
            })
            .execute();
        const added = await tx
          .insertInto("ReportFollower")
          .values({ reportId: input.reportId, userId: input.userId, kind: "confirmation", createdAt: now })
          .onConflict((oc) => oc.columns(["reportId", "userId"]).doNothing())
          .returning("userId")
          .executeTakeFirst();
        // A second "Potwierdzam" by the same resident is no second confirmation; what they wrote still counts.
        if (added) await event("confirmation", null, null);
        if (input.note) await event("addition", input.note, null);
        for (const fileId of input.photos) await event("addition", null, fileId);
        if (form) await put(tx, form(), now);
        const row = await tx
          .selectFrom("ReportFollower")
          .select((eb) => eb.fn.countAll().as("n"))
          .where("reportId", "=", input.reportId)
          .where("kind", "=", "confirmation")
          .executeTakeFirstOrThrow();
        return Number(row.n);
      }),
    );
    void this.notifier.flush();
    return confirmations;
  }

  // ---- the form's own row

  async readForm(key: string): Promise<string | undefined> {
    const cached = this.forms.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const deferred = this.options.prefetch?.deferredState(key);
    if (deferred !== undefined) return deferred ?? undefined;
    const ahead = this.options.prefetch?.takeState(key);
    if (ahead !== undefined) {
      // Known again for the next read of this update (the form is read by its step, then by the command it leaves for).
      this.remember(key, ahead);
      return ahead ?? undefined;
    }
    const value = await readConversationState(this.db, key);
    // A write that finished while this read waited knows better.
    const meanwhile = this.forms.get(key);
    if (meanwhile !== undefined) return meanwhile ?? undefined;
    this.remember(key, value ?? null);
    return value;
  }

  /** Stores the form; awaited before any message about the change goes out. */
  async writeForm(row: FormRow, now: Date): Promise<void> {
    this.options.prefetch?.forgetState(row.key);
    try {
      await putForm(this.db, row, now);
    } catch (err) {
      this.forms.delete(row.key);
      throw err;
    }
    this.remember(row.key, row.value);
  }

  /**
   * Stores what only looks matter for (which question's buttons to close next): where the chat is held with
   * PostgreSQL it goes with letting go of the chat, in that round trip (db/chatPrefetch.ts); elsewhere at once.
   */
  async writeFormLater(row: FormRow, now: Date): Promise<void> {
    if (this.options.prefetch?.deferState(row.key, row.value, now)) return;
    await this.writeForm(row, now);
  }

  async deleteForm(key: string): Promise<void> {
    await deleteConversationState(this.db, key);
    this.remember(key, null);
  }

  /**
   * Deletes what only a replay of the finishing update needs (a finished form's row, which says the outcome again):
   * once another update of the chat is handled, the finishing one is no longer stored to be replayed. With PostgreSQL
   * the deletion goes with letting go of the chat, and the new form that usually follows (/report) cancels it, as
   * any write of the key does.
   */
  async deleteFormLater(key: string): Promise<void> {
    if (this.options.prefetch?.deferState(key, null)) return;
    await this.deleteForm(key);
  }

  /** The form's row was deleted outside any chat's handling (retention): the next read asks the database. */
  uncache(key: string): void {
    this.forms.delete(key);
  }

  /** The form's row was deleted with the resident's data (services/privacy.ts): nothing here hands it out again. */
  formDeleted(key: string): void {
    this.remember(key, null);
  }
}

const MAX_CACHED_FORMS = 20_000;

function putForm(db: Queryable, row: FormRow, now: Date): Promise<void> {
  return writeConversationState(db, row.key, row.value, now);
}
