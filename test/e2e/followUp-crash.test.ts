import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, openDatabase } from "../../src/db/connection.js";
import { prng } from "../../src/emulator/prng.js";
import { FakeNominatim } from "../support/fakeNominatim.js";
import { FakeTelegram, textOf } from "../support/fakeTelegram.js";
import { TOKEN } from "../support/app.js";
import { botProcess, until } from "../support/botProcess.js";
import { newTestDatabase } from "../support/testDatabase.js";

/**
 * Issue 17's acceptance: "nobody asked twice after a restart (SIGKILL mid-send)". The bot asks 60 residents about
 * reports confirmed four weeks ago and is killed at random moments while it sends; each restart goes on where the
 * last stopped. Every resident is asked, and only rows in flight at a kill (the worker's concurrency) may arrive twice.
 */
const RESIDENTS = 60;
const WORKER_CONCURRENCY = 8;
const DAY = 24 * 3600_000;

describe("follow-up questions killed with SIGKILL mid-send", () => {
  let tg: FakeTelegram;
  let nominatim: FakeNominatim;
  let dir: string;
  let env: Record<string, string>;
  let bot: ReturnType<typeof botProcess> | undefined;
  const residents: number[] = Array.from({ length: RESIDENTS }, (_, i) => 93_000 + i);

  beforeAll(async () => {
    tg = await FakeTelegram.start();
    nominatim = await FakeNominatim.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dzielnicowy-followup-kill-"));
    const databaseUrl = (await newTestDatabase(dir, "kill")).url;
    env = {
      BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: tg.apiRoot,
      NOMINATIM_URL: nominatim.url,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: "warn",
      // Slow enough that the kills land mid-send.
      DELIVERY_PER_SECOND: "30",
    };
    bot = botProcess(env);
    await applyMigrations(databaseUrl);
    const db = openDatabase(databaseUrl);
    const now = new Date();
    await db.transaction().execute(async (tx) => {
      for (const [i, telegramId] of residents.entries()) {
        const user = await tx
          .insertInto("User")
          .values({ telegramId, firstName: `Mieszkaniec ${telegramId}`, languageCode: "pl", firstSeen: now, lastSeen: now })
          .returning("id")
          .executeTakeFirstOrThrow();
        const verifiedAt = new Date(now.getTime() - 29 * DAY);
        const report = await tx
          .insertInto("Report")
          .values({
            ref: `BB-2026-${String(i + 1).padStart(6, "0")}`,
            categoryCode: "parking",
            status: "confirmed",
            lat: 49.81 + i * 0.001,
            lon: 19.02,
            address: "ul. Cieszyńska 10, Bielsko-Biała",
            placeSource: "pin",
            reporterId: user.id,
            submissionKey: `followup-kill-${i}`,
            firstReviewedAt: new Date(verifiedAt.getTime() - DAY),
            verifiedAt,
            statusChangedAt: verifiedAt,
            createdAt: new Date(verifiedAt.getTime() - 2 * DAY),
            updatedAt: verifiedAt,
          })
          .returning("id")
          .executeTakeFirstOrThrow();
        await tx.insertInto("ReportFollower").values({ reportId: report.id, userId: user.id, kind: "reporter", createdAt: now }).execute();
      }
    });
    await db.destroy();
  });
  afterAll(async () => {
    await bot?.kill();
    await tg?.stop();
    await nominatim?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const start = () => bot!.start();
  const kill = () => bot!.kill();
  const questionsPerResident = () => {
    const perChat = new Map<number, number>();
    for (const c of tg.callsOf("sendMessage")) {
      const chat = Number(c.payload.chat_id);
      if (residents.includes(chat) && textOf(c).includes("Czy problem nadal występuje?")) perChat.set(chat, (perChat.get(chat) ?? 0) + 1);
    }
    return perChat;
  };
  const asked = () => [...questionsPerResident().values()].reduce((a, b) => a + b, 0);

  it("asks every resident, killed three times mid-send; only rows in flight at a kill may arrive twice", async () => {
    const random = prng(17_03);
    let kills = 0;
    for (const share of [0.15, 0.45, 0.75]) {
      start();
      const target = Math.floor(RESIDENTS * share) + Math.floor(random() * 5);
      await until(() => asked() >= target, 30_000, `${target} questions`);
      await kill();
      kills++;
      // Answers to requests that reached the fake before the kill are recorded too.
      await new Promise((r) => setTimeout(r, 150));
      expect(questionsPerResident().size, `after kill ${kills}`).toBeLessThan(RESIDENTS);
    }
    start();
    await until(() => questionsPerResident().size === RESIDENTS, 30_000, "every resident to be asked");
    // One more scheduler period (5 s) and a restart: nothing is asked again.
    await new Promise((r) => setTimeout(r, 6_000));
    await kill();
    start();
    await new Promise((r) => setTimeout(r, 7_000));
    await kill();

    const counts = [...questionsPerResident().values()];
    expect(counts).toHaveLength(RESIDENTS);
    expect(Math.max(...counts)).toBeLessThanOrEqual(2);
    expect(asked() - RESIDENTS, "questions sent twice (rows in flight at the kills)").toBeLessThanOrEqual(kills * WORKER_CONCURRENCY);
    const db = openDatabase(env.DATABASE_URL!, { readonly: true });
    try {
      expect(await db.selectFrom("ReportFollowUp").select("id").execute()).toHaveLength(RESIDENTS);
      expect(await db.selectFrom("Report").select("id").where("followUpAt", "is", null).execute()).toHaveLength(0);
    } finally {
      await db.destroy();
    }
  }, 180_000);
});
