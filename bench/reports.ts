// Issue 3: complete report conversations per second with 100 residents at once, and per-step latency.
// The bot runs as its own process (`npm start`'s entry), as in production; the fake Telegram and
// Nominatim run in this process and play the residents, so the two share the machine's two cores.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDb } from "../src/db/client.js";
import { FakeNominatim } from "../test/support/fakeNominatim.js";
import { FakeTelegram, textOf, type FakeUser } from "../test/support/fakeTelegram.js";
import { percentile, round, TOKEN } from "./support.js";

/** 100 by default (the figure); BENCH_RESIDENTS=1 or 10 shows the latency without contention. */
const RESIDENTS = Number(process.env.BENCH_RESIDENTS ?? 100);
/** Reports each resident makes, one after another: long enough a run for a steady state. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/**
 * 0 (default): closed loop, every resident answers the instant the bot replies — the bot's capacity.
 * N: a resident's next input goes out N ms after their previous one (or at once if the reply came later),
 * so 100 residents offer a fixed load: with 10 steps a report, N = 200 offers 50 reports/s.
 */
const DEFAULT_PACE_MS = process.env.BENCH_PACE_MS === undefined ? undefined : Number(process.env.BENCH_PACE_MS);

/** User + system CPU time of a process so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export async function benchReports(opts: { paceMs?: number } = {}): Promise<Record<string, number | string>> {
  const PACE_MS = DEFAULT_PACE_MS ?? opts.paceMs ?? 0;
  const tg = await FakeTelegram.start();
  const nominatim = await FakeNominatim.start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dzielnicowy-bench-"));
  const databaseUrl = `file:${path.join(dir, "bench.db")}`;
  const bot = spawn(process.execPath, [...(process.env.BENCH_PROFILE ? ["--cpu-prof", "--cpu-prof-dir=/tmp/prof"] : []), "--max-semi-space-size=32", "--import", "tsx", "src/main.ts"], {
    env: {
      ...process.env,
      BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: tg.apiRoot,
      NOMINATIM_URL: nominatim.url,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: "warn",
      REPORTS_PER_DAY: "1000",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const latencies: number[] = [];

  /** Sends one input and waits for the reply that proves the step was handled. */
  async function step(user: FakeUser, act: () => void, fragment: string): Promise<void> {
    const started = performance.now();
    act();
    for (;;) {
      const call = await tg.nextReply(user.id, { timeout: 60_000 });
      if (textOf(call).includes(fragment)) break;
    }
    const latency = performance.now() - started;
    latencies.push(latency);
    if (PACE_MS > latency) await new Promise((r) => setTimeout(r, PACE_MS - latency));
  }

  async function report(i: number, round: number): Promise<void> {
    const user: FakeUser = { id: 8_000_000 + i, first_name: `Mieszkaniec ${i}`, language_code: "pl" };
    // Points ~300 m apart across the city (each round in its own band), so no duplicate suggestion (250 m) interferes.
    const lat = 49.77 + round * 0.033 + Math.floor(i / 10) * 0.003;
    const lon = 19.0 + (i % 10) * 0.0045;
    await step(user, () => tg.sendCommand(user, "report"), "Czego dotyczy");
    await step(user, () => tg.pressButtonByText(user, "Nieprawidłowe parkowanie"), "Gdzie to się dzieje");
    await step(user, () => tg.sendLocation(user, lat, lon), "O jakiej porze");
    await step(user, () => tg.pressButtonByText(user, "rano"), "");
    await step(user, () => tg.pressButtonByText(user, "Dalej →"), "W jakie dni");
    await step(user, () => tg.pressButtonByText(user, "codziennie"), "Opisz krótko");
    await step(user, () => tg.sendText(user, `Samochody stoją na chodniku przy przejściu (${i})`), "Zdjęcia");
    await step(user, () => tg.pressButtonByText(user, "Pomiń →"), "Kontakt");
    await step(user, () => tg.pressButtonByText(user, "Anonimowo"), "Sprawdź zgłoszenie");
    await step(user, () => tg.pressButtonByText(user, "Wyślij zgłoszenie"), "Zgłoszenie zostało przyjęte");
  }

  try {
    await report(RESIDENTS + 1, 0); // warm-up, also waits for the bot to start
    latencies.length = 0;
    const botCpuBefore = cpuSeconds(bot.pid!);
    const ownCpuBefore = process.cpuUsage();
    const started = performance.now();
    // Paced residents start spread over one report's length, as they would arrive.
    const arrival = (i: number) => new Promise((r) => setTimeout(r, PACE_MS ? (i / RESIDENTS) * PACE_MS * 10 : 0));
    const resident = async (i: number) => {
      await arrival(i);
      for (let round = 0; round < ROUNDS; round++) await report(i, round);
    };
    await Promise.all(Array.from({ length: RESIDENTS }, (_, i) => resident(i)));
    const seconds = (performance.now() - started) / 1000;
    const botCpu = cpuSeconds(bot.pid!) - botCpuBefore;
    const ownCpu = process.cpuUsage(ownCpuBefore);
    const db = await openDb(databaseUrl);
    const stored = await db.report.count();
    await db.$disconnect();
    latencies.sort((a, b) => a - b);
    return {
      "residents at once": RESIDENTS,
      "reports each": ROUNDS,
      pace: PACE_MS ? `an input every ${PACE_MS} ms per resident (offers ${round((RESIDENTS * 1000) / (PACE_MS * 10))} reports/s)` : "none: closed loop (capacity)",
      "reports stored": stored,
      "complete reports/s": round((RESIDENTS * ROUNDS) / seconds),
      "step latency median (ms)": round(percentile(latencies, 50)),
      "step latency p95 (ms)": round(percentile(latencies, 95)),
      "steps measured": latencies.length,
      "bot process CPU per report (ms)": round((botCpu / (RESIDENTS * ROUNDS)) * 1000),
      "fake servers + residents CPU per report (ms)": round(((ownCpu.user + ownCpu.system) / 1e6 / (RESIDENTS * ROUNDS)) * 1000),
      target: "≥ 50 reports/s, p95 < 50 ms",
    };
  } finally {
    const exited = new Promise((r) => bot.once("exit", r));
    bot.kill("SIGTERM");
    await exited;
    await tg.stop();
    await nominatim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await benchReports());
