import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { exclusive, openDb, writeTransaction, type Db } from "../../src/db/client.js";
import { SqliteGeocodeCache } from "../../src/db/geocodeCache.js";
import { HotPath } from "../../src/db/hotPath.js";
import { applyMigrations } from "../../src/db/connection.js";
import { ReportStore, type ReportDraft } from "../../src/db/reportStore.js";

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

// The store writes with prepared statements what Prisma reads: the rows must be exactly Prisma's.
describe("the report form's store (prepared statements beside Prisma)", () => {
  let dir: string;
  let db: Db;
  let hot: HotPath;
  let store: ReportStore;
  let reporterId: number;
  let neighbourId: number;
  const now = new Date("2026-11-27T10:00:00Z");

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dz-store-"));
    const url = `file:${path.join(dir, "t.db")}`;
    applyMigrations(url);
    db = await openDb(url);
    hot = new HotPath(url);
    store = new ReportStore(hot);
    reporterId = (await db.user.create({ data: { telegramId: 1n } })).id;
    neighbourId = (await db.user.create({ data: { telegramId: 2n } })).id;
  });
  afterEach(async () => {
    hot.close();
    await db.$disconnect();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const create = (key: string, over: Partial<ReportDraft> = {}, who = reporterId, at = now) =>
    store.create({ draft: draft(over), districtId: null, reporterId: who, submissionKey: key, prefix: "BB", now: at });

  it("stores a report Prisma reads back field for field, with its event and its reporter as follower", async () => {
    const made = await create("k1");
    expect(made).toMatchObject({ ref: "BB-2026-000001", created: true });
    const report = await db.report.findUniqueOrThrow({ where: { id: made.id }, include: { events: true, followers: true } });
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
    expect(report.events).toMatchObject([{ kind: "status", toStatus: "new", fromStatus: null, actorId: reporterId, notifiedAt: null }]);
    expect(report.followers).toMatchObject([{ userId: reporterId, kind: "reporter" }]);
  });

  it("makes one report per submission key, and numbers the next one on", async () => {
    const first = await create("k1");
    const again = await create("k1");
    expect(again).toEqual({ id: first.id, ref: first.ref, created: false });
    expect((await create("k2", { lat: 49.8 })).ref).toBe("BB-2026-000002");
  });

  it("never hands a resident someone else's report when their forms' keys collide", async () => {
    const mine = await create("same-key");
    const theirs = await create("same-key", { lat: 49.81 }, neighbourId);
    expect(theirs.created).toBe(true);
    expect(theirs.ref).not.toBe(mine.ref);
    expect((await db.report.findUniqueOrThrow({ where: { id: theirs.id } })).reporterId).toBe(neighbourId);
    // The reporter's own replay still finds their report.
    expect(await create("same-key")).toEqual({ id: mine.id, ref: mine.ref, created: false });
  });

  it("numbers reports by the year in Poland: 1 January 00:30 Warsaw time is the new year's series, even on a UTC server", async () => {
    const newYear = await create("ny", {}, reporterId, new Date("2026-12-31T23:30:00Z"));
    expect(newYear.ref).toBe("BB-2027-000001");
    const lastYear = await create("ly", { lat: 49.81 }, reporterId, new Date("2026-12-31T22:30:00Z"));
    expect(lastYear.ref).toMatch(/^BB-2026-/);
  });

  it("rolls the report back when the form's own write in the same transaction fails", async () => {
    await expect(
      store.create({ draft: draft(), districtId: null, reporterId, submissionKey: "k1", prefix: "BB", now }, () => {
        throw new Error("disk full");
      }),
    ).rejects.toThrow("disk full");
    expect(await db.report.count()).toBe(0);
  });

  it("counts a resident's reports of the last 24 hours only", async () => {
    await create("old", {}, reporterId, new Date(now.getTime() - 25 * 3600_000));
    await create("new", { lat: 49.81 }, reporterId, new Date(now.getTime() - 3600_000));
    expect(store.countRecent(reporterId, now)).toBe(1);
    expect(store.countRecent(neighbourId, now)).toBe(0);
  });

  it("finds the closest active report of the category within 250 m, never the resident's own", async () => {
    const near = await create("near", { lat: 49.8225 + 0.001 }); // ~111 m north
    await create("far", { lat: 49.8225 + 0.003 }); // ~333 m
    await create("other-category", { categoryCode: "speeding" });
    const found = store.findNearbyActive("parking", 49.8225, 19.0444, neighbourId);
    expect(found).toMatchObject({ id: near.id, status: "new" });
    expect(found!.distanceM).toBeGreaterThan(100);
    expect(found!.distanceM).toBeLessThan(120);
    expect(store.findNearbyActive("parking", 49.8225, 19.0444, reporterId)).toBeNull();
    await db.report.update({ where: { id: near.id }, data: { status: "rejected" } });
    expect(store.findNearbyActive("parking", 49.8225, 19.0444, neighbourId)).toBeNull();
  });

  it("adds a confirmation once, however often it is pressed", async () => {
    const report = await create("k1");
    const confirm = { reportId: report.id, userId: neighbourId, now, note: null, photos: [] };
    expect(await store.confirm(confirm)).toBe(1);
    expect(await store.confirm(confirm)).toBe(1);
    const followers = await db.reportFollower.findMany({ where: { reportId: report.id }, orderBy: { kind: "asc" } });
    expect(followers.map((f) => f.kind)).toEqual(["confirmation", "reporter"]);
    const events = await db.reportEvent.findMany({ where: { reportId: report.id, kind: "confirmation" } });
    expect(events).toHaveLength(1);
  });

  it("keeps what the confirming resident wrote as additions Prisma reads back, in the confirmation's transaction", async () => {
    const report = await create("k1");
    await db.report.update({ where: { id: report.id }, data: { status: "verification" } });
    await store.confirm({ reportId: report.id, userId: neighbourId, now, note: "Opis: Też to widzę", photos: ["p-1", "p-2"] });
    const events = await db.reportEvent.findMany({ where: { reportId: report.id, kind: { not: "status" } }, orderBy: { id: "asc" } });
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
    expect(await db.reportEvent.count({ where: { reportId: report.id, kind: { not: "status" } } })).toBe(4);
  });

  it("never offers a report of a category that is never public, nor an unconfirmed one that is public only once confirmed", async () => {
    await create("drugs", { categoryCode: "drugs" });
    expect(store.findNearbyActive("drugs", 49.8225, 19.0444, neighbourId)).toBeNull();
    const party = await create("party", { categoryCode: "dangerous_entertainment" });
    expect(store.findNearbyActive("dangerous_entertainment", 49.8225, 19.0444, neighbourId)).toBeNull();
    await db.report.update({ where: { id: party.id }, data: { status: "confirmed" } });
    expect(store.findNearbyActive("dangerous_entertainment", 49.8225, 19.0444, neighbourId)).toMatchObject({ id: party.id });
  });

  it("waits for a lock held by this process's own Prisma transaction, without freezing or failing", async () => {
    // A chain resuming through process.nextTick (as stream events do) runs between the statements of a Prisma
    // interactive transaction, which holds the write lock from its first write to its commit.
    const collide = async (attempt: (i: number) => Promise<void> | void) => {
      let stop = false;
      let failures = 0;
      const other = (async () => {
        for (let i = 0; !stop; i++) {
          await new Promise((resolve) => process.nextTick(resolve));
          try {
            await attempt(i);
          } catch {
            failures++;
          }
        }
      })();
      for (let i = 0; i < 10; i++) {
        await db.$transaction(async (tx) => {
          await tx.user.update({ where: { id: neighbourId }, data: { firstName: `a${i}` } });
          await tx.user.findUnique({ where: { id: neighbourId } });
          await tx.user.update({ where: { id: neighbourId }, data: { firstName: `b${i}` } });
        });
      }
      stop = true;
      await other;
      return failures;
    };
    // The scenario is real: a bare synchronous write meets the lock taken (busy_timeout is 0 on this connection).
    expect(await collide((i) => hot.putConversation(`k${i % 3}`, "v"))).toBeGreaterThan(0);
    // Through write(), every one waits its turn and succeeds.
    expect(await collide((i) => hot.writeConversation(`k${i % 3}`, "v"))).toBe(0);
  });

  it("keeps a read-then-write Prisma transaction whole when the hot path commits in between", async () => {
    // The hot path runs whenever a Prisma transaction waits on process.nextTick; here it commits right there.
    const readThenWrite = async (tx: Parameters<Parameters<typeof writeTransaction>[1]>[0], hotWrites: Promise<void>[], value: string) => {
      await tx.user.findUnique({ where: { id: neighbourId } });
      hotWrites.push(hot.writeConversation("between", value));
      await tx.user.update({ where: { id: neighbourId }, data: { firstName: value } });
    };
    const hotWrites: Promise<void>[] = [];
    // Prisma's own deferred transaction cannot upgrade its stale read to a write: it fails.
    await expect(db.$transaction((tx) => readThenWrite(tx, hotWrites, "plain"))).rejects.toThrow();
    // Holding the lock from the start, the transaction commits and the hot-path write waits its turn.
    await writeTransaction(db, (tx) => readThenWrite(tx, hotWrites, "locked"));
    await Promise.all(hotWrites);
    expect((await db.user.findUniqueOrThrow({ where: { id: neighbourId } })).firstName).toBe("locked");
    expect(hot.readConversation("between")).toBe("locked");
  });

  it("keeps a statement out of a transaction that is open meanwhile, so its rollback cannot undo it", async () => {
    // Prisma's adapter has one connection: whatever runs while a transaction is open becomes part of it.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const failing = writeTransaction(db, async (tx) => {
      await tx.user.update({ where: { id: neighbourId }, data: { firstName: "inside" } });
      await held;
      throw new Error("rolled back");
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const joined = db.user.create({ data: { telegramId: 77n } }).then(() => undefined);
    const kept = exclusive(db, () => db.user.create({ data: { telegramId: 78n } }));
    release();
    await expect(failing).rejects.toThrow("rolled back");
    await Promise.all([joined, kept]);
    const ids = (await db.user.findMany({ where: { telegramId: { in: [77n, 78n] } } })).map((u) => u.telegramId);
    // The bare statement went down with the transaction; the one that waited its turn is there.
    expect(ids).toEqual([78n]);
  });

  it("keeps the first geocoding answer for a key", async () => {
    const cache = new SqliteGeocodeCache(hot);
    expect(cache.get("reverse:1,2")).toBeUndefined();
    await cache.put("reverse:1,2", JSON.stringify("Cieszyńska 10"), now);
    await cache.put("reverse:1,2", JSON.stringify("something else"), now);
    expect(JSON.parse(cache.get("reverse:1,2")!)).toBe("Cieszyńska 10");
  });
});
