import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDb, type Db } from "../../src/db/client.js";
import { HotPath } from "../../src/db/hotPath.js";
import { applyMigrations } from "../../src/db/connection.js";
import { NEARBY_COUNT_SQL, NotifierStore } from "../../src/db/notifierStore.js";
import { NEARBY_ACTIVE_SQL } from "../../src/db/reportStore.js";

// The notifier reads with prepared statements what Prisma wrote: every field must come back as Prisma has it.
describe("the notifier's store (prepared statements beside Prisma)", () => {
  let dir: string;
  let db: Db;
  let hot: HotPath;
  let store: NotifierStore;
  const created = new Date("2026-11-27T10:00:00.123Z");

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dz-notifier-"));
    const url = `file:${path.join(dir, "t.db")}`;
    applyMigrations(url);
    db = await openDb(url);
    hot = new HotPath(url);
    store = new NotifierStore(hot);
  });
  afterEach(async () => {
    hot.close();
    await db.$disconnect();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function fixture() {
    const unit = await db.unit.create({ data: { code: "KMP", kind: "city", name: "KMP Bielsko-Biała", address: "ul. Wapienna 6" } });
    // An id beyond 2^53: it must survive as a bigint, digit for digit.
    const officerUser = await db.user.create({ data: { telegramId: 9_007_199_254_740_993n, language: "en", languageCode: "uk" } });
    const officer = await db.officer.create({
      data: { code: "O1", rank: "asp.", firstName: "Jan", lastName: "Nowak", unitId: unit.id, userId: officerUser.id },
    });
    const district = await db.district.create({ data: { number: "7", name: "Złote Łany", unitId: unit.id, officerId: officer.id, geometry: "{}" } });
    const reporter = await db.user.create({ data: { telegramId: 1001n, languageCode: "pl" } });
    const follower = await db.user.create({ data: { telegramId: 1002n, blocked: true } });
    const base = { categoryCode: "parking", lat: 49.8, lon: 19.05, address: "Cieszyńska 10", placeSource: "pin", reporterId: reporter.id } as const;
    const original = await db.report.create({ data: { ...base, ref: "BB-2026-000001", submissionKey: "a", status: "confirmed" } });
    const report = await db.report.create({
      data: {
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
      },
    });
    await db.reportFollower.createMany({
      data: [
        { reportId: report.id, userId: reporter.id, kind: "reporter", createdAt: new Date(created.getTime() + 1) },
        { reportId: report.id, userId: follower.id, kind: "confirmation", createdAt: new Date(created.getTime() + 2) },
      ],
    });
    return { officerUser, reporter, follower, original, report };
  }

  it("reads a report with its district, officer and followers exactly as Prisma wrote them", async () => {
    const { officerUser, reporter, follower, report } = await fixture();
    expect(store.report(report.id)).toEqual({
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
          user: { id: officerUser.id, telegramId: 9_007_199_254_740_993n, blocked: false, language: "en", languageCode: "uk" },
        },
      },
      followers: [
        { userId: reporter.id, kind: "reporter", user: { id: reporter.id, telegramId: 1001n, blocked: false, language: null, languageCode: "pl" } },
        { userId: follower.id, kind: "confirmation", user: { id: follower.id, telegramId: 1002n, blocked: true, language: null, languageCode: null } },
      ],
    });
    expect(store.report(report.id + 100)).toBeNull();
  });

  it("reads a report without district, officer or merge as nulls", async () => {
    const reporter = await db.user.create({ data: { telegramId: 5n } });
    const report = await db.report.create({
      data: {
        ref: "BB-2026-000009",
        submissionKey: "z",
        categoryCode: "drugs",
        lat: 49.8,
        lon: 19,
        address: "x",
        placeSource: "address",
        reporterId: reporter.id,
      },
    });
    expect(store.report(report.id)).toMatchObject({
      district: null,
      mergedIntoRef: null,
      moderationMessageId: null,
      contactConsent: false,
      description: null,
      followers: [],
    });
  });

  it("counts the reporter's reports and the confirmed ones, and other reports of the category nearby", async () => {
    const { reporter, report, original } = await fixture();
    expect(store.reporterRecord(reporter.id)).toEqual({ total: 2, confirmed: 1 });
    expect(store.reporterRecord(reporter.id + 1000)).toEqual({ total: 0, confirmed: 0 });
    // The original sits on the same point: one neighbour; the report itself never counts.
    expect(store.nearby(report)).toBe(1);
    expect(store.nearby({ ...report, categoryCode: "drugs" })).toBe(0);
    expect(store.nearby({ ...original, lat: original.lat + 0.02 })).toBe(0);
  });

  it("looks for reports nearby through the (category, lat, lon) index, not by scanning the category", () => {
    const params = { category: "parking", id: 1, exclude: 1, south: 49.8, north: 49.81, west: 19, east: 19.01 };
    for (const sql of [NEARBY_ACTIVE_SQL, NEARBY_COUNT_SQL]) {
      const plan = hot.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[];
      expect(plan.map((p) => p.detail).join("; ")).toMatch(/USING (COVERING )?INDEX Report_categoryCode_lat_lon_idx \(categoryCode=\? AND lat>\? AND lat<\?\)/);
    }
  });

  it("hands out events not yet notified, oldest first, and marks them", async () => {
    const { report } = await fixture();
    const a = await db.reportEvent.create({ data: { reportId: report.id, toStatus: "new" } });
    const b = await db.reportEvent.create({
      data: { reportId: report.id, fromStatus: "new", toStatus: "verification", note: "n", publicNote: "p", actorId: null },
    });
    await db.reportEvent.create({ data: { reportId: report.id, toStatus: "new", notifiedAt: created } });
    expect(store.pendingEvents(10).map((e) => e.id)).toEqual([a.id, b.id]);
    expect(store.pendingEvents(1)).toEqual([
      { id: a.id, reportId: report.id, kind: "status", actorId: null, toStatus: "new", fromStatus: null, note: null, publicNote: null, fileId: null },
    ]);
    expect(store.lastChange(report.id)).toBe(b.id);
    store.markNotified([a.id, b.id], created);
    expect(store.pendingEvents(10)).toEqual([]);
    expect((await db.reportEvent.findUniqueOrThrow({ where: { id: b.id } })).notifiedAt).toEqual(created);
  });

  it("queues messages once per dedupe key, readable by Prisma, and records the card's message id", async () => {
    const { report } = await fixture();
    const message = {
      dedupeKey: `report:${report.id}:card`,
      chatId: -1001000000001n,
      kind: "moderation_card",
      message: { method: "sendMessage" as const, text: "karta" },
    };
    expect(store.enqueue([message], created)).toBe(1);
    expect(store.enqueue([message], created)).toBe(0);
    const row = await db.delivery.findUniqueOrThrow({ where: { dedupeKey: message.dedupeKey } });
    expect(row).toMatchObject({ chatId: -1001000000001n, status: "pending", kind: "moderation_card", notBefore: created });
    expect(JSON.parse(row.payload)).toEqual({ method: "sendMessage", text: "karta", chat_id: -1001000000001 });
    store.setModerationMessageId(report.id, 777, created);
    expect((await db.report.findUniqueOrThrow({ where: { id: report.id } })).moderationMessageId).toBe(777);
  });
});
