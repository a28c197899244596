// Issue 5: status transitions per second, each with its stored event and its queued notifications
// (the resident's status message, the officer's assignment, the moderators' card edit) in the outbox.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { Notifier } from "../src/bot/notifier.js";
import { configFor } from "../src/config.js";
import { openDb } from "../src/db/client.js";
import { applyMigrations, openDatabase } from "../src/db/connection.js";
import { createI18n } from "../src/i18n/index.js";
import { createLogger } from "../src/logger.js";
import { loadSampleIfEmpty } from "../src/services/districtImport.js";
import { transition } from "../src/services/moderation.js";
import { HotPath } from "../src/db/hotPath.js";
import { NotifierStore } from "../src/db/notifierStore.js";
import { ReportStore } from "../src/db/reportStore.js";
import { round } from "./support.js";

export async function benchModeration(opts: { reports?: number } = {}): Promise<Record<string, number | string>> {
  const count = opts.reports ?? Number(process.env.BENCH_REPORTS ?? 2000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dz-bench-mod-"));
  const url = `file:${path.join(dir, "b.db")}`;
  applyMigrations(url);
  const db = await openDb(url);
  try {
    await loadSampleIfEmpty(db);
    const config = configFor({ DATABASE_URL: url, MODERATION_CHAT_ID: "-1001000000001" });
    const logger = createLogger("warn", undefined, new Writable({ write: (_c, _e, cb) => cb() }));
    const hot = new HotPath(url);
    const kdb = openDatabase(url);
    const notifier = new Notifier({
      store: new NotifierStore(kdb),
      i18n: await createI18n("pl"),
      logger,
      config,
      now: () => new Date(),
      wakeOutbox: () => undefined,
    });
    const admin = await db.user.create({ data: { telegramId: 1n, role: "admin" } });
    const district = await db.district.findFirstOrThrow({ where: { number: "1" }, include: { officer: true } });
    const officerUser = await db.user.create({ data: { telegramId: 2n, role: "officer" } });
    await db.officer.update({ where: { id: district.officerId! }, data: { userId: officerUser.id } });
    const store = new ReportStore(hot);
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      const reporter = await db.user.create({ data: { telegramId: BigInt(1000 + i) } });
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
        reporterId: reporter.id,
        submissionKey: `bench-${i}`,
        prefix: "BB",
        now: new Date(),
      });
      ids.push(report.id);
    }
    await notifier.flush(); // the creation events: the cards
    await db.report.updateMany({ data: { moderationMessageId: 777 } });
    const before = await db.delivery.count();
    const actor = { userId: admin.id, role: "admin", officerId: null };
    const started = performance.now();
    for (const id of ids) {
      const outcome = await transition(db, { reportId: id, to: "verification", expected: "new", actor, now: new Date() });
      if (!outcome.ok) throw new Error(`transition refused: ${outcome.reason}`);
      await notifier.flush();
    }
    const seconds = (performance.now() - started) / 1000;
    const queued = (await db.delivery.count()) - before;
    hot.close();
    await kdb.destroy();
    return {
      transitions: count,
      "transitions/s (event + notifications queued)": round(count / seconds),
      "outbox rows queued per transition": round(queued / count, 2),
      "ms per transition": round((seconds * 1000) / count, 2),
    };
  } finally {
    await db.$disconnect();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await benchModeration());
