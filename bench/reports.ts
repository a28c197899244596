// Issue 3: complete report conversations per second with 100 residents at once, and per-step latency.
// The bot runs as its own process, compiled and with `npm start`'s flags, as in production, with a moderators' group (each
// report then costs its card); the fake Telegram and Nominatim run in this process and play the residents,
// so the two share the machine's two cores.
// Issue 15: with `instances` > 1 or `webhook`, the bot runs as that many `npm start` processes in webhook mode behind a
// round-robin dispatcher (test/support/cluster.ts, also in this process), on `databaseUrl` (e.g. PostgreSQL).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { applyMigrations, isPostgresUrl, openDatabase } from "../src/db/connection.js";
import { loadSampleIfEmpty } from "../src/services/districtImport.js";
import { DEFAULT_POOL_SIZE } from "../src/config.js";
import { startCluster, type BotCluster } from "../test/support/cluster.js";
import { FakeNominatim } from "../test/support/fakeNominatim.js";
import { FakeTelegram, textOf, type FakeUser } from "../test/support/fakeTelegram.js";
import { npmStart, percentile, round, TOKEN } from "./support.js";

/** 100 by default (the figure); BENCH_RESIDENTS=1 or 10 shows the latency without contention. */
const RESIDENTS = Number(process.env.BENCH_RESIDENTS ?? 100);
/** Measured reports each resident makes, one after another, after the unmeasured warm-up reports (one per bot process). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
/**
 * 0: closed loop, every resident answers the instant the bot replies — the bot's capacity.
 * N: a resident's next input goes out N ms after their previous one (or at once if the reply came later),
 * so 100 residents offer a fixed load: with 10 steps a report, N = 200 offers 50 reports/s.
 */
const PACE_OVERRIDE = process.env.BENCH_PACE_MS === undefined ? undefined : Number(process.env.BENCH_PACE_MS);
/** A deployment has a moderators' group: every report then costs its card. BENCH_MODERATION=0 leaves it out. */
const MODERATION = process.env.BENCH_MODERATION !== "0";
const GROUP = { id: -1001000000001, type: "supergroup" as const, title: "Moderatorzy" };
/** One of the four most reported categories per round (first page of the keyboard): no round's report is a duplicate of another's. */
const CATEGORIES = ["Nieprawidłowe parkowanie", "Przekraczanie dozwolonej prędkości", "Spożywanie alkoholu", "Niewłaściwa infrastruktura drogowa"];

/** User + system CPU time of a process so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Step {
  startedAt: number;
  latencyMs: number;
}

export interface BenchReportsOptions {
  paceMs?: number;
  env?: Record<string, string>;
  /** The bot's database (default a fresh SQLite file); a PostgreSQL one must exist, the bot migrates it. */
  databaseUrl?: string;
  /** Bot processes (default 1); more than one runs in webhook mode behind a round-robin dispatcher. */
  instances?: number;
  /** Webhook mode behind the dispatcher even with one instance (like for like with several). */
  webhook?: boolean;
  /** CPU seconds the database server has used so far (PostgreSQL): reported per report beside the bot's. */
  databaseCpuSeconds?: () => number | undefined;
  /** Other load on the bot during the steady window (issue 16: the public API): started with it, its figures added. */
  alongside?: (bench: { tg: FakeTelegram }) => { stop(): Promise<Record<string, number | string>> };
}

export async function benchReports(opts: BenchReportsOptions = {}): Promise<Record<string, number | string>> {
  const PACE_MS = PACE_OVERRIDE ?? opts.paceMs ?? 0;
  const instances = opts.instances ?? 1;
  const webhook = opts.webhook || instances > 1;
  const tg = await FakeTelegram.start();
  if (MODERATION) tg.registerChat(GROUP);
  const nominatim = await FakeNominatim.start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dzielnicowy-bench-"));
  const databaseUrl = opts.databaseUrl ?? `file:${path.join(dir, "bench.db")}`;
  // As `npm start` runs it (compiled, its flags); BENCH_NODE_ARGS adds flags (e.g. --trace-gc, then the bot's output
  // is shown), BENCH_PROFILE a CPU profile.
  const nodeArgs = [
    ...npmStart().nodeFlags,
    ...(process.env.BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
    ...(process.env.BENCH_PROFILE ? ["--cpu-prof", "--cpu-prof-dir=/tmp/prof"] : []),
  ];
  const botEnv = {
    ...npmStart().env,
    BOT_TOKEN: TOKEN,
    TELEGRAM_API_ROOT: tg.apiRoot,
    NOMINATIM_URL: nominatim.url,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: "warn",
    REPORTS_PER_DAY: "1000",
    ...(MODERATION ? { MODERATION_CHAT_ID: String(GROUP.id) } : {}),
    ...opts.env,
  };
  let bot: ChildProcess | undefined;
  let cluster: BotCluster | undefined;
  if (webhook) {
    // Compiled once here: instances starting together would otherwise each compile a stale dist/ at once.
    const build = spawnSync(process.execPath, ["scripts/run.mjs", "--build"], { stdio: "inherit" });
    if (build.status !== 0) throw new Error("build failed");
    // The sample districts go in before the instances start: started together on an empty database, each would
    // load them, and an instance whose districts another's import replaced files reports against ids that are gone
    // (Report_districtId_fkey). A deployment imports its districts once, before scaling out.
    await applyMigrations(databaseUrl);
    const setup = openDatabase(databaseUrl);
    await loadSampleIfEmpty(setup);
    await setup.destroy();
    cluster = await startCluster({
      instances,
      databaseUrl,
      tg,
      nominatim,
      env: botEnv,
      command: process.execPath,
      args: [...nodeArgs, "scripts/run.mjs", "main"],
    });
  } else {
    bot = spawn(process.execPath, [...nodeArgs, "scripts/run.mjs", "main"], {
      env: { ...process.env, ...botEnv },
      stdio: ["ignore", process.env.BENCH_NODE_ARGS ? "inherit" : "ignore", "inherit"],
    });
  }
  const pids = cluster ? Array.from({ length: instances }, (_, i) => cluster.pid(i)!) : [bot!.pid!];
  const warmSteps: Step[] = [];
  const measuredSteps: Step[] = [];
  const completions: number[] = [];

  /** Sends one input and waits for the reply that proves the step was handled. */
  async function step(user: FakeUser, into: Step[], act: () => void, fragment: string): Promise<void> {
    const startedAt = performance.now();
    act();
    for (;;) {
      const call = await tg.nextReply(user.id, { timeout: 60_000 });
      if (textOf(call).includes(fragment)) break;
    }
    const latencyMs = performance.now() - startedAt;
    into.push({ startedAt, latencyMs });
    if (PACE_MS > latencyMs) await new Promise((r) => setTimeout(r, PACE_MS - latencyMs));
  }

  async function report(i: number, round: number, into: Step[]): Promise<void> {
    const user: FakeUser = { id: 8_000_000 + i, first_name: `Mieszkaniec ${i}`, language_code: "pl" };
    // Points ~300 m apart across the city, a category per round: no duplicate suggestion (250 m) interferes.
    const lat = 49.77 + Math.floor(round / CATEGORIES.length) * 0.033 + Math.floor(i / 10) * 0.003;
    const lon = 19.0 + (i % 10) * 0.0045;
    const s = (act: () => void, fragment: string) => step(user, into, act, fragment);
    await s(() => tg.sendCommand(user, "report"), "Czego dotyczy");
    await s(() => tg.pressButtonByText(user, CATEGORIES[round % CATEGORIES.length]!), "Gdzie to się dzieje");
    await s(() => tg.sendLocation(user, lat, lon), "O jakiej porze");
    await s(() => tg.pressButtonByText(user, "rano"), "");
    await s(() => tg.pressButtonByText(user, "Dalej →"), "W jakie dni");
    await s(() => tg.pressButtonByText(user, "codziennie"), "Opisz krótko");
    await s(() => tg.sendText(user, `Problem powtarza się codziennie rano przy przejściu (${i})`), "Zdjęcia");
    await s(() => tg.pressButtonByText(user, "Pomiń →"), "Kontakt");
    await s(() => tg.pressButtonByText(user, "Anonimowo"), "Sprawdź zgłoszenie");
    await s(() => tg.pressButtonByText(user, "Wyślij zgłoszenie"), "Zgłoszenie zostało przyjęte");
  }

  interface Mark {
    at: number;
    botCpu: number;
    databaseCpu: number | undefined;
    ownCpu: NodeJS.CpuUsage;
    calls: number;
    completions: number;
  }
  const mark = (): Mark => ({
    at: performance.now(),
    botCpu: pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0),
    databaseCpu: opts.databaseCpuSeconds?.(),
    ownCpu: process.cpuUsage(),
    calls: tg.calls.length,
    completions: completions.length,
  });

  try {
    await report(RESIDENTS + 1, 0, []); // the bot is up and has seen a whole report once
    // Each resident first makes unmeasured reports (the JIT warms up under the real load), one per bot process so
    // that each process has seen as many as a single one would, then ROUNDS measured ones. The steady state is the
    // window from the moment every resident is measuring until the first one is done: the load is whole there,
    // neither arriving nor leaving.
    let measuring = 0;
    let done = 0;
    let from: Mark | undefined;
    let to: Mark | undefined;
    let load: ReturnType<NonNullable<BenchReportsOptions["alongside"]>> | undefined;
    const arrival = (i: number) => new Promise((r) => setTimeout(r, PACE_MS ? (i / RESIDENTS) * PACE_MS * 10 : 0));
    const resident = async (i: number) => {
      await arrival(i);
      for (let r = 0; r < instances; r++) await report(i, r, warmSteps);
      if (++measuring === RESIDENTS) {
        from = mark();
        load = opts.alongside?.({ tg });
      }
      for (let r = instances; r < instances + ROUNDS; r++) {
        await report(i, r, measuredSteps);
        completions.push(performance.now());
      }
      if (++done === 1) {
        to = mark();
        loadFigures = await load?.stop();
      }
    };
    let loadFigures: Record<string, number | string> | undefined;
    await Promise.all(Array.from({ length: RESIDENTS }, (_, i) => resident(i)));
    if (!from || !to || to.at <= from.at) throw new Error("no steady window: raise BENCH_ROUNDS");
    const seconds = (to.at - from.at) / 1000;
    const reports = to.completions - from.completions;
    const ownCpuSeconds = (to.ownCpu.user + to.ownCpu.system - from.ownCpu.user - from.ownCpu.system) / 1e6;
    const calls = tg.calls.slice(from.calls, to.calls);
    const polls = calls.filter((c) => c.method === "getUpdates").length;
    const inWindow = measuredSteps.filter((s) => s.startedAt >= from!.at && s.startedAt < to!.at).map((s) => s.latencyMs);
    const cold = warmSteps.map((s) => s.latencyMs);
    const all = measuredSteps.map((s) => s.latencyMs);
    for (const list of [inWindow, cold, all]) list.sort((a, b) => a - b);
    const botCpuMs = ((to.botCpu - from.botCpu) / reports) * 1000;
    const databaseCpuMs = to.databaseCpu !== undefined && from.databaseCpu !== undefined ? ((to.databaseCpu - from.databaseCpu) / reports) * 1000 : undefined;
    const onPostgres = isPostgresUrl(databaseUrl);
    const db = openDatabase(databaseUrl);
    const count = async (query: Promise<{ n: unknown }>) => Number((await query).n);
    const stored = await count(
      db
        .selectFrom("Report")
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow(),
    );
    const cards = await count(
      db
        .selectFrom("Delivery")
        .select((eb) => eb.fn.countAll().as("n"))
        .where("kind", "=", "moderation_card")
        .executeTakeFirstOrThrow(),
    );
    await db.destroy();
    return {
      // Only the issue 15 runs gain rows at the top: the issue 3 tables stay as they were.
      ...(cluster
        ? {
            "database / bot processes": `${onPostgres ? "PostgreSQL" : "SQLite"} / ${instances} in webhook mode behind a round-robin dispatcher`,
            ...(onPostgres
              ? {
                  "connections per instance (DATABASE_POOL_SIZE)":
                    (botEnv as Record<string, string | undefined>).DATABASE_POOL_SIZE ?? process.env.DATABASE_POOL_SIZE ?? `${DEFAULT_POOL_SIZE} (default)`,
                }
              : {}),
            "webhook requests per instance": Array.from({ length: instances }, (_, i) => cluster.dispatched(i)).join(" / "),
          }
        : {}),
      "residents at once": RESIDENTS,
      pace: PACE_MS
        ? `an input every ${PACE_MS} ms per resident (offers ${round((RESIDENTS * 1000) / (PACE_MS * 10))} reports/s)`
        : "none: closed loop (capacity)",
      "moderators' group": MODERATION ? `configured: ${cards} cards queued (sent at 20/min)` : "none (BENCH_MODERATION=0)",
      "reports stored": `${stored} (1 + ${RESIDENTS} × ${instances} warm-up + ${RESIDENTS} × ${ROUNDS} measured)`,
      "steady window (s)": round(seconds, 2),
      "complete reports/s": round(reports / seconds),
      "step latency median (ms)": round(percentile(inWindow, 50)),
      "step latency p95 (ms)": round(percentile(inWindow, 95)),
      "step latency p90 / p99 (ms)": `${round(percentile(inWindow, 90))} / ${round(percentile(inWindow, 99))}`,
      "steps in window": inWindow.length,
      "all measured steps: median / p95 / max (ms)": `${round(percentile(all, 50))} / ${round(percentile(all, 95))} / ${round(all.at(-1) ?? NaN)}`,
      "warm-up reports (cold JIT): median / p95 (ms)": `${round(percentile(cold, 50))} / ${round(percentile(cold, 95))}`,
      "Bot API calls per report (of them getUpdates)": `${round(calls.length / reports)} (${round(polls / reports)})`,
      [instances > 1 ? `bot processes CPU per report, all ${instances} (ms)` : "bot process CPU per report (ms)"]: round(botCpuMs),
      ...(onPostgres
        ? {
            "PostgreSQL server CPU per report (ms)": databaseCpuMs === undefined ? "n/a (not the bench's own cluster)" : round(databaseCpuMs),
            "total CPU per report (bot + database)": databaseCpuMs === undefined ? "n/a" : round(botCpuMs + databaseCpuMs),
          }
        : webhook
          ? { "total CPU per report (bot + database)": round(botCpuMs) }
          : {}),
      [`fake servers + residents${webhook ? " + dispatcher" : ""} CPU per report (ms)`]: round((ownCpuSeconds / reports) * 1000),
      ...loadFigures,
      target: webhook ? "issue 15: PostgreSQL ≤ 2× SQLite's total CPU per report; 2 instances' reports/s ≥ 1 instance's" : "≥ 50 reports/s, p95 < 50 ms",
    };
  } catch (error) {
    // The instances' own words (their stdout is JSON logs at warn and above), else lost with the cluster.
    for (let i = 0; cluster && i < instances; i++) {
      const lines = [...cluster.stderr(i), ...cluster.stdout(i)].slice(-20);
      if (lines.length) console.error(`instance ${i}:\n${lines.join("\n")}`);
    }
    throw error;
  } finally {
    if (cluster) await cluster.stopAll();
    if (bot) {
      const exited = new Promise((r) => bot.once("exit", r));
      bot.kill("SIGTERM");
      await exited;
    }
    await tg.stop();
    await nominatim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await benchReports());
