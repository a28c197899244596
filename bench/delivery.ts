// Delivery (issue "Meetings … one durable, rate-aware delivery path"): what the outbox engine costs per
// message with the rate cap lifted, and what the cap means for a 10,000-recipient broadcast in wall time.
// The fake Telegram runs in a child process (this file with --serve-fake-telegram), as Telegram is
// elsewhere in production: this process's CPU time is then the engine's own cost (worker, Kysely, SQLite, grammY).
//   npx tsx bench/delivery.ts          capped figure extrapolated from a short run
//   npx tsx bench/delivery.ts --full   capped figure measured on 10,000 (about 400 s)
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Api } from "grammy";
import { pino } from "pino";
import { applyMigrations, openDatabase, type Database } from "../src/db/connection.js";
import { enqueue, type OutgoingMessage } from "../src/delivery/outbox.js";
import { DeliveryWorker, type DeliveryWorkerOptions } from "../src/delivery/worker.js";
import { FakeTelegram } from "../src/emulator/fakeTelegram.js";
import { newPostgresDatabase, postgresCpuSeconds, type BenchDatabase } from "./postgres.js";

const TOKEN = "123456:BENCH";
const RECIPIENTS = 10_000;
const SHORT_CAPPED_RUN = 250;
/** Recipients of the PostgreSQL runs (issue 15); BENCH_DELIVERY_RECIPIENTS=500 makes a smoke run. */
const PG_RECIPIENTS = Number(process.env.BENCH_DELIVERY_RECIPIENTS ?? RECIPIENTS);

const SELF = fileURLToPath(import.meta.url);

interface Stats {
  sent: number;
  maxPerSecond: number;
  /** Chats that got more than one message: must stay 0. */
  duplicated: number;
  /** Sends per second over the last 80% of the run (the start may be a short burst), by arrival at the fake. */
  steadyPerSecond: number;
}

/** The fake Telegram in its own process, answering "stats" and "clear" on stdin with a JSON line. */
class RemoteFake {
  private constructor(
    private readonly child: ChildProcess,
    private readonly lines: AsyncIterator<string>,
    readonly apiRoot: string,
  ) {}

  static async start(): Promise<RemoteFake> {
    const child = spawn(process.execPath, ["--import", "tsx", SELF, "--serve-fake-telegram"], {
      cwd: path.resolve(path.dirname(SELF), ".."),
      stdio: ["pipe", "pipe", "inherit"],
    });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done) throw new Error("fake Telegram process exited");
    return new RemoteFake(child, lines, (JSON.parse(first.value) as { apiRoot: string }).apiRoot);
  }

  async stats(): Promise<Stats> {
    this.child.stdin!.write("stats\n");
    const line = await this.lines.next();
    return JSON.parse(line.value as string) as Stats;
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.stdin!.end();
    await exited;
  }
}

async function serveFakeTelegram(): Promise<void> {
  const tg = await FakeTelegram.start();
  process.stdout.write(`${JSON.stringify({ apiRoot: tg.apiRoot })}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    if (line !== "stats") continue;
    const calls = tg.callsOf("sendMessage").filter((c) => !c.failed);
    const times = calls.map((c) => c.at).sort((a, b) => a - b);
    let maxPerSecond = 0;
    for (let start = 0, end = 0; end < times.length; end++) {
      while (times[end]! - times[start]! >= 1000) start++;
      maxPerSecond = Math.max(maxPerSecond, end - start + 1);
    }
    const perChat = new Map<string, number>();
    for (const c of calls) perChat.set(String(c.payload.chat_id), (perChat.get(String(c.payload.chat_id)) ?? 0) + 1);
    const n = times.length;
    const stats: Stats = {
      sent: n,
      maxPerSecond,
      duplicated: [...perChat.values()].filter((count) => count > 1).length,
      steadyPerSecond: n > 10 ? ((n - 1 - Math.floor(n / 5)) * 1000) / (times[n - 1]! - times[Math.floor(n / 5)]!) : NaN,
    };
    process.stdout.write(`${JSON.stringify(stats)}\n`);
  }
  await tg.stop();
}

interface Run extends Stats {
  seconds: number;
  enqueueMs: number;
  cpuMsPerMessage: number;
  /** The PostgreSQL server's CPU over the drain, per message (undefined on SQLite). */
  databaseCpuMsPerMessage: number | undefined;
}

/** Enqueues `count` one-message recipients on a fresh database (SQLite, or `postgres`'s) and fake Telegram, and drains them. */
async function run(count: number, options: Partial<DeliveryWorkerOptions>, postgres?: BenchDatabase): Promise<Run> {
  const tg = await RemoteFake.start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dzielnicowy-bench-delivery-"));
  const databaseUrl = postgres?.url ?? `file:${path.join(dir, "bench.db")}`;
  await applyMigrations(databaseUrl);
  const db: Database = openDatabase(databaseUrl);
  try {
    const items: OutgoingMessage[] = Array.from({ length: count }, (_, i) => ({
      dedupeKey: `meeting:1:announce:user:${i}`,
      chatId: 1_000_000 + i,
      userId: i + 1,
      kind: "meeting_announcement",
      batchKey: "meeting:1:announce",
      message: {
        method: "sendMessage",
        text: `<b>Spotkanie z dzielnicowym</b>\nCzwartek, 12 grudnia, 18:00 — Szkoła Podstawowa nr ${(i % 40) + 1}, sala gimnastyczna.`,
        parse_mode: "HTML",
      },
    }));
    const enqueueStart = performance.now();
    await enqueue(db, items);
    const enqueueMs = performance.now() - enqueueStart;

    const worker = new DeliveryWorker({
      db,
      api: new Api(TOKEN, { apiRoot: tg.apiRoot }),
      logger: pino({ level: "warn" }, new Writable({ write: (_c, _e, cb) => cb() })),
      ...options,
    });
    const cpu = process.cpuUsage();
    const databaseCpu = postgres ? postgresCpuSeconds() : undefined;
    const started = performance.now();
    worker.start();
    await worker.drain();
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const databaseCpuAfter = postgres ? postgresCpuSeconds() : undefined;
    await worker.stop();

    return {
      seconds,
      enqueueMs,
      cpuMsPerMessage: (used.user + used.system) / 1000 / count,
      databaseCpuMsPerMessage: databaseCpu !== undefined && databaseCpuAfter !== undefined ? ((databaseCpuAfter - databaseCpu) * 1000) / count : undefined,
      ...(await tg.stats()),
    };
  } finally {
    await db.destroy();
    await postgres?.drop();
    await tg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

export async function benchDelivery(opts: { fullRun?: boolean } = {}): Promise<Record<string, number | string>> {
  const result: Record<string, number | string> = {};

  for (const concurrency of [8, 16]) {
    const uncapped = await run(RECIPIENTS, { perSecond: Infinity, concurrency });
    // The first run pays V8's warm-up; the second is the steady state.
    result[`enqueue 10,000 rows, ${concurrency === 8 ? "first in process" : "warm"} (ms)`] = round(uncapped.enqueueMs, 0);
    result[`uncapped, concurrency ${concurrency}: messages/s (target ≥ 1,000)`] = round(RECIPIENTS / uncapped.seconds, 0);
    result[`uncapped, concurrency ${concurrency}: engine CPU ms per message`] = round(uncapped.cpuMsPerMessage, 3);
    result[`uncapped, concurrency ${concurrency}: delivered / chats with duplicates`] = `${uncapped.sent} / ${uncapped.duplicated}`;
  }

  if (opts.fullRun) {
    const capped = await run(RECIPIENTS, {});
    result["10,000 at the default 25/s: wall time, measured (s; floor 400)"] = round(capped.seconds, 1);
    result["10,000 at the default 25/s: busiest second"] = capped.maxPerSecond;
    result["10,000 at the default 25/s: delivered / chats with duplicates"] = `${capped.sent} / ${capped.duplicated}`;
  } else {
    const capped = await run(SHORT_CAPPED_RUN, {});
    result[`${SHORT_CAPPED_RUN} at the default 25/s: wall time, measured (s)`] = round(capped.seconds, 2);
    result[`${SHORT_CAPPED_RUN} at the default 25/s: busiest second`] = capped.maxPerSecond;
    result[`${SHORT_CAPPED_RUN} at the default 25/s: steady rate (messages/s)`] = round(capped.steadyPerSecond, 2);
    result["10,000 at the default 25/s: wall time, EXTRAPOLATED from the short run's steady rate (s; floor 400; --full measures)"] = round(
      RECIPIENTS / capped.steadyPerSecond,
      0,
    );
  }
  return result;
}

/** Issue 15: the cap-lifted runs above on a PostgreSQL database of the bench cluster (run.ts stops it). */
export async function benchDeliveryPostgres(): Promise<Record<string, number | string>> {
  const n = PG_RECIPIENTS.toLocaleString("en");
  const result: Record<string, number | string> = {};
  for (const concurrency of [8, 16]) {
    const uncapped = await run(PG_RECIPIENTS, { perSecond: Infinity, concurrency }, await newPostgresDatabase());
    const database = uncapped.databaseCpuMsPerMessage;
    result[`enqueue ${n} rows, ${concurrency === 8 ? "first run" : "second run"} (ms)`] = round(uncapped.enqueueMs, 0);
    result[`uncapped, concurrency ${concurrency}: messages/s (target ≥ 1,000)`] = round(PG_RECIPIENTS / uncapped.seconds, 0);
    result[`uncapped, concurrency ${concurrency}: engine CPU ms per message`] = round(uncapped.cpuMsPerMessage, 3);
    result[`uncapped, concurrency ${concurrency}: PostgreSQL server CPU ms per message`] =
      database === undefined ? "n/a (not the bench's own cluster)" : round(database, 3);
    result[`uncapped, concurrency ${concurrency}: delivered / chats with duplicates`] = `${uncapped.sent} / ${uncapped.duplicated}`;
  }
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes("--serve-fake-telegram")) await serveFakeTelegram();
  else console.table(await benchDelivery({ fullRun: process.argv.includes("--full") }));
}
