// Issue 5: status transitions per second, each with its stored event and its queued notifications
// (the resident's status message, the officer's assignment, the moderators' card edit) in the outbox.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { Notifier } from "../src/bot/notifier.js";
import { configFor } from "../src/config.js";
import { applyMigrations, openDatabase } from "../src/db/connection.js";
import { createI18n } from "../src/i18n/index.js";
import { createLogger } from "../src/logger.js";
import { loadSampleIfEmpty } from "../src/services/districtImport.js";
import { transition } from "../src/services/moderation.js";
import { NotifierStore } from "../src/db/notifierStore.js";
import { ReportStore } from "../src/db/reportStore.js";
import { round } from "./support.js";

export async function benchModeration(opts: { reports?: number } = {}): Promise<Record<string, number | string>> {
  const count = opts.reports ?? Number(process.env.BENCH_REPORTS ?? 2000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dz-bench-mod-"));
  const url = `file:${path.join(dir, "b.db")}`;
  await applyMigrations(url);
  const db = openDatabase(url);
  try {
    await loadSampleIfEmpty(db);
    const config = configFor({ DATABASE_URL: url, MODERATION_CHAT_ID: "-1001000000001" });
    const logger = createLogger("warn", undefined, new Writable({ write: (_c, _e, cb) => cb() }));
    const notifier = new Notifier({
      store: new NotifierStore(db),
      i18n: await createI18n("pl"),
      logger,
      config,
      now: () => new Date(),
      wakeOutbox: () => undefined,
    });
    const now = new Date();
    const addUser = async (telegramId: number, role: string) =>
      (await db.insertInto("User").values({ telegramId, role, firstSeen: now, lastSeen: now }).returning("id").executeTakeFirstOrThrow()).id;
    const adminId = await addUser(1, "admin");
    const district = await db.selectFrom("District").select(["id", "officerId"]).where("number", "=", "1").executeTakeFirstOrThrow();
    const officerUserId = await addUser(2, "officer");
    await db.updateTable("Officer").set({ userId: officerUserId }).where("id", "=", district.officerId!).execute();
    // The cards are queued once, below, not report by report.
    const store = new ReportStore(db, { flush: async () => undefined });
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      const reporterId = await addUser(1000 + i, "resident");
      const report = await store.create({
        draft: {
          categoryCode: "parking",
          lat: 49.8141,
          lon: 19.0177,
          address: "Aleksandrowice",
          placeSource: "pin",
          timesOfDay: ["morning"],
          days: "everyday",
          description: "x",
          photos: [],
          contactConsent: false,
        },
        districtId: district.id,
        reporterId,
        submissionKey: `bench-${i}`,
        prefix: "BB",
        now: new Date(),
      });
      ids.push(report.id);
    }
    await notifier.flush(); // the creation events: the cards
    await db.updateTable("Report").set({ moderationMessageId: 777 }).execute();
    const deliveries = async () =>
      Number(
        (
          await db
            .selectFrom("Delivery")
            .select((eb) => eb.fn.countAll().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await deliveries();
    const actor = { userId: adminId, role: "admin", officerId: null };
    const started = performance.now();
    for (const id of ids) {
      // The transition queues its messages itself (the notifier's pass after the commit).
      const outcome = await transition({ db, notifier }, { reportId: id, to: "verification", expected: "new", actor, now: new Date() });
      if (!outcome.ok) throw new Error(`transition refused: ${outcome.reason}`);
    }
    const seconds = (performance.now() - started) / 1000;
    const queued = (await deliveries()) - before;
    return {
      transitions: count,
      "transitions/s (event + notifications queued)": round(count / seconds),
      "outbox rows queued per transition": round(queued / count, 2),
      "ms per transition": round((seconds * 1000) / count, 2),
    };
  } finally {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await benchModeration());
