// Issue 17: the district digest with 100,000 reports in the database (a year, bench/publicApi.ts's seed). In this
// process: one district's digest (its facts, text and both pictures), every sample district's in one go, the whole
// area's. Then the bot as `npm start` runs it, 100 residents offering 20 reports/s, with and without the district
// officers asking /digest back to back meanwhile (BENCH_REPEAT interleaved pairs): their p95 step latency side by side.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { composeDigest } from "../src/bot/digest.js";
import { configFor } from "../src/config.js";
import { openDatabase, type Database } from "../src/db/connection.js";
import { createI18n } from "../src/i18n/index.js";
import { benchReports, type BenchReportsOptions } from "./reports.js";
import { seedYearOfReports } from "./publicApi.js";
import { percentile, round, TOKEN } from "./support.js";
import type { FakeTelegram, FakeUser } from "../test/support/fakeTelegram.js";

const P95 = "step latency p95 (ms)";
/** The residents' pace as in the public API's bench: an input every 500 ms each, 20 reports/s. */
const BOT_PACE_MS = 500;
const OFFICER_IDS = 8_100_000_000;
/** Interleaved pairs of runs (without, with digests): BENCH_REPEAT, 3 unless set. */
const ROUNDS = Math.max(1, Number(process.env.BENCH_REPEAT ?? 3));

/** Every officer with a district gets an account (as after /link), so /digest answers them. */
async function linkOfficers(db: Database): Promise<FakeUser[]> {
  const officers = await db
    .selectFrom("Officer")
    .innerJoin("District", "District.officerId", "Officer.id")
    .select("Officer.id")
    .distinct()
    .orderBy("Officer.id")
    .execute();
  const now = new Date();
  const users: FakeUser[] = [];
  for (const o of officers) {
    const telegramId = OFFICER_IDS + o.id;
    const user = await db
      .insertInto("User")
      .values({ telegramId, firstName: `Dzielnicowy ${o.id}`, languageCode: "pl", role: "officer", firstSeen: now, lastSeen: now })
      .returning("id")
      .executeTakeFirstOrThrow();
    await db.updateTable("Officer").set({ userId: user.id }).where("id", "=", o.id).execute();
    users.push({ id: telegramId, first_name: `Dzielnicowy ${o.id}`, language_code: "pl" });
  }
  return users;
}

/**
 * Digest runs back to back until stopped: in each, every officer asks /digest at once (as the weekly run builds
 * every district's digest), and the next run starts when the last officer has the pictures. The whole window is
 * therefore "during a digest run".
 */
function digestRuns(tg: FakeTelegram, officers: FakeUser[]) {
  let stopped = false;
  const runs: number[] = [];
  const startedAt = performance.now();
  const loop = (async () => {
    while (!stopped) {
      const t0 = performance.now();
      await Promise.all(
        officers.map(async (officer) => {
          tg.sendCommand(officer, "digest");
          await tg.nextReply(officer.id, { timeout: 300_000 }); // the text
          await tg.nextReply(officer.id, { timeout: 300_000 }); // the two pictures
        }),
      );
      runs.push(performance.now() - t0);
    }
  })();
  return {
    async stop() {
      stopped = true;
      const seconds = (performance.now() - startedAt) / 1000;
      await loop;
      return {
        "digest runs during the residents' window (each: every officer's /digest at once)": runs.length,
        "digest run: all officers answered, median (s)": round(
          percentile(
            [...runs].sort((a, b) => a - b),
            50,
          ) / 1000,
        ),
        "digests per second": round((runs.length * officers.length) / seconds),
      };
    },
  };
}

export async function benchDigest(): Promise<Record<string, number | string>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dzielnicowy-bench-digest-"));
  const databaseUrl = `file:${path.join(dir, "bench.db")}`;
  try {
    const t0 = performance.now();
    await seedYearOfReports(databaseUrl);
    const db = openDatabase(databaseUrl);
    let officers: FakeUser[];
    const inProcess: Record<string, number | string> = {};
    try {
      officers = await linkOfficers(db);
      const seeded = (performance.now() - t0) / 1000;
      const config = configFor({ BOT_TOKEN: TOKEN, DATABASE_URL: databaseUrl });
      const i18n = await createI18n("pl");
      const deps = { db, i18n };
      const districts = await db.selectFrom("District").select(["id", "number", "name"]).orderBy("id").execute();
      const now = new Date();
      const one = (d: (typeof districts)[number]) =>
        composeDigest(deps, config, { scope: { kind: "districts", districtIds: [d.id] }, districts: [d], locale: "pl", now });
      await one(districts[0]!); // warm-up: the JIT, the first worker thread
      const single: number[] = [];
      for (let i = 0; i < 7; i++) {
        const s = performance.now();
        await one(districts[i % districts.length]!);
        single.push(performance.now() - s);
      }
      const all0 = performance.now();
      let pictureBytes = 0;
      for (const d of districts) {
        const { chart, map } = await one(d);
        pictureBytes += chart.png.length + map.png.length;
      }
      const allMs = performance.now() - all0;
      const area0 = performance.now();
      await composeDigest(deps, config, { scope: { kind: "area" }, districts: [], locale: "pl", now });
      const areaMs = performance.now() - area0;
      single.sort((a, b) => a - b);
      Object.assign(inProcess, {
        "reports in the database": `100,000 over 365 days (seeded in ${round(seeded)} s); ${districts.length} districts, ${officers.length} linked officers`,
        "one district's digest with both pictures: median / max of 7 (ms; target < 200)": `${round(percentile(single, 50))} / ${round(single.at(-1)!)}`,
        [`all ${districts.length} districts' digests in one go (s)`]: round(allMs / 1000),
        "all districts: per district (ms; target < 200)": round(allMs / districts.length),
        "pictures per digest, both (kB)": round(pictureBytes / districts.length / 1024),
        "the whole area's digest (coordinators) (ms)": round(areaMs),
      });
    } finally {
      await db.destroy();
    }
    const run = (alongside?: BenchReportsOptions["alongside"]) =>
      benchReports({ paceMs: BOT_PACE_MS, databaseUrl, env: { DIGEST_WEEKDAY: "off" }, ...(alongside ? { alongside } : {}) });
    // One pair of runs on this 2-core VM varies by ±20 % (0.97 to 1.53 with the same code): ROUNDS interleaved pairs,
    // and the target is read on the median of their ratios.
    const rounds: { unloaded: Record<string, number | string>; loaded: Record<string, number | string>; ratio: number }[] = [];
    const p95 = (t: Record<string, number | string>) => Number(t[P95]);
    for (let i = 0; i < ROUNDS; i++) {
      const unloaded = await run();
      const loaded = await run(({ tg }) => digestRuns(tg, officers));
      rounds.push({ unloaded, loaded, ratio: p95(loaded) / p95(unloaded) });
    }
    const median = [...rounds].sort((a, b) => a.ratio - b.ratio)[Math.floor(rounds.length / 2)]!;
    const each = (f: (r: (typeof rounds)[number]) => number | string) => rounds.map(f).join(" / ");
    return {
      ...inProcess,
      "bot: 100 residents offering 20 reports/s; rounds (each: without digests, then with)": ROUNDS,
      "their p95 step latency, no digests, each round (ms)": each((r) => p95(r.unloaded)),
      "their p95 step latency during digest runs, each round (ms)": each((r) => p95(r.loaded)),
      "no digests: median, p90 / p99, the median round (ms)": `${median.unloaded["step latency median (ms)"]}, ${median.unloaded["step latency p90 / p99 (ms)"]}`,
      "during digest runs: median, p90 / p99, the median round (ms)": `${median.loaded["step latency median (ms)"]}, ${median.loaded["step latency p90 / p99 (ms)"]}`,
      ...Object.fromEntries(Object.entries(median.loaded).filter(([k]) => k.includes("digest"))),
      "p95 with digests ÷ without, each round": each((r) => round(r.ratio, 2)),
      "p95 with digests ÷ without, median of the rounds (target ≤ 1.2)": round(median.ratio, 2),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
