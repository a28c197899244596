import { type Insertable } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Database } from "../../src/db/connection.js";
import { openTempDatabase, queryPlan } from "../support/database.js";
import { onPostgres } from "../support/testDatabase.js";
import { cardFactsQuery, NotifierStore } from "../../src/db/notifierStore.js";
import type { DB } from "../../src/generated/kysely/types.js";

// The notifier reads reports, their districts, officers and followers: every field must come back as stored.
describe("the notifier's store", () => {
  let close: () => Promise<void>;
  let db: Database;
  let store: NotifierStore;
  const created = new Date("2026-11-27T10:00:00.123Z");

  beforeEach(async () => {
    ({ db, close } = await openTempDatabase("dz-notifier-"));
    store = new NotifierStore(db);
  });
  afterEach(() => close());

  const addUser = (user: Omit<Insertable<DB["User"]>, "firstSeen" | "lastSeen">) =>
    db
      .insertInto("User")
      .values({ ...user, firstSeen: created, lastSeen: created })
      .returningAll()
      .executeTakeFirstOrThrow();
  const addReport = (report: Omit<Insertable<DB["Report"]>, "createdAt" | "updatedAt"> & { createdAt?: Date }) =>
    db
      .insertInto("Report")
      .values({ createdAt: created, updatedAt: created, ...report })
      .returningAll()
      .executeTakeFirstOrThrow();
  const addEvent = (event: Omit<Insertable<DB["ReportEvent"]>, "createdAt">) =>
    db
      .insertInto("ReportEvent")
      .values({ ...event, createdAt: created })
      .returningAll()
      .executeTakeFirstOrThrow();

  async function fixture() {
    const unit = await db
      .insertInto("Unit")
      .values({ code: "KMP", kind: "city", name: "KMP Bielsko-Biała", address: "ul. Wapienna 6" })
      .returningAll()
      .executeTakeFirstOrThrow();
    // An id of 53 bits (Telegram's ids have at most 52 significant bits): it must survive digit for digit.
    const officerUser = await addUser({ telegramId: 4_503_599_627_370_497, language: "en", languageCode: "uk" });
    const officer = await db
      .insertInto("Officer")
      .values({ code: "O1", rank: "asp.", firstName: "Jan", lastName: "Nowak", unitId: unit.id, userId: officerUser.id })
      .returningAll()
      .executeTakeFirstOrThrow();
    const district = await db
      .insertInto("District")
      .values({ number: "7", name: "Złote Łany", unitId: unit.id, officerId: officer.id, geometry: "{}" })
      .returningAll()
      .executeTakeFirstOrThrow();
    const reporter = await addUser({ telegramId: 1001, languageCode: "pl" });
    const follower = await addUser({ telegramId: 1002, blocked: true });
    const base = { categoryCode: "parking", lat: 49.8, lon: 19.05, address: "Cieszyńska 10", placeSource: "pin", reporterId: reporter.id } as const;
    const original = await addReport({ ...base, ref: "BB-2026-000001", submissionKey: "a", status: "confirmed" });
    const report = await addReport({
      ...base,
      ref: "BB-2026-000002",
      submissionKey: "b",
      timesOfDay: "morning,night",
      days: "weekend",
      description: "Auta <b>na</b> chodniku",
      photos: '["f1","f2"]',
      contactConsent: true,
      districtId: district.id,
      mergedIntoId: original.id,
      referredTo: "Straż Miejska",
      lastPublicNote: "Patrol w piątek",
      moderationMessageId: 55,
      createdAt: created,
    });
    await db
      .insertInto("ReportFollower")
      .values([
        { reportId: report.id, userId: reporter.id, kind: "reporter", createdAt: new Date(created.getTime() + 1) },
        { reportId: report.id, userId: follower.id, kind: "confirmation", createdAt: new Date(created.getTime() + 2) },
      ])
      .execute();
    return { officerUser, reporter, follower, original, report };
  }

  it("reads a report with its district, officer and followers exactly as they were written", async () => {
    const { officerUser, reporter, follower, report } = await fixture();
    expect(await store.report(report.id)).toEqual({
      id: report.id,
      ref: "BB-2026-000002",
      categoryCode: "parking",
      status: "new",
      lat: 49.8,
      lon: 19.05,
      address: "Cieszyńska 10",
      timesOfDay: "morning,night",
      days: "weekend",
      description: "Auta <b>na</b> chodniku",
      photos: '["f1","f2"]',
      contactConsent: true,
      createdAt: created,
      referredTo: "Straż Miejska",
      lastPublicNote: "Patrol w piątek",
      reporterId: reporter.id,
      mergedIntoRef: "BB-2026-000001",
      moderationMessageId: 55,
      district: {
        number: "7",
        name: "Złote Łany",
        officer: {
          rank: "asp.",
          firstName: "Jan",
          lastName: "Nowak",
          user: { id: officerUser.id, telegramId: 4_503_599_627_370_497n, blocked: false, language: "en", languageCode: "uk" },
        },
      },
      followers: [
        { userId: reporter.id, kind: "reporter", user: { id: reporter.id, telegramId: 1001n, blocked: false, language: null, languageCode: "pl" } },
        { userId: follower.id, kind: "confirmation", user: { id: follower.id, telegramId: 1002n, blocked: true, language: null, languageCode: null } },
      ],
    });
    expect(await store.report(report.id + 100)).toBeNull();
  });

  it("reads a report without district, officer or merge as nulls", async () => {
    const reporter = await addUser({ telegramId: 5 });
    const report = await addReport({
      ref: "BB-2026-000009",
      submissionKey: "z",
      categoryCode: "drugs",
      lat: 49.8,
      lon: 19,
      address: "x",
      placeSource: "address",
      reporterId: reporter.id,
    });
    expect(await store.report(report.id)).toMatchObject({
      district: null,
      mergedIntoRef: null,
      moderationMessageId: null,
      contactConsent: false,
      description: null,
      followers: [],
    });
  });

  it("reads several reports at once, each with its own followers only, and leaves out one that is gone", async () => {
    const { reporter, follower, original, report } = await fixture();
    await db.insertInto("ReportFollower").values({ reportId: original.id, userId: follower.id, kind: "reporter", createdAt: created }).execute();
    const found = await store.reports([report.id, original.id, report.id + 100]);
    expect([...found.keys()].sort()).toEqual([original.id, report.id].sort());
    expect(found.get(report.id)).toEqual(await store.report(report.id));
    expect(found.get(report.id)!.followers.map((f) => [f.userId, f.kind])).toEqual([
      [reporter.id, "reporter"],
      [follower.id, "confirmation"],
    ]);
    expect(found.get(original.id)).toMatchObject({ ref: "BB-2026-000001", followers: [{ userId: follower.id, kind: "reporter" }] });
    expect((await store.reports([])).size).toBe(0);
  });

  it("counts the reporter's reports and the confirmed ones, and other reports of the category nearby, in one query", async () => {
    const { reporter, report, original } = await fixture();
    expect(await store.cardFacts(report)).toEqual({ reporter: { total: 2, confirmed: 1 }, nearby: 1, lastChange: null });
    expect((await store.cardFacts({ ...report, reporterId: reporter.id + 1000 })).reporter).toEqual({ total: 0, confirmed: 0 });
    // The original sits on the same point: one neighbour; the report itself never counts.
    expect((await store.cardFacts({ ...report, categoryCode: "drugs" })).nearby).toBe(0);
    expect((await store.cardFacts({ ...original, lat: original.lat + 0.02 })).nearby).toBe(0);
  });

  it("names the staff member who last changed the report, never a resident, with the moment as a date", async () => {
    const { reporter, report } = await fixture();
    const celina = await addUser({ telegramId: 2001, firstName: "Celina", role: "coordinator" });
    const jan = await addUser({ telegramId: 2002, firstName: "Jan", role: "officer" });
    await addEvent({ reportId: report.id, kind: "status", actorId: jan.id, actorRole: "officer", fromStatus: "new", toStatus: "verification" });
    await addEvent({ reportId: report.id, kind: "status", actorId: celina.id, actorRole: "coordinator", fromStatus: "verification", toStatus: "confirmed" });
    // A resident's addition after it names nobody: the card still shows Celina.
    await addEvent({ reportId: report.id, kind: "addition", actorId: reporter.id, actorRole: "resident", toStatus: "confirmed", note: "x" });
    expect((await store.cardFacts(report)).lastChange).toEqual({ name: "Celina", role: "coordinator", at: created });
    // Another report's staff change is not this one's.
    expect((await store.cardFacts({ ...report, id: report.id + 100 })).lastChange).toBeNull();
  });

  it("looks for reports nearby through the (category, lat, lon) index, not by scanning the category", async () => {
    const query = cardFactsQuery(db, { id: 1, reporterId: 1, categoryCode: "parking", lat: 49.8, lon: 19 }).compile();
    const plan = await queryPlan(db, query);
    expect(plan).toMatch(
      onPostgres
        ? /Index (Only )?Scan using "Report_categoryCode_lat_lon_idx" on "Report" .*Index Cond: \(\("categoryCode" = '\w+'::text\) AND \(lat >= '[\d.]+'::double precision\) AND \(lat <= /
        : /USING (COVERING )?INDEX Report_categoryCode_lat_lon_idx \(categoryCode=\? AND lat>\? AND lat<\?\)/,
    );
  });

  it("hands out events not yet notified, oldest first, and marks them", async () => {
    const { report } = await fixture();
    const a = await addEvent({ reportId: report.id, toStatus: "new" });
    const b = await addEvent({ reportId: report.id, fromStatus: "new", toStatus: "verification", note: "n", publicNote: "p", actorId: null });
    await addEvent({ reportId: report.id, toStatus: "new", notifiedAt: created });
    expect((await store.pendingEvents(10)).map((e) => e.id)).toEqual([a.id, b.id]);
    expect(await store.pendingEvents(1)).toEqual([
      { id: a.id, reportId: report.id, kind: "status", actorId: null, toStatus: "new", fromStatus: null, note: null, publicNote: null, fileId: null },
    ]);
    expect(await store.lastChange(report.id)).toBe(b.id);
    await store.markNotified([a.id, b.id], created);
    expect(await store.pendingEvents(10)).toEqual([]);
    expect((await db.selectFrom("ReportEvent").select("notifiedAt").where("id", "=", b.id).executeTakeFirstOrThrow()).notifiedAt).toEqual(created);
  });

  it("queues messages once per dedupe key, and records the card's message id", async () => {
    const { report } = await fixture();
    const message = {
      dedupeKey: `report:${report.id}:card`,
      chatId: -1001000000001n,
      kind: "moderation_card",
      message: { method: "sendMessage" as const, text: "karta" },
    };
    expect(await store.enqueue([message], created)).toBe(1);
    expect(await store.enqueue([message], created)).toBe(0);
    const row = await db.selectFrom("Delivery").selectAll().where("dedupeKey", "=", message.dedupeKey).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ chatId: -1001000000001, status: "pending", kind: "moderation_card", notBefore: created });
    expect(JSON.parse(row.payload)).toEqual({ method: "sendMessage", text: "karta", chat_id: -1001000000001 });
    await store.setModerationMessageId(report.id, 777, created);
    expect((await db.selectFrom("Report").select("moderationMessageId").where("id", "=", report.id).executeTakeFirstOrThrow()).moderationMessageId).toBe(777);
  });
});
