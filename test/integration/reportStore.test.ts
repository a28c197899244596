import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Database } from "../../src/db/connection.js";
import { countRows, openTempDatabase, queryPlan } from "../support/database.js";
import { onPostgres } from "../support/testDatabase.js";
import { nearbyActiveQuery, ReportStore, type ReportDraft } from "../../src/db/reportStore.js";

const draft = (over: Partial<ReportDraft> = {}): ReportDraft => ({
  categoryCode: "parking",
  lat: 49.8225,
  lon: 19.0444,
  address: "Plac Ratuszowy",
  placeSource: "pin",
  timesOfDay: ["morning", "evening"],
  days: "weekend",
  description: "Auta na chodniku",
  photos: ["file-1"],
  contactConsent: true,
  ...over,
});

describe("the report form's store", () => {
  let close: () => Promise<void>;
  let db: Database;
  let store: ReportStore;
  let flushes: number;
  let reporterId: number;
  let neighbourId: number;
  const now = new Date("2026-11-27T10:00:00Z");

  const addUser = async (telegramId: number) =>
    (await db.insertInto("User").values({ telegramId, firstSeen: now, lastSeen: now }).returning("id").executeTakeFirstOrThrow()).id;
  const reportById = (id: number) => db.selectFrom("Report").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
  const setStatus = (id: number, status: string) => db.updateTable("Report").set({ status, updatedAt: now }).where("id", "=", id).execute();
  const count = (table: "Report" | "ReportEvent") => countRows(db, table);

  beforeEach(async () => {
    ({ db, close } = await openTempDatabase("dz-store-"));
    flushes = 0;
    store = new ReportStore(db, {
      flush: async () => {
        flushes++;
      },
    });
    reporterId = await addUser(1);
    neighbourId = await addUser(2);
  });
  afterEach(() => close());

  const create = (key: string, over: Partial<ReportDraft> = {}, who = reporterId, at = now) =>
    store.create({ draft: draft(over), districtId: null, reporterId: who, submissionKey: key, prefix: "BB", now: at });

  it("stores a report field for field, with its event and its reporter as follower, and has the notifier queue its card", async () => {
    const made = await create("k1");
    expect(made).toMatchObject({ ref: "BB-2026-000001", created: true, first: true });
    const report = await reportById(made.id);
    expect(report).toMatchObject({
      status: "new",
      categoryCode: "parking",
      timesOfDay: "morning,evening",
      days: "weekend",
      photos: JSON.stringify(["file-1"]),
      contactConsent: true,
      reporterId,
      districtId: null,
    });
    expect(report.createdAt.toISOString()).toBe(now.toISOString());
    expect(report.updatedAt.toISOString()).toBe(now.toISOString());
    const events = await db.selectFrom("ReportEvent").selectAll().where("reportId", "=", made.id).execute();
    expect(events).toMatchObject([{ kind: "status", toStatus: "new", fromStatus: null, actorId: reporterId, notifiedAt: null }]);
    const followers = await db.selectFrom("ReportFollower").selectAll().where("reportId", "=", made.id).execute();
    expect(followers).toMatchObject([{ userId: reporterId, kind: "reporter" }]);
    expect(flushes).toBe(1);
  });

  it("makes one report per submission key, and numbers the next one on", async () => {
    const first = await create("k1");
    const again = await create("k1");
    expect(again).toEqual({ id: first.id, ref: first.ref, created: false, first: false });
    // A replay stores no event: nothing new for the notifier.
    expect(flushes).toBe(1);
    expect(await create("k2", { lat: 49.8 })).toMatchObject({ ref: "BB-2026-000002", created: true, first: false });
  });

  it("says whether a new report is its reporter's first, whatever other residents made", async () => {
    expect((await create("n1", {}, neighbourId)).first).toBe(true);
    expect((await create("r1", { lat: 49.81 })).first).toBe(true);
    expect((await create("n2", { lat: 49.82 }, neighbourId)).first).toBe(false);
    expect((await create("r2", { lat: 49.83 })).first).toBe(false);
  });

  it("never hands a resident someone else's report when their forms' keys collide", async () => {
    const mine = await create("same-key");
    const theirs = await create("same-key", { lat: 49.81 }, neighbourId);
    expect(theirs).toMatchObject({ created: true, first: true });
    expect(theirs.ref).not.toBe(mine.ref);
    expect((await reportById(theirs.id)).reporterId).toBe(neighbourId);
    // The reporter's own replay still finds their report.
    expect(await create("same-key")).toEqual({ id: mine.id, ref: mine.ref, created: false, first: false });
  });

  it("numbers reports by the year in Poland: 1 January 00:30 Warsaw time is the new year's series, even on a UTC server", async () => {
    const newYear = await create("ny", {}, reporterId, new Date("2026-12-31T23:30:00Z"));
    expect(newYear.ref).toBe("BB-2027-000001");
    const lastYear = await create("ly", { lat: 49.81 }, reporterId, new Date("2026-12-31T22:30:00Z"));
    expect(lastYear.ref).toMatch(/^BB-2026-/);
  });

  it("writes the finished form with the report, and rolls the report back when the form's row fails", async () => {
    const made = await store.create({ draft: draft(), districtId: null, reporterId, submissionKey: "k0", prefix: "BB", now }, (report) => ({
      key: "reportForm:1",
      value: JSON.stringify({ done: report.ref }),
    }));
    expect(JSON.parse((await store.readForm("reportForm:1"))!)).toEqual({ done: made.ref });
    await expect(
      store.create({ draft: draft(), districtId: null, reporterId, submissionKey: "k1", prefix: "BB", now }, () => {
        throw new Error("disk full");
      }),
    ).rejects.toThrow("disk full");
    expect(await count("Report")).toBe(1);
    // Its number was taken before the report's transaction (so reports made at once do not queue for the counter):
    // it stays unused, a gap in the series, and no number is ever given twice.
    expect((await create("k2", { lat: 49.81 })).ref).toBe("BB-2026-000003");
    // A replayed submission takes no number.
    expect((await create("k2", { lat: 49.81 })).ref).toBe("BB-2026-000003");
    expect((await create("k3", { lat: 49.82 })).ref).toBe("BB-2026-000004");
  });

  it("keeps, replaces and forgets the form's own row", async () => {
    expect(await store.readForm("reportForm:5")).toBeUndefined();
    await store.writeForm({ key: "reportForm:5", value: "a" }, now);
    await store.writeForm({ key: "reportForm:5", value: "b" }, now);
    expect(await store.readForm("reportForm:5")).toBe("b");
    await store.deleteForm("reportForm:5");
    expect(await store.readForm("reportForm:5")).toBeUndefined();
  });

  it("counts a resident's reports of the last 24 hours only", async () => {
    await create("old", {}, reporterId, new Date(now.getTime() - 25 * 3600_000));
    await create("new", { lat: 49.81 }, reporterId, new Date(now.getTime() - 3600_000));
    expect(await store.countRecent(reporterId, now)).toBe(1);
    expect(await store.countRecent(neighbourId, now)).toBe(0);
  });

  it("finds the closest active report of the category within 250 m, never the resident's own", async () => {
    const near = await create("near", { lat: 49.8225 + 0.001 }); // ~111 m north
    await create("far", { lat: 49.8225 + 0.003 }); // ~333 m
    await create("other-category", { categoryCode: "speeding" });
    const found = await store.findNearbyActive("parking", 49.8225, 19.0444, neighbourId);
    expect(found).toMatchObject({ id: near.id, status: "new" });
    expect(found!.distanceM).toBeGreaterThan(100);
    expect(found!.distanceM).toBeLessThan(120);
    expect(await store.findNearbyActive("parking", 49.8225, 19.0444, reporterId)).toBeNull();
    await setStatus(near.id, "not_confirmed");
    expect(await store.findNearbyActive("parking", 49.8225, 19.0444, neighbourId)).toBeNull();
  });

  it("looks for reports nearby through the (category, lat, lon) index, not by scanning the category", async () => {
    const query = nearbyActiveQuery(db, { categoryCode: "parking", lat: 49.8, lon: 19, excludeReporterId: 1 }).compile();
    const plan = await queryPlan(db, query);
    expect(plan).toMatch(
      onPostgres
        ? /Index (Only )?Scan using "Report_categoryCode_lat_lon_idx" on "Report" .*Index Cond: \(\("categoryCode" = '\w+'::text\) AND \(lat >= '[\d.]+'::double precision\) AND \(lat <= /
        : /USING (COVERING )?INDEX Report_categoryCode_lat_lon_idx \(categoryCode=\? AND lat>\? AND lat<\?\)/,
    );
  });

  it("adds a confirmation once, however often it is pressed", async () => {
    const report = await create("k1");
    const confirm = { reportId: report.id, userId: neighbourId, now, note: null, photos: [] };
    expect(await store.confirm(confirm)).toBe(1);
    expect(await store.confirm(confirm)).toBe(1);
    const followers = await db.selectFrom("ReportFollower").select("kind").where("reportId", "=", report.id).orderBy("kind", "asc").execute();
    expect(followers.map((f) => f.kind)).toEqual(["confirmation", "reporter"]);
    const events = await db.selectFrom("ReportEvent").select("id").where("reportId", "=", report.id).where("kind", "=", "confirmation").execute();
    expect(events).toHaveLength(1);
  });

  it("keeps what the confirming resident wrote as additions, in the confirmation's transaction", async () => {
    const report = await create("k1");
    await setStatus(report.id, "verification");
    const before = flushes;
    await store.confirm({ reportId: report.id, userId: neighbourId, now, note: "Opis: Też to widzę", photos: ["p-1", "p-2"] }, () => ({
      key: "reportForm:2",
      value: "done",
    }));
    expect(flushes).toBe(before + 1);
    expect(await store.readForm("reportForm:2")).toBe("done");
    const additions = () =>
      db.selectFrom("ReportEvent").selectAll().where("reportId", "=", report.id).where("kind", "!=", "status").orderBy("id", "asc").execute();
    const events = await additions();
    expect(events.map((e) => [e.kind, e.note, e.fileId, e.actorRole, e.fromStatus, e.toStatus, e.actorId, e.notifiedAt])).toEqual([
      ["confirmation", null, null, "resident", "verification", "verification", neighbourId, null],
      ["addition", "Opis: Też to widzę", null, "resident", "verification", "verification", neighbourId, null],
      ["addition", null, "p-1", "resident", "verification", "verification", neighbourId, null],
      ["addition", null, "p-2", "resident", "verification", "verification", neighbourId, null],
    ]);
    expect(events[0]!.createdAt.toISOString()).toBe(now.toISOString());
    // A failing form write in the same transaction takes every row back.
    await expect(
      store.confirm({ reportId: report.id, userId: neighbourId, now, note: "x", photos: [] }, () => {
        throw new Error("form write failed");
      }),
    ).rejects.toThrow("form write failed");
    expect(await additions()).toHaveLength(4);
  });

  it("never offers a report of a category that is never public, nor an unconfirmed one that is public only once confirmed", async () => {
    await create("drugs", { categoryCode: "drugs" });
    expect(await store.findNearbyActive("drugs", 49.8225, 19.0444, neighbourId)).toBeNull();
    const party = await create("party", { categoryCode: "dangerous_entertainment" });
    expect(await store.findNearbyActive("dangerous_entertainment", 49.8225, 19.0444, neighbourId)).toBeNull();
    await setStatus(party.id, "confirmed");
    expect(await store.findNearbyActive("dangerous_entertainment", 49.8225, 19.0444, neighbourId)).toMatchObject({ id: party.id });
  });

  it("keeps its writes out of a transaction open meanwhile: that transaction's rollback cannot undo them", async () => {
    // One connection: the store's statements wait for the open transaction instead of joining it.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const failing = db.transaction().execute(async (tx) => {
      await tx.updateTable("User").set({ firstName: "inside" }).where("id", "=", neighbourId).execute();
      await held;
      throw new Error("rolled back");
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const formWrite = store.writeForm({ key: "reportForm:9", value: "kept" }, now);
    const report = create("beside");
    release();
    await expect(failing).rejects.toThrow("rolled back");
    await formWrite;
    expect(await report).toMatchObject({ created: true });
    expect(await store.readForm("reportForm:9")).toBe("kept");
    expect(await count("Report")).toBe(1);
    expect((await db.selectFrom("User").select("firstName").where("id", "=", neighbourId).executeTakeFirstOrThrow()).firstName).not.toBe("inside");
  });
});
