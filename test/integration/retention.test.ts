import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/connection.js";
import { applyRetention, claimDailyRun } from "../../src/services/retention.js";
import { openTempDatabase } from "../support/database.js";

// The retention job's own guarantees, beside the end-to-end story (test/e2e/retention.test.ts): once a day by the
// app's clock, and a run stopped by the app leaves no stripped report with a stale card.
const DAY = 86_400_000;

describe("the retention job", () => {
  let close: () => Promise<void>;
  let db: Database;
  const now = new Date("2029-03-01T10:00:00.000Z");

  beforeEach(async () => {
    ({ db, close } = await openTempDatabase("dz-retention-"));
  });
  afterEach(() => close());

  it("runs once a day by the app's clock, and again if the clock went back", async () => {
    expect(await claimDailyRun(db, now)).toBe(true);
    expect(await claimDailyRun(db, new Date(now.getTime() + DAY - 1))).toBe(false);
    expect(await claimDailyRun(db, new Date(now.getTime() + DAY))).toBe(true);
    expect(await claimDailyRun(db, new Date(now.getTime() + DAY + 3600_000))).toBe(false);
    expect(await claimDailyRun(db, new Date(now.getTime() - 3600_000))).toBe(true);
  });

  it("stopped by the app, ends after a step with the cards of what it stripped brought up to date; the next run goes on", async () => {
    const old = new Date(now.getTime() - 800 * DAY);
    const { id: userId } = await db.insertInto("User").values({ telegramId: 501, firstSeen: now, lastSeen: now }).returning("id").executeTakeFirstOrThrow();
    for (let i = 0; i < 25; i++) {
      const { id } = await db
        .insertInto("Report")
        .values({
          ref: `BB-2027-${String(i + 1).padStart(6, "0")}`,
          categoryCode: "parking",
          status: "not_confirmed",
          lat: 49.8,
          lon: 19.0,
          address: "Karpacka, Bielsko-Biała",
          placeSource: "pin",
          description: `Opis ${i}`,
          reporterId: userId,
          submissionKey: `k${i}`,
          moderationMessageId: 100 + i,
          createdAt: old,
          updatedAt: old,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await db
        .insertInto("ReportEvent")
        .values([
          { reportId: id, kind: "status", toStatus: "new", createdAt: old, notifiedAt: old },
          { reportId: id, kind: "status", fromStatus: "new", toStatus: "verification", createdAt: old, notifiedAt: old },
          { reportId: id, kind: "status", fromStatus: "verification", toStatus: "not_confirmed", createdAt: old, notifiedAt: old },
        ])
        .execute();
    }
    const refreshed: string[] = [];
    const deps = {
      db,
      notifier: {
        flush: async () => undefined,
        recordSent: async (event: { dedupeKey: string }) => void refreshed.push(event.dedupeKey),
      },
    };
    const stop = new AbortController();
    stop.abort();

    const first = await applyRetention(deps, { now, days: 730, signal: stop.signal });
    expect(first).toMatchObject({ interrupted: true, reports: 10, cards: 10 });
    const stripped = await db.selectFrom("Report").select("id").where("wordsRemovedAt", "is not", null).orderBy("id").execute();
    expect(stripped).toHaveLength(10);
    expect(refreshed).toEqual(stripped.map((r) => `report:${r.id}:card`));

    const second = await applyRetention(deps, { now, days: 730 });
    expect(second).toMatchObject({ reports: 15, cards: 15 });
    expect(second.interrupted).toBeUndefined();
    expect(await db.selectFrom("Report").select("description").where("description", "is not", null).execute()).toEqual([]);
    expect(new Set(refreshed).size).toBe(25);
  });
});
